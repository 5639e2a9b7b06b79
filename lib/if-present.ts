/** Reads of what may not be there: a missing file or directory is an answer, any other failure an error. */
import { readdirSync, unlinkSync } from 'node:fs';

/**
 * `read()`'s value, or undefined when it fails with ENOENT.
 * @throws whatever else `read` throws
 * @example
 * const names = ifPresent(() => readdirSync(dir)) ?? [];
 */
export function ifPresent<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes a file that may be gone already: one unlink(2), where rmSync's `force` asks stat(2) first. */
export function unlinkIfPresent(path: string): void {
  ifPresent(() => unlinkSync(path));
}

/**
 * The names in `dir`, or none when it cannot be read at all (absent, removed meanwhile, not a
 * directory, not readable): for sweeps and listings that skip what they cannot see.
 */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
