/** An exclusive lock on a file, held until released (or until the process exits). */
import { closeSync, fstatSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { flockExclusive, flockRelease } from './libc.js';

export interface FileLock {
  release(): void;
}

/**
 * Opens (creating it if needed) and exclusively flocks `path`, waiting for other holders.
 * The wait blocks the thread on purpose: a plugin process has nothing else to do meanwhile.
 * A holder may let the lock go between two steps and take it again on the same descriptor
 * (`berth run`: the start, then the cleanup after the container's exit).
 */
export function lockFile(path: string): ResumableLock {
  return heldLock(lockedFd(path), path);
}

/**
 * lockFile of `dir`/`name`, the directory made (with `mode`) only when the open misses it: it is
 * there after the first call, so every later one spares a mkdir and a stat.
 */
export function lockFileIn(dir: string, name: string, mode: number): ResumableLock {
  const path = join(dir, name);
  try {
    return lockFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode });
  return lockFile(path);
}

function lockedFd(path: string): number {
  const fd = openSync(path, 'a+', 0o644);
  try {
    flockExclusive(fd, path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

export interface ResumableLock extends FileLock {
  /** Lets other holders in; the descriptor stays open for resume(). */
  suspend(): void;
  /** Takes the lock again on the same descriptor, waiting for other holders. */
  resume(): void;
}

function heldLock(fd: number, path: string): ResumableLock {
  let held = true;
  let open = true;
  return {
    suspend() {
      if (!held) return;
      held = false;
      flockRelease(fd);
    },
    resume() {
      if (held || !open) return;
      flockExclusive(fd, path);
      held = true;
    },
    release() {
      if (!open) return;
      open = false;
      if (held) flockRelease(fd);
      held = false;
      closeSync(fd);
    },
  };
}

export interface RemovableLock extends FileLock {
  /** Removes the lock file, then releases the lock. */
  releaseAndRemove(): void;
}

/**
 * As lockFile, for a lock file that a holder removes when it is no longer needed: after the flock,
 * the path must still name the locked file, else a waiter would hold a lock nobody else sees.
 */
export function lockRemovableFile(path: string): RemovableLock {
  for (;;) {
    const fd = lockedFd(path);
    const lock = heldLock(fd, path);
    const held = fstatSync(fd);
    let now: { ino: number; dev: number } | undefined;
    try {
      now = statSync(path);
    } catch {
      now = undefined; // removed by the holder before us
    }
    if (now && now.ino === held.ino && now.dev === held.dev)
      return {
        release: () => lock.release(),
        releaseAndRemove() {
          rmSync(path, { force: true });
          lock.release();
        },
      };
    lock.release();
  }
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
