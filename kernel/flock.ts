/** An exclusive lock on a file, held until released (or until the process exits). */
import { closeSync, openSync } from 'node:fs';
import { flockExclusive, flockRelease } from './libc.js';

export interface FileLock {
  release(): void;
}

/**
 * Opens (creating it if needed) and exclusively flocks `path`, waiting for other holders.
 * The wait blocks the thread on purpose: a plugin process has nothing else to do meanwhile.
 */
export function lockFile(path: string): FileLock {
  const fd = openSync(path, 'a+', 0o644);
  try {
    flockExclusive(fd, path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      flockRelease(fd);
      closeSync(fd);
    },
  };
}

/**
 * Runs `fn` holding the lock on `path`; the lock goes when `fn` returns or throws, or, for a
 * promise, when it settles.
 */
export function withFileLock<T>(path: string, fn: () => T): T {
  const lock = lockFile(path);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    lock.release();
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => lock.release()) as T;
  lock.release();
  return result;
}
