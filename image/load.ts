/**
 * `berth image load` and `berth image import`: images from docker-save archives, OCI archives and
 * layouts, or a root file system tar, into the store. Every digest is checked; nothing is kept of
 * a command that fails (see commit.ts); a layer already in the store is not read at all.
 */
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, readSync, rmSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { goOpenError } from '../lib/go-errors.js';
import { type Archive, openDirArchive, openTarArchive } from './archive.js';
import { commitImages, createStaging, goArch, hasLayer, stageLayer, type NewImage } from './commit.js';
import { type ImageConfig, parseConfigBlob } from './config.js';
import { ManifestError, type ImagePlan, blobName, planDockerArchive, planOciIndex, sha256 } from './manifest.js';
import type { ImageStore, StorePaths } from './store.js';

/** Manifests, indexes and configs are small; anything larger is refused rather than read into memory. */
const SMALL_FILE_LIMIT = 16 << 20;

function startsWithGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The archive to read: a directory in place, a tar file in place, or stdin / a gzip'ed tar spooled to `staging`. */
/** `load -i PATH`'s file, refused in the docker CLI's words when it cannot be opened. */
function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new Error(goOpenError(path, err));
  }
}

async function openInput(input: string | Readable, staging: string): Promise<Archive> {
  if (typeof input === 'string' && statOf(input).isDirectory()) return openDirArchive(input);
  if (typeof input === 'string' && !startsWithGzip(input)) return openTarArchive(input);
  const spooled = join(staging, 'archive.tar');
  const source = typeof input === 'string' ? createReadStream(input) : input;
  const head: Buffer[] = [];
  // Peek at stdin for gzip's magic without losing the bytes.
  const iterator = source[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && Buffer.concat([...head, first.value]).length < 2) {
    head.push(first.value);
    first = await iterator.next();
  }
  if (!first.done) head.push(first.value);
  const all = Buffer.concat(head);
  if (all.length === 0) throw new Error('the archive is empty');
  const rest = async function* () {
    yield all;
    for (let n = await iterator.next(); !n.done; n = await iterator.next()) yield n.value as Buffer;
  };
  const gzip = all[0] === 0x1f && all[1] === 0x8b;
  try {
    if (gzip) await pipeline(Readable.from(rest()), createGunzip(), createWriteStream(spooled));
    else await pipeline(Readable.from(rest()), createWriteStream(spooled));
  } catch (err) {
    throw new Error(`cannot read the archive: ${(err as Error).message}`);
  }
  return openTarArchive(spooled);
}

function planArchive(archive: Archive): ImagePlan[] {
  if (archive.has('manifest.json')) return planDockerArchive(archive.read('manifest.json', SMALL_FILE_LIMIT));
  if (archive.has('index.json')) {
    if (!archive.has('oci-layout')) throw new ManifestError('index.json without an oci-layout file');
    return planOciIndex(
      archive.read('index.json', SMALL_FILE_LIMIT),
      (digest) => archive.read(blobName(digest), SMALL_FILE_LIMIT),
      goArch(),
    );
  }
  throw new ManifestError('the archive holds neither manifest.json (docker save) nor index.json (an OCI layout)');
}

/** Checks one planned image and stages its missing layers. */
async function stageImage(paths: StorePaths, archive: Archive, staging: string, plan: ImagePlan): Promise<NewImage> {
  const config = archive.read(plan.configName, SMALL_FILE_LIMIT);
  const id = sha256(config);
  if (plan.configDigest && plan.configDigest !== id)
    throw new ManifestError(`config ${plan.configName} digest mismatch: expected ${plan.configDigest}, got ${id}`);
  const blob = parseConfigBlob(config);
  if (blob.diffIds.length !== plan.layers.length)
    throw new ManifestError(`image ${id} lists ${plan.layers.length} layers but its config names ${blob.diffIds.length}`);
  let size = 0;
  for (const [i, layer] of plan.layers.entries()) {
    const diffId = blob.diffIds[i];
    if (hasLayer(paths, staging, diffId)) continue;
    if (!archive.has(layer.name)) throw new ManifestError(`layer ${layer.name} is not in the archive`);
    await stageLayer(
      staging,
      archive.stream(layer.name),
      { diffId, digest: layer.digest, size: layer.size },
      `layer ${i + 1} of image ${id} (${diffId})`,
    );
  }
  for (const diffId of blob.diffIds) size += layerSize(paths, staging, diffId);
  return {
    id,
    config,
    repoTags: plan.repoTags,
    meta: { id, diffIds: blob.diffIds, size, created: blob.created, architecture: blob.architecture, os: blob.os },
  };
}

function layerSize(paths: StorePaths, staging: string, diffId: string): number {
  const hex = diffId.slice(7);
  for (const dir of [join(staging, hex), join(paths.layers, hex)]) {
    try {
      return JSON.parse(readFileSync(join(dir, 'layer.json'), 'utf8')).size as number;
    } catch {
      /* not here */
    }
  }
  return 0;
}

/**
 * Loads every image of an archive (a path, a layout directory, or a stream such as stdin) and
 * returns docker's lines: `Loaded image: NAME:TAG` per tag, `Loaded image ID: sha256:...` per untagged image.
 */
export async function loadImages(store: ImageStore, input: string | Readable): Promise<string[]> {
  return store.locked(async () => {
    const staging = createStaging(store.paths);
    let archive: Archive | undefined;
    try {
      archive = await openInput(input, staging);
      const plans = planArchive(archive);
      const images: NewImage[] = [];
      for (const plan of plans) images.push(await stageImage(store.paths, archive, staging, plan));
      const notes = await commitImages(store, staging, images);
      return [
        ...notes,
        ...images.flatMap((i) => (i.repoTags.length ? i.repoTags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${i.id}`])),
      ];
    } finally {
      archive?.close();
      rmSync(staging, { recursive: true, force: true });
    }
  });
}

/**
 * `docker import`: one root file system tar (plain or gzip'ed; a path or a stream) as a one-layer
 * image with `config` (from --change) and optional tag; returns the new image ID.
 */
export async function importImage(
  store: ImageStore,
  input: string | Readable,
  opts: { tag?: string; config?: ImageConfig; message?: string },
): Promise<string> {
  return store.locked(async () => {
    const staging = createStaging(store.paths);
    try {
      const raw = typeof input === 'string' ? createReadStream(input) : input;
      const layer = await stageLayer(staging, raw as Readable, {}, 'the root file system tar');
      const created = new Date().toISOString();
      const blob = {
        architecture: goArch(),
        config: opts.config ?? {},
        created,
        history: [{ created, comment: opts.message || `Imported from ${typeof input === 'string' ? input : '-'}` }],
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      };
      const config = Buffer.from(JSON.stringify(blob));
      const id = sha256(config);
      const meta = {
        id,
        diffIds: [layer.diffId],
        size: layerSize(store.paths, staging, layer.diffId),
        created,
        architecture: blob.architecture,
        os: 'linux',
      };
      await commitImages(store, staging, [{ id, config, meta, repoTags: opts.tag ? [opts.tag] : [] }]);
      return id;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
}
