/**
 * `berth image save`: images as a `docker save` archive (manifest.json, each config as
 * `<id>.json`, each layer as `<diff id>/layer.tar`, repositories), which `docker load` and
 * `berth image load` read. Each layer's tar is rebuilt byte for byte from its unpacked tree and its
 * tar-split (tar-split.ts), and checked against its diff ID as it is written, so the images keep
 * their IDs.
 */
import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { writeOut } from '../lib/write-out.js';
import { entryPath } from './layer-path.js';
import { formatTag, isFullId, tryParseReference } from './reference.js';
import { type ImageRecord, type ImageStore, hexOf, layerDir } from './store.js';
import { BLOCK, padded } from './tar.js';
import { TAR_SPLIT_FILE, decodeTarSplit, splitSize, type SplitPart } from './tar-split.js';

/** A ustar header for a regular file or a directory of the archive itself (names under 100 bytes). */
function header(name: string, size: number, dir = false): Buffer {
  const block = Buffer.alloc(BLOCK);
  const put = (text: string, at: number, length: number) => block.write(text.slice(0, length), at, 'utf8');
  const octal = (value: number, at: number, length: number) => put(`${value.toString(8).padStart(length - 1, '0')}\0`, at, length);
  put(name, 0, 100);
  octal(dir ? 0o755 : 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  put(dir ? '5' : '0', 156, 1);
  put('ustar\x0000', 257, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** Writes `data` as one archive member, padded to whole blocks. */
function member(out: (chunk: Buffer) => void, name: string, data: Buffer): void {
  out(header(name, data.length));
  out(data);
  out(Buffer.alloc(padded(data.length) - data.length));
}

/** The data of the file a split part names, read from the layer's tree in pieces. */
function* fileData(diff: string, name: string, size: number, diffId: string): Generator<Buffer> {
  const fd = openSync(join(diff, ...entryPath(name)), 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, 1 << 20));
    for (let done = 0; done < size;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - done), null);
      if (n === 0) throw new Error(`layer ${diffId}: ${name} is shorter on disk than in the layer`);
      done += n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** A layer's rebuilt tar, as `<hex>/layer.tar`. @throws {Error} when it cannot be rebuilt or does not hash to its diff ID */
function writeLayer(out: (chunk: Buffer) => void, store: ImageStore, diffId: string): void {
  const dir = layerDir(store.paths, diffId);
  let parts: SplitPart[];
  try {
    parts = decodeTarSplit(readFileSync(join(dir, TAR_SPLIT_FILE)));
  } catch {
    throw new Error(
      `layer ${diffId} was stored without what rebuilds its tar (before berth kept it): remove its images and load them again to save them`,
    );
  }
  const size = splitSize(parts);
  const hash = createHash('sha256');
  const emit = (chunk: Buffer) => {
    hash.update(chunk);
    out(chunk);
  };
  out(header(`${hexOf(diffId)}/`, 0, true));
  out(header(`${hexOf(diffId)}/layer.tar`, size));
  for (const part of parts)
    if ('raw' in part) emit(part.raw);
    else for (const chunk of fileData(join(dir, 'diff'), part.name, part.size, diffId)) emit(chunk);
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== diffId) throw new Error(`layer ${diffId} does not rebuild to its diff ID (${got}): its tree changed on disk`);
  out(Buffer.alloc(padded(size) - size));
}

/** The tag `ref` names, when it names the image by a tag (not by ID), as `docker save` records it. */
function tagOf(ref: string, img: ImageRecord): string | undefined {
  if (isFullId(ref) || /^[0-9a-f]{1,64}$/.test(ref)) return undefined;
  const parsed = tryParseReference(ref);
  const tag = parsed && !parsed.digest ? formatTag(parsed) : undefined;
  return tag !== undefined && img.repoTags.includes(tag) ? tag : undefined;
}

/**
 * Writes the archive of the images `refs` name to `out`, in order; an image named twice is written
 * once with both tags, a layer two images share once.
 * @throws {NoSuchImageError} for a ref that names none (before anything is written)
 */
export async function saveImages(store: ImageStore, refs: readonly string[], out: (chunk: Buffer) => void): Promise<void> {
  const images = new Map<string, { img: ImageRecord; tags: string[] }>();
  for (const ref of refs) {
    const img = await store.resolve(ref);
    const entry = images.get(img.id) ?? { img, tags: [] };
    const tag = tagOf(ref, img);
    if (tag !== undefined && !entry.tags.includes(tag)) entry.tags.push(tag);
    images.set(img.id, entry);
  }
  const written = new Set<string>();
  const manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { img, tags } of images.values()) {
    for (const diffId of img.diffIds) {
      if (written.has(diffId)) continue;
      written.add(diffId);
      writeLayer(out, store, diffId);
    }
    const config = `${hexOf(img.id)}.json`;
    member(out, config, readFileSync(join(store.paths.images, hexOf(img.id), 'config.json')));
    manifest.push({ Config: config, RepoTags: tags.length ? tags : null, Layers: img.diffIds.map((d) => `${hexOf(d)}/layer.tar`) });
    const top = img.diffIds.at(-1);
    for (const tag of tags) {
      const colon = tag.lastIndexOf(':');
      if (top) (repositories[tag.slice(0, colon)] ??= {})[tag.slice(colon + 1)] = hexOf(top);
    }
  }
  member(out, 'manifest.json', Buffer.from(JSON.stringify(manifest)));
  if (Object.keys(repositories).length > 0) member(out, 'repositories', Buffer.from(JSON.stringify(repositories)));
  out(Buffer.alloc(2 * BLOCK));
}

/**
 * `save`: the archive to `output` (written aside in its dir, then renamed in; removed on a failure),
 * else to stdout, which must not be a terminal (docker's refusal).
 */
export async function saveArchive(store: ImageStore, refs: readonly string[], output: string | undefined): Promise<void> {
  if (refs.length === 0) throw new Error(`"berth save" requires at least 1 argument.\nSee 'berth save --help'.`);
  if (output === undefined) {
    if (isatty(1)) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    return saveImages(store, refs, (chunk) => writeOut(1, chunk));
  }
  const aside = join(dirname(resolve(output)), `.${basename(output)}.berth-save-${process.pid}`);
  const fd = openSync(aside, 'w', 0o644);
  try {
    await saveImages(store, refs, (chunk) => writeOut(fd, chunk));
    renameSync(aside, output);
  } catch (err) {
    rmSync(aside, { force: true });
    throw err;
  } finally {
    closeSync(fd);
  }
}
