/**
 * Unpacks one layer tar into an empty directory, as overlayfs wants it: whiteouts become 0/0
 * character devices, opaque directories get `trusted.overlay.opaque=y`; owners, modes, times, hard
 * links, symlinks, devices and xattrs are kept. Nothing is ever written through a symlink or outside
 * the directory: every parent of an entry is checked with lstat before the entry is made, and
 * Berth is the only writer of the (staging) directory meanwhile, so no check can be raced.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from '../kernel/fs-nodes.js';
import { KernelError } from '../kernel/errors.js';
import { HostileEntryError, entryPath, whiteoutOf } from './layer-path.js';
import type { TarEntry } from './tar.js';
import { readTarStream, type TarSplitSink } from './tar-stream.js';

export interface UnpackedLayer {
  /** `sha256:<hex>` of the uncompressed tar stream. */
  diffId: string;
  /** Bytes of regular files and symlink targets, as docker's layer size counts them. */
  size: number;
  entries: number;
}

/** overlayfs's own attributes: set by the unpacker for opaque dirs, never taken from an image. */
const OVERLAY_XATTR = /^trusted\.overlay\./;
const OPEN_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const shown = (parts: readonly string[]) => JSON.stringify(`/${parts.join('/')}`);

/** Walks to the directory holding the entry, making missing parents (0755, as docker does). */
function parentDir(dest: string, parts: readonly string[], rawName: string, create: boolean): string {
  let dir = dest;
  for (let i = 0; i < parts.length - 1; i++) {
    dir = join(dir, parts[i]);
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st && create) {
      mkdirSync(dir, 0o755);
      continue;
    }
    if (!st) throw new HostileEntryError(rawName, `${shown(parts.slice(0, i + 1))} does not exist in the layer`);
    if (st.isSymbolicLink()) throw new HostileEntryError(rawName, `it goes through the symbolic link ${shown(parts.slice(0, i + 1))}`);
    if (!st.isDirectory()) throw new HostileEntryError(rawName, `${shown(parts.slice(0, i + 1))} is not a directory`);
  }
  return dir;
}

/** Clears the way for a new entry at `path`: an existing directory stays for a directory entry. */
function makeRoom(path: string, keepDir: boolean): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  if (keepDir && st.isDirectory()) return true;
  rmSync(path, { recursive: true, force: true }); // never follows symlinks
  return false;
}

function setXattrs(path: string, xattrs: Record<string, Buffer>): void {
  for (const [name, value] of Object.entries(xattrs)) {
    if (OVERLAY_XATTR.test(name)) continue;
    try {
      lsetxattr(path, name, value);
    } catch (err) {
      // As docker: a file system without xattrs (ENOTSUP), or user.* on a symlink (EPERM), is no failure.
      const errno = err instanceof KernelError ? err.errno : '';
      if (errno !== 'EOPNOTSUPP' && errno !== 'ENOTSUP' && errno !== 'EPERM') throw err;
    }
  }
}

async function writeFile(path: string, body: AsyncIterable<Buffer>): Promise<void> {
  const fd = openSync(path, OPEN_NEW, 0o600);
  try {
    for await (const chunk of body) for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at);
  } finally {
    closeSync(fd);
  }
}

/** Makes one ordinary (non-whiteout) entry at `path`; returns the bytes it adds to the layer size. */
async function makeEntry(dest: string, path: string, entry: TarEntry, body: AsyncIterable<Buffer>): Promise<number> {
  switch (entry.type) {
    case 'dir':
      if (!makeRoom(path, true)) mkdirSync(path, 0o700);
      return 0;
    case 'file':
      makeRoom(path, false);
      await writeFile(path, body);
      return entry.size;
    case 'symlink':
      makeRoom(path, false);
      symlinkSync(entry.linkname, path);
      return Buffer.byteLength(entry.linkname);
    case 'link': {
      const target = entryPath(entry.linkname);
      if (target.length === 0) throw new HostileEntryError(entry.name, 'a hard link to the layer root');
      const targetPath = join(parentDir(dest, target, entry.name, false), target[target.length - 1]);
      const st = lstatSync(targetPath, { throwIfNoEntry: false });
      if (!st) throw new HostileEntryError(entry.name, `hard link target ${shown(target)} is not in the layer`);
      if (st.isDirectory()) throw new HostileEntryError(entry.name, `hard link target ${shown(target)} is a directory`);
      if (targetPath === path) return 0;
      makeRoom(path, false);
      linkSync(targetPath, path);
      return 0;
    }
    default: {
      const kind = entry.type === 'char' ? S_IFCHR : entry.type === 'block' ? S_IFBLK : S_IFIFO;
      makeRoom(path, false);
      mknod(path, kind | 0o600, entry.devmajor, entry.devminor);
      return 0;
    }
  }
}

/**
 * Unpacks the tar stream `chunks` into `dest` (an existing empty directory) and returns its diff
 * ID (sha256 of every byte of the stream) and size; `split` gets what rebuilds the stream (tar-split.ts).
 * @throws {HostileEntryError} for an entry that would land outside `dest`
 */
export async function unpackLayer(chunks: AsyncIterable<Buffer>, dest: string, split?: TarSplitSink): Promise<UnpackedLayer> {
  const hash = createHash('sha256');
  const dirTimes: Array<[string, number]> = [];
  let size = 0,
    entries = 0;
  chmodSync(dest, 0o755);
  for await (const { entry, body } of readTarStream(chunks, (c) => hash.update(c), split)) {
    entries += 1;
    const parts = entryPath(entry.name);
    const whiteout = whiteoutOf(parts, entry.name);
    if (whiteout?.kind === 'aufs-meta') continue;
    const dir = parts.length === 0 ? dest : parentDir(dest, parts, entry.name, true);
    try {
      if (whiteout?.kind === 'opaque') {
        lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
        continue;
      }
      if (whiteout?.kind === 'file') {
        const path = join(dir, whiteout.name);
        makeRoom(path, false);
        mknod(path, S_IFCHR, 0, 0);
        lchownSync(path, entry.uid, entry.gid);
        continue;
      }
      if (parts.length === 0 && entry.type !== 'dir') throw new HostileEntryError(entry.name, 'the layer root must be a directory');
      const path = parts.length === 0 ? dest : join(dir, parts[parts.length - 1]);
      size += await makeEntry(dest, path, entry, body);
      if (entry.type === 'link') continue;
      // chown first: it clears setuid bits and file capabilities, which chmod and the xattrs then set.
      lchownSync(path, entry.uid, entry.gid);
      setXattrs(path, entry.xattrs);
      if (entry.type !== 'symlink') chmodSync(path, entry.mode);
      if (entry.type === 'dir') dirTimes.push([path, entry.mtime]);
      else lutimesSync(path, entry.mtime, entry.mtime);
    } catch (err) {
      if (err instanceof HostileEntryError || err instanceof SyntaxError) throw err;
      throw new Error(`cannot unpack ${JSON.stringify(entry.name)}: ${(err as Error).message}`);
    }
  }
  // Directory times last: every entry made inside a directory changed its mtime.
  for (const [path, mtime] of dirTimes) lutimesSync(path, mtime, mtime);
  return { diffId: `sha256:${hash.digest('hex')}`, size, entries };
}
