/** Durable file system steps: a change is on disk (fsync'd, parent directory too) before it counts. */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync of a directory makes its entries (creations, renames) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a new file and fsyncs it (not its directory). */
export async function writeFileSynced(path: string, text: string, mode = 0o600): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `path` atomically: `path.tmp`, fsync, rename over `path`, fsync of the directory. */
export async function writeFileDurable(path: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Appends `line` to `path` (created 0600 when missing) and fdatasyncs it: durable when this resolves. */
export async function appendDurable(path: string, line: string): Promise<void> {
  const fh = await open(path, 'a', 0o600);
  try {
    await fh.writeFile(line);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
