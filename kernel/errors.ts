/** Errors of kernel calls: what was attempted, on what, and the errno name. */
import { ErrCode } from '../cni/errors.js';

let errnoNames: Map<number, string> | undefined;

/** Turns a positive errno number into its name ("EEXIST"); unknown numbers stay numeric. */
export function errnoName(errno: number): string {
  // node:os is loaded on the first error only: a plugin that succeeds never pays for it.
  errnoNames ??= new Map(Object.entries((require('node:os') as typeof import('node:os')).constants.errno).map(([name, n]) => [n, name]));
  return errnoNames.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

export class KernelError extends Error {
  /** Read by cni/errors.ts toCniError: kernel failures are Berth code 104. */
  readonly cniCode = ErrCode.KernelFailure;
  constructor(readonly op: string, readonly target: string, readonly errno: string) {
    super(`cannot ${op} ${JSON.stringify(target)}: ${errno}`);
    this.name = 'KernelError';
  }
}

/** True for "it is not there" errors, which teardown treats as done. */
export function isNotFound(err: unknown): boolean {
  const code = err instanceof KernelError ? err.errno : (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENODEV' || code === 'ENOENT' || code === 'ESRCH' || code === 'EADDRNOTAVAIL';
}

export function isExists(err: unknown): boolean {
  const code = err instanceof KernelError ? err.errno : (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EEXIST';
}
