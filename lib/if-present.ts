/** Reads of what may not be there: a missing file or directory is an answer, any other failure an error. */

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
