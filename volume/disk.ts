/**
 * Durable file system steps: a change is on disk (fsync'd, parent directory too) before it counts.
 *
 * Cheap metadata calls (open, write of a few hundred bytes, rename, close) are made synchronously:
 * each is microseconds, while a round trip through libuv's thread pool costs more than the call
 * itself. Only the flushes (fsync, fdatasync), which wait for the disk, go to the pool, so the event
 * loop keeps serving other volumes meanwhile.
 */
import { closeSync, fdatasync, fsync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
const fdatasyncAsync = promisify(fdatasync);

async function flushAndClose(fd: number, flush: (fd: number) => Promise<void>): Promise<void> {
  try {
    await flush(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a directory makes its entries (creations, renames) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  await flushAndClose(openSync(dir, 'r'), fsyncAsync);
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

/** Writes a new file and fsyncs it (not its directory). */
export async function writeFileSynced(path: string, text: string, mode = 0o600): Promise<void> {
  const fd = openSync(path, 'wx', mode);
  try {
    writeAll(fd, text);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  await flushAndClose(fd, fsyncAsync);
}

/** Writes `path` atomically: `path.tmp`, fsync, rename over `path`, fsync of the directory. */
export async function writeFileDurable(path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeAll(fd, text);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  await flushAndClose(fd, fsyncAsync);
  renameSync(tmp, path);
  await fsyncDir(dirname(path));
}

/** Appends `line` to `path` (created 0600 when missing) and fdatasyncs it: durable when this resolves. */
export async function appendDurable(path: string, line: string): Promise<void> {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeAll(fd, line);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  await flushAndClose(fd, fdatasyncAsync);
}
