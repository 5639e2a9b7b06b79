/** Reads of what may not be there: a missing file or directory is an answer, any other failure an error. */
import { readdirSync } from 'node:fs';

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
