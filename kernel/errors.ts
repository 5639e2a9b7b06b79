/** Errors of kernel calls: what was attempted, on what, and the errno name. */
import { ErrCode } from '../cni/errors.js';
import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** Turns a positive errno number into its name ("EEXIST"); unknown numbers stay numeric. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
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
