/**
 * The file-system calls Node does not offer and an image layer needs: mknod(2) for device nodes,
 * FIFOs and overlayfs whiteouts (a 0/0 character device), lsetxattr(2)/lgetxattr(2) for extended
 * attributes (overlayfs's `trusted.overlay.opaque`, file capabilities). Through koffi, loaded on
 * first use; `berth` runs on Node only.
 */
import { KernelError, errnoName } from './errors.js';
import { loadKoffi } from './libc.js';

interface NodeCalls {
  mknod(path: string, mode: number, dev: bigint): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string, name: string, value: Buffer, size: number): number;
  errno(): number;
}

let calls: NodeCalls | undefined;

function load(): NodeCalls {
  if (calls) return calls;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  return (calls = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)'),
    errno: () => koffi.errno(),
  });
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** glibc's makedev(3): the 64-bit dev_t of a major and minor number. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major),
    mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/** Creates a device node or FIFO at `path`; `mode` holds the type bits (S_IFCHR, ...) and the permissions. */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  const c = load();
  if (c.mknod(path, mode, makedev(major, minor)) !== 0) throw new KernelError('create device node', path, errnoName(c.errno()));
}

/** Sets an extended attribute on `path` itself (a symlink is not followed). */
export function lsetxattr(path: string, name: string, value: Buffer): void {
  const c = load();
  if (c.lsetxattr(path, name, value, value.length, 0) !== 0)
    throw new KernelError(`set extended attribute ${name} on`, path, errnoName(c.errno()));
}

/** Reads an extended attribute of `path` itself, or undefined when it has none of that name. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  const buf = Buffer.alloc(65536);
  const n = c.lgetxattr(path, name, buf, buf.length);
  if (n >= 0) return buf.subarray(0, n);
  const errno = errnoName(c.errno());
  if (errno === 'ENODATA') return undefined;
  throw new KernelError(`read extended attribute ${name} of`, path, errno);
}
