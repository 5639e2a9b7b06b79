/**
 * umount2(2) in this process, through bun:ffi on Bun and koffi on Node, loaded on first use: an
 * `umount` program costs a process start (~3-5 ms) for one system call. Unmounting changes no
 * namespace of the calling thread, so the JavaScript runtime may make it itself.
 */
import { KernelError, errnoName } from './errors.js';
import { loadKoffi } from './libc.js';

const MNT_DETACH = 2;

let umount2: ((target: string, flags: number) => number) | undefined;
let errno: () => number = () => 0;

function load(): (target: string, flags: number) => number {
  if (umount2) return umount2;
  if (typeof process.versions.bun === 'string') {
    const ffi = require('bun:ffi') as {
      dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...a: any[]) => any> };
      read: { i32(pointer: number, offset?: number): number };
    };
    const { symbols: c } = ffi.dlopen('libc.so.6', {
      umount2: { args: ['ptr', 'i32'], returns: 'i32' },
      __errno_location: { args: [], returns: 'ptr' },
    });
    errno = () => ffi.read.i32(c.__errno_location());
    return (umount2 = (target, flags) => c.umount2(Buffer.from(`${target}\0`), flags));
  }
  const koffi = loadKoffi();
  errno = () => koffi.errno();
  return (umount2 = koffi.load('libc.so.6').func('int umount2(const char *target, int flags)'));
}

/**
 * Detaches the mount on `path` (MNT_DETACH: a process still using it does not keep it busy).
 * @returns false when nothing is mounted there (EINVAL) or the path is gone (ENOENT)
 * @throws {KernelError} on any other failure
 */
export function unmountDetached(path: string): boolean {
  const call = load();
  if (call(path, MNT_DETACH) === 0) return true;
  const code = errnoName(errno());
  if (code === 'EINVAL' || code === 'ENOENT') return false;
  throw new KernelError('unmount', path, code);
}
