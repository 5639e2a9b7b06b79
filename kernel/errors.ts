/** Errors of kernel calls: what was attempted, on what, and the errno name. The CNI edge (cni/errors.ts) gives them codes. */

/**
 * The errnos a plugin meets on its normal paths (a link or file that is not there yet, one that
 * already is), by Linux's numbers. A successful bridge ADD asks the kernel about a link that does
 * not exist yet, and loading node:os for its table would slow that call. The rest come from
 * node:os, loaded on the first other errno. A unit test holds this table to node:os's.
 */
export const COMMON_ERRNOS: ReadonlyMap<number, string> = new Map([
  [1, 'EPERM'],
  [2, 'ENOENT'],
  [3, 'ESRCH'],
  [4, 'EINTR'],
  [11, 'EAGAIN'],
  [13, 'EACCES'],
  [16, 'EBUSY'],
  [17, 'EEXIST'],
  [19, 'ENODEV'],
  [22, 'EINVAL'],
  [95, 'EOPNOTSUPP'],
  [99, 'EADDRNOTAVAIL'],
]);
let errnoNames: Map<number, string> | undefined;

/** Turns a positive errno number into its name ("EEXIST"); unknown numbers stay numeric. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  const common = COMMON_ERRNOS.get(n);
  if (common) return common;
  errnoNames ??= new Map(Object.entries((require('node:os') as typeof import('node:os')).constants.errno).map(([name, v]) => [v, name]));
  return errnoNames.get(n) ?? `errno ${n}`;
}

export class KernelError extends Error {
  constructor(
    readonly op: string,
    readonly target: string,
    readonly errno: string,
  ) {
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

/** nftables refused or failed a command; `reason` is nft's own first error line. */
export class NftError extends Error {
  constructor(
    readonly action: string,
    readonly reason: string,
  ) {
    super(`cannot ${action}: ${reason}`);
    this.name = 'NftError';
  }

  /** The object named in the command does not exist (ENOENT). */
  get isNotFound(): boolean {
    return /No such file or directory/.test(this.reason);
  }

  /** An element with the same key (or an object of that name) exists (EEXIST). */
  get isExists(): boolean {
    return /File exists/.test(this.reason);
  }
}
