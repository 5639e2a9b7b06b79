/**
 * Whole-file writes that a crash never leaves half done: the data goes to a temporary name first
 * and then replaces (rename) or joins (link) the final name in one step.
 *
 * The flushes wait for the disk; where they run is the caller's choice (`Flush`): on the calling
 * thread when nothing else waits for the event loop, in libuv's pool when other work may overlap.
 */
import { closeSync, fdatasync, fdatasyncSync, fsync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ifPresent, unlinkIfPresent } from './if-present.js';

/** fsync or fdatasync in libuv's pool. Not util.promisify: loading node:util costs every plugin start ~0.4 ms on Bun. */
const flushInPool = (fd: number, data: boolean) =>
  new Promise<void>((resolve, reject) => (data ? fdatasync : fsync)(fd, (err) => (err ? reject(err) : resolve())));

/** Where a flush runs: `inline` on the calling (main) thread, `pool` in libuv's thread pool. */
export type Flush = 'inline' | 'pool';

/** fsyncs (or fdatasyncs) every fd, in parallel in the pool or one after another inline. */
export async function flushAll(fds: readonly number[], how: Flush, data = false): Promise<void> {
  if (how === 'inline') {
    for (const fd of fds) (data ? fdatasyncSync : fsyncSync)(fd);
    return;
  }
  await Promise.all(fds.map((fd) => flushInPool(fd, data)));
}

/** fsync of a directory makes its entries (creations, renames) durable. */
export async function fsyncDir(dir: string, how: Flush = 'inline'): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await flushAll([fd], how);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Writes all of `data` to `fd`. */
export function writeAll(fd: number, data: string | Uint8Array, position?: number): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off);
}

/**
 * Creates `path` (`wx`: never into an existing file, which may be another name of the same data)
 * holding `data`, fsync'd when `sync` is set. A failed write removes the file.
 */
export function writeNewFile(path: string, data: string | Uint8Array, mode: number, sync = true): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeAll(fd, data);
    if (sync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(path);
    throw err;
  }
  closeSync(fd);
}

/**
 * writeNewFile of a temporary name; one a killed writer left (only its name: it may be another
 * name of a file in use) is removed first, only when there is one: an unlink that fails with
 * ENOENT costs a syscall and an exception every time.
 */
export function writeTemp(tmp: string, data: string | Uint8Array, mode: number, sync: boolean): void {
  try {
    writeNewFile(tmp, data, mode, sync);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    unlinkIfPresent(tmp);
    writeNewFile(tmp, data, mode, sync);
  }
}

export interface DurableOptions {
  /** File mode of a new file (default 0600). */
  mode?: number;
  /** The temporary name (default `<path>.tmp`); a unique one lets writers run side by side. */
  tmp?: string;
}

/** Writes `path` atomically and durably: temp file, fsync, rename over `path`, fsync of the directory. */
export async function writeFileDurable(
  path: string,
  data: string | Uint8Array,
  how: Flush = 'inline',
  opts: DurableOptions = {},
): Promise<void> {
  const tmp = opts.tmp ?? `${path}.tmp`;
  writeTemp(tmp, data, opts.mode ?? 0o600, false);
  const fd = openSync(tmp, 'r');
  try {
    await flushAll([fd], how);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  await fsyncDir(dirname(path), how);
}

/**
 * Writes `path` durably only when it does not exist yet: temp file, fsync, link() to `path`,
 * unlink of the temp name, fsync of the directory. Returns false (writing nothing) when `path` exists.
 */
export async function createFileDurable(
  path: string,
  data: string | Uint8Array,
  how: Flush = 'inline',
  opts: DurableOptions = {},
): Promise<boolean> {
  const tmp = opts.tmp ?? `${path}.tmp`;
  writeTemp(tmp, data, opts.mode ?? 0o600, true);
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    removeQuietly(tmp);
  }
  await fsyncDir(dirname(path), how);
  return true;
}

/**
 * Replaces `path` whole (temp file, rename) at once and flushes it to disk afterwards (fsync of the
 * file, then of its directory, in libuv's pool): the returned promise settles when the disk has it,
 * so a caller overlaps the disk's wait with other work and awaits it before it reports success. A
 * machine crash before then may leave the old content, none, or an empty file: readers must take
 * a file that does not parse for an absent one. A file removed meanwhile needs no flush.
 */
export function replaceFileFlushLater(path: string, data: string | Uint8Array, mode = 0o600, tmp = `${path}.tmp`): Promise<void> {
  replaceFile(path, data, mode, tmp);
  return (async () => {
    if (await fsyncIfPresent(path, 'pool')) await fsyncDir(dirname(path), 'pool');
  })();
}

/** fsync of `path` when it exists; false when it does not (a file removed meanwhile needs no flush). */
export async function fsyncIfPresent(path: string, how: Flush): Promise<boolean> {
  const fd = ifPresent(() => openSync(path, 'r'));
  if (fd === undefined) return false;
  try {
    await flushAll([fd], how);
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` whole (temp file, rename) without any fsync: for hints and records a machine
 * crash may lose, where a reader never sees half a file.
 */
export function replaceFile(path: string, data: string | Uint8Array, mode = 0o600, tmp = `${path}.tmp`): void {
  writeTemp(tmp, data, mode, false);
  renameSync(tmp, path);
}
