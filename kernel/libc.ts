/**
 * The few libc calls Node does not offer (setns, flock), through koffi. Loaded on first use only,
 * so a plugin answering VERSION never pays for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError, errnoName } from './errors.js';

interface Libc {
  setns(fd: number, nstype: number): number;
  flock(fd: number, op: number): number;
  errno(): number;
}

let libc: Libc | undefined;

/** The part of koffi's API Berth uses. */
export interface KoffiNative {
  load(name: string): { func(signature: string): (...args: any[]) => any };
  errno(): number;
}

let koffiNative: KoffiNative | undefined;

/**
 * koffi's native module, loaded once, by its path when it sits where npm puts it: koffi's own entry
 * point probes several locations and wraps deprecated APIs, ~2 ms of every plugin's start-up.
 */
export function loadKoffi(): KoffiNative {
  if (koffiNative) return koffiNative;
  const triplet = `${process.platform}-${process.arch}`;
  const abi = `${process.platform}_${process.arch}`;
  for (const modules of [join(__dirname, '../../node_modules'), join(__dirname, '../node_modules')]) {
    const path = join(modules, `@koromix/koffi-${triplet}`, abi, 'koffi.node');
    if (existsSync(path)) return (koffiNative = require(path) as KoffiNative);
  }
  return (koffiNative = require('koffi') as KoffiNative);
}

function load(): Libc {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  libc = {
    setns: lib.func('int setns(int fd, int nstype)'),
    flock: lib.func('int flock(int fd, int op)'),
    errno: () => koffi.errno(),
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
