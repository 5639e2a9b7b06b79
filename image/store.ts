/**
 * The image store under `--root`: layers unpacked once each under their diff ID, images by their
 * config digest, tags in one file. Layout (docs/berth-images.md):
 *   <root>/layers/<hex>/diff        the layer's tree (read-only: never written after it is committed)
 *   <root>/layers/<hex>/layer.json  { diffId, size }
 *   <root>/layers/<hex>/tar-split.gz what rebuilds the layer's tar for `save` (tar-split.ts)
 *   <root>/images/<hex>/config.json the config blob, byte for byte (its sha256 is the image ID)
 *   <root>/images/<hex>/image.json  { id, diffIds, size, created?, architecture?, os?, lastTagTime? }
 *   <root>/images/repositories.json { "repository:tag": "sha256:<hex>" }
 *   <root>/images/lock              held (flock) by every change; readers need no lock
 *   <root>/tmp/images/              staging: layers are unpacked here, then renamed into layers/
 * A record or the tag file is replaced atomically (write aside, fsync, rename).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from '../kernel/flock.js';
import { writeFileDurable } from '../lib/durable.js';
import type { ImageConfig } from './config.js';
import { formatTag, isFullId, tryParseReference } from './reference.js';

export type { ImageConfig } from './config.js';

export interface ImageRecord {
  /** "sha256:<64 hex>", the config digest, as Docker. */
  id: string;
  repoTags: string[];
  /** Absolute read-only dirs, LOWEST first (overlayfs's lowerdir lists them highest first). */
  layerDirs: string[];
  config: ImageConfig;
  created?: string;
  architecture?: string;
  os?: string;
  size: number;
  /** The layers' diff IDs, lowest first. */
  diffIds: string[];
  lastTagTime?: string;
}

/** What image.json holds. */
export interface ImageMeta {
  id: string;
  diffIds: string[];
  size: number;
  created?: string;
  architecture?: string;
  os?: string;
  lastTagTime?: string;
}

export class NoSuchImageError extends Error {
  readonly code = 'ENOIMAGE';
  constructor(ref: string) {
    super(`No such image: ${ref}`);
    this.name = 'NoSuchImageError';
  }
}

export const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

export interface StorePaths {
  root: string;
  layers: string;
  images: string;
  tmp: string;
  repositories: string;
  lock: string;
}

export function storePaths(root: string): StorePaths {
  const images = join(root, 'images');
  return {
    root,
    layers: join(root, 'layers'),
    images,
    tmp: join(root, 'tmp', 'images'),
    repositories: join(images, 'repositories.json'),
    lock: join(images, 'lock'),
  };
}

export const layerDir = (p: StorePaths, diffId: string) => join(p.layers, hexOf(diffId));

/** A layer's unpacked size, from its layer.json; 0 for a layer that is gone. */
export function layerSizeOf(p: StorePaths, diffId: string): number {
  try {
    return (readJson(join(layerDir(p, diffId), 'layer.json')) as { size: number }).size;
  } catch {
    return 0;
  }
}

export interface ImageStore {
  readonly paths: StorePaths;
  /**
   * An image by `name[:tag]` (default `:latest`), full ID (`sha256:`-prefixed or not) or unique ID prefix.
   * @throws {NoSuchImageError} (.code 'ENOIMAGE', "No such image: REF") when unknown
   */
  resolve(ref: string): Promise<ImageRecord>;
  /** Every image, newest first. */
  list(): Promise<ImageRecord[]>;
  /** The tag map, `repository:tag` -> image ID. */
  tags(): Record<string, string>;
  /** The image's config blob, parsed. */
  rawConfig(id: string): Record<string, any>;
  /** Runs `fn` holding the store's lock (every change does; readers need not). */
  locked<T>(fn: () => Promise<T>): Promise<T>;
  /** Writes the tag map (under the lock). */
  writeTags(tags: Record<string, string>): Promise<void>;
}

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Opens the store under `root` (the `--root` dir); nothing is created until the first change. */
export function openImageStore(root: string): ImageStore {
  const paths = storePaths(root);
  const tags = (): Record<string, string> => (existsSync(paths.repositories) ? readJson(paths.repositories) : {});
  const ids = (): string[] =>
    existsSync(paths.images)
      ? readdirSync(paths.images)
          .filter((n) => /^[0-9a-f]{64}$/.test(n))
          .map((n) => `sha256:${n}`)
      : [];
  const record = (id: string, tagMap: Record<string, string>): ImageRecord | undefined => {
    const dir = join(paths.images, hexOf(id));
    if (!existsSync(join(dir, 'image.json'))) return undefined;
    const meta = readJson(join(dir, 'image.json')) as ImageMeta;
    const blob = readJson(join(dir, 'config.json'));
    return {
      id,
      repoTags: Object.keys(tagMap)
        .filter((t) => tagMap[t] === id)
        .sort(),
      layerDirs: meta.diffIds.map((d) => join(layerDir(paths, d), 'diff')),
      config: (blob.config ?? {}) as ImageConfig,
      created: meta.created,
      architecture: meta.architecture,
      os: meta.os,
      size: meta.size,
      diffIds: meta.diffIds,
      lastTagTime: meta.lastTagTime,
    };
  };
  const find = (ref: string): ImageRecord | undefined => {
    const tagMap = tags();
    if (isFullId(ref)) return record(`sha256:${hexOf(ref)}`, tagMap);
    const named = tryParseReference(ref);
    if (named && named.tag && !named.digest) {
      const id = tagMap[formatTag(named)];
      if (id) return record(id, tagMap);
    }
    if (/^(sha256:)?[0-9a-f]+$/.test(ref)) {
      const prefix = `sha256:${hexOf(ref)}`;
      const matches = ids().filter((id) => id.startsWith(prefix));
      if (matches.length > 1)
        throw Object.assign(new Error(`image ID prefix ${JSON.stringify(ref)} is ambiguous: it matches ${matches.length} images`), {
          code: 'EAMBIGUOUS',
        });
      if (matches.length === 1) return record(matches[0], tagMap);
    }
    return undefined;
  };
  return {
    paths,
    async resolve(ref) {
      const found = find(ref);
      if (!found) throw new NoSuchImageError(ref);
      return found;
    },
    async list() {
      const tagMap = tags();
      const all = ids()
        .map((id) => record(id, tagMap))
        .filter((r): r is ImageRecord => r !== undefined);
      const time = (r: ImageRecord) => Date.parse(r.created ?? '') || 0;
      return all.sort((a, b) => time(b) - time(a) || a.id.localeCompare(b.id));
    },
    tags,
    rawConfig: (id) => readJson(join(paths.images, hexOf(id), 'config.json')),
    async locked(fn) {
      mkdirSync(paths.images, { recursive: true, mode: 0o700 });
      return withFileLock(paths.lock, fn);
    },
    writeTags: (tagMap) => writeFileDurable(paths.repositories, `${JSON.stringify(tagMap, null, 2)}\n`, 'inline'),
  };
}
