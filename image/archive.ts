/**
 * The files of an image archive (docker-save or OCI, as a tar file or an OCI layout directory),
 * by name. A tar is indexed once (headers only, data skipped), then each file is read in place by
 * offset: a blob is never copied out of the archive before it is unpacked.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { BLOCK, TarDecoder, padded } from './tar.js';

export interface Archive {
  /** Whether the archive holds a file of that name. */
  has(name: string): boolean;
  /** The whole file; refused over `limit` bytes (manifests and configs are small). */
  read(name: string, limit: number): Buffer;
  /** The file's bytes as a stream. */
  stream(name: string): Readable;
  close(): void;
}

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

/** A name inside the archive, cleaned; undefined when it would leave the archive. */
export function archiveName(name: string): string | undefined {
  const clean = posix.normalize(`/${name}`).slice(1);
  return clean === '' || name.includes('\0') || posix.normalize(name).startsWith('../') ? undefined : clean.replace(/\/$/, '');
}

interface Located {
  offset: number;
  size: number;
}

/** `find`, throwing "<where> has no file NAME" instead of giving undefined. */
function required<T>(find: (name: string) => T | undefined, where: string): (name: string) => T {
  return (name) => {
    const found = find(name);
    if (found === undefined) throw new ArchiveError(`${where} has no file ${JSON.stringify(name)}`);
    return found;
  };
}

/** `size` bytes at `offset` of `fd`; refused over `limit`. */
function readAt(fd: number, offset: number, size: number, name: string, limit: number): Buffer {
  if (size > limit) throw new ArchiveError(`${JSON.stringify(name)} is too large (${size} bytes, at most ${limit})`);
  const data = Buffer.alloc(size);
  if (readSync(fd, data, 0, size, offset) !== size) throw new ArchiveError(`${JSON.stringify(name)} is cut short`);
  return data;
}

/** Indexes the tar file at `path`: regular files by offset, links resolved by name. */
export function openTarArchive(path: string): Archive {
  const fd = openSync(path, 'r');
  const files = new Map<string, Located>();
  const links = new Map<string, string>();
  try {
    const fileSize = fstatSync(fd).size;
    const decoder = new TarDecoder();
    const block = Buffer.alloc(BLOCK);
    for (let at = 0; ;) {
      const n = readSync(fd, block, 0, BLOCK, at);
      if (n === 0) break;
      if (n < BLOCK) throw new ArchiveError('the archive is truncated (a tar header is cut short)');
      let decoded;
      try {
        decoded = decoder.header(block);
      } catch (err) {
        throw new ArchiveError(`the archive is not a valid tar file: ${(err as Error).message}`);
      }
      if (decoded.kind === 'end') break;
      const size = decoded.kind === 'meta' ? decoded.size : decoded.entry.size;
      if (at + BLOCK + size > fileSize) throw new ArchiveError('the archive is truncated (a file in it is cut short)');
      if (decoded.kind === 'meta') {
        const data = Buffer.alloc(size);
        readSync(fd, data, 0, size, at + BLOCK);
        decoder.meta(data);
      } else {
        const { entry } = decoded;
        const name = archiveName(entry.name);
        if (name !== undefined) {
          if (entry.type === 'file') files.set(name, { offset: at + BLOCK, size });
          else if (entry.type === 'symlink') {
            const target = archiveName(posix.join(posix.dirname(name), entry.linkname));
            if (target !== undefined && !entry.linkname.startsWith('/')) links.set(name, target);
          } else if (entry.type === 'link') {
            const target = archiveName(entry.linkname);
            if (target !== undefined) links.set(name, target);
          }
        }
      }
      at += BLOCK + padded(size);
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const locate = (name: string): Located | undefined => {
    let clean = archiveName(name);
    for (let hops = 0; clean !== undefined && hops < 16; hops++) {
      const found = files.get(clean);
      if (found) return found;
      clean = links.get(clean);
    }
    return undefined;
  };
  const need = required(locate, 'the archive');
  return {
    has: (name) => locate(name) !== undefined,
    read(name, limit) {
      const { offset, size } = need(name);
      return readAt(fd, offset, size, name, limit);
    },
    stream(name) {
      const { offset, size } = need(name);
      return size === 0 ? Readable.from([]) : createReadStream(path, { start: offset, end: offset + size - 1 });
    },
    close: () => closeSync(fd),
  };
}

/** An OCI layout directory: names resolve inside it only (symlinks that leave it are refused). */
export function openDirArchive(dir: string): Archive {
  const root = realpathSync(dir);
  const resolve = (name: string): string | undefined => {
    const clean = archiveName(name);
    if (clean === undefined) return undefined;
    try {
      const real = realpathSync(posix.join(root, clean));
      return real.startsWith(`${root}/`) && statSync(real).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  };
  const need = required(resolve, 'the layout');
  return {
    has: (name) => resolve(name) !== undefined,
    read(name, limit) {
      const fd = openSync(need(name), 'r');
      try {
        return readAt(fd, 0, fstatSync(fd).size, name, limit);
      } finally {
        closeSync(fd);
      }
    },
    stream: (name) => createReadStream(need(name)),
    close: () => {},
  };
}
