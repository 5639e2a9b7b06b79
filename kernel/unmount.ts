/**
 * umount2(2) in this process (kernel/libc.ts, loaded on first use): an
 * `umount` program costs a process start (~3-5 ms) for one system call. Unmounting changes no
 * namespace of the calling thread, so the JavaScript runtime may make it itself.
 */
import { KernelError, errnoName } from './errors.js';
import { loadMountCalls } from './libc.js';

const MNT_DETACH = 2;

/**
 * Detaches the mount on `path` (MNT_DETACH: a process still using it does not keep it busy).
 * @returns false when nothing is mounted there (EINVAL) or the path is gone (ENOENT)
 * @throws {KernelError} on any other failure
 */
export function unmountDetached(path: string): boolean {
  const c = loadMountCalls();
  if (c.umount2(path, MNT_DETACH) === 0) return true;
  const code = errnoName(c.errno());
  if (code === 'EINVAL' || code === 'ENOENT') return false;
  throw new KernelError('unmount', path, code);
}
