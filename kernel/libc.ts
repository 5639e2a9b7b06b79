/**
 * The few libc calls Node does not offer (setns, flock), through koffi. Loaded on first use only,
 * so a plugin answering VERSION never pays for it.
 */
import { KernelError, errnoName } from './errors.js';

interface Libc {
  setns(fd: number, nstype: number): number;
  flock(fd: number, op: number): number;
  errno(): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const errnoLocation = lib.func('int *__errno_location()');
  libc = {
    setns: lib.func('int setns(int fd, int nstype)'),
    flock: lib.func('int flock(int fd, int op)'),
    errno: () => koffi.decode(errnoLocation(), 'int') as number,
  };
  return libc;
}

export const CLONE_NEWNET = 0x40000000;
const LOCK_EX = 2;
const LOCK_UN = 8;

/** Moves the calling thread (Node's main thread) into the namespace open at `fd`. */
export function setns(fd: number, nstype: number, what: string): void {
  const c = load();
  if (c.setns(fd, nstype) !== 0) throw new KernelError('enter network namespace', what, errnoName(c.errno()));
}

/** Takes an exclusive flock on `fd`, waiting for it. */
export function flockExclusive(fd: number, what: string): void {
  const c = load();
  if (c.flock(fd, LOCK_EX) !== 0) throw new KernelError('lock', what, errnoName(c.errno()));
}

export function flockRelease(fd: number): void {
  load().flock(fd, LOCK_UN);
}
