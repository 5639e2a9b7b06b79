/**
 * The two halves of adding images to the store, for `image load` and `image import`: a layer is
 * unpacked and checked in a staging dir under <root>/tmp; once every layer and config of the
 * command is checked, all of them are renamed into place together. A failure before that leaves
 * nothing; a failure during it takes back what this command had renamed in.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { openBlobStream } from './blob-stream.js';
import { type ImageMeta, type ImageStore, type StorePaths, hexOf, layerDir } from './store.js';
import { TAR_SPLIT_FILE, TarSplitRecorder } from './tar-split.js';
import { unpackLayer } from './unpack.js';
import { debugSetting } from '../lib/debug.js';

export interface StagedLayer {
  diffId: string;
  size: number;
}

export interface NewImage {
  id: string;
  config: Buffer;
  meta: ImageMeta;
  repoTags: string[];
}

const debug = (text: string) => {
  if (debugSetting(process.env)) process.stderr.write(`berth: ${text}\n`);
};

/** A staging dir for one command; the caller removes it in `finally`. */
export function createStaging(paths: StorePaths): string {
  mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
  mkdirSync(paths.layers, { recursive: true, mode: 0o700 });
  // Under the store's lock no other command is staging: whatever is here was left by a crash.
  for (const name of readdirSync(paths.tmp)) rmSync(join(paths.tmp, name), { recursive: true, force: true });
  return mkdtempSync(join(paths.tmp, 'stage-'));
}

/**
 * Unpacks the blob `raw` into the staging dir and checks it: its diff ID against `expect.diffId`
 * (when the config names one), its raw digest and size against the manifest's (when given).
 */
export async function stageLayer(
  staging: string,
  raw: Readable,
  expect: { diffId?: string; digest?: string; size?: number },
  what: string,
): Promise<StagedLayer> {
  const dir = mkdtempSync(join(staging, 'layer-'));
  mkdirSync(join(dir, 'diff'));
  const blob = openBlobStream(raw);
  const split = new TarSplitRecorder();
  let unpacked;
  try {
    unpacked = await unpackLayer(blob.chunks, join(dir, 'diff'), split);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  } finally {
    raw.destroy();
  }
  if (expect.digest && blob.rawDigest() !== expect.digest)
    throw new Error(`${what}: digest mismatch: the manifest says ${expect.digest}, the data hashes to ${blob.rawDigest()}`);
  if (expect.size !== undefined && blob.rawBytes() !== expect.size)
    throw new Error(`${what}: size mismatch: the manifest says ${expect.size} bytes, the blob has ${blob.rawBytes()}`);
  if (expect.diffId && unpacked.diffId !== expect.diffId)
    throw new Error(`${what}: diff ID mismatch: the config says ${expect.diffId}, the data hashes to ${unpacked.diffId}`);
  const layer = { diffId: unpacked.diffId, size: unpacked.size };
  writeFileSync(join(dir, 'layer.json'), `${JSON.stringify(layer)}\n`);
  writeFileSync(join(dir, TAR_SPLIT_FILE), split.encode());
  renameSync(dir, join(staging, hexOf(unpacked.diffId)));
  debug(`unpacked layer ${unpacked.diffId} (${unpacked.entries} entries${blob.compressed() ? ', gzip' : ''})`);
  return layer;
}

/** Whether the layer is in the store or staged by this command. */
export const hasLayer = (paths: StorePaths, staging: string, diffId: string) =>
  existsSync(layerDir(paths, diffId)) || existsSync(join(staging, hexOf(diffId)));

/**
 * Moves the staged layers and the new images into the store and points their tags at them;
 * returns what docker prints for each tag moved away from another image. Holds the store's lock.
 */
export async function commitImages(store: ImageStore, staging: string, images: readonly NewImage[]): Promise<string[]> {
  const { paths } = store;
  const moved: string[] = [];
  const notes: string[] = [];
  try {
    for (const image of images)
      for (const diffId of image.meta.diffIds) {
        const from = join(staging, hexOf(diffId));
        if (existsSync(layerDir(paths, diffId)) || !existsSync(from)) continue;
        renameSync(from, layerDir(paths, diffId));
        moved.push(layerDir(paths, diffId));
      }
    for (const image of images) {
      const target = join(paths.images, hexOf(image.id));
      if (existsSync(target)) continue;
      const dir = join(staging, `image-${hexOf(image.id)}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), image.config);
      writeFileSync(join(dir, 'image.json'), `${JSON.stringify(image.meta)}\n`);
      renameSync(dir, target);
      moved.push(target);
    }
    const tags = store.tags();
    for (const image of images)
      for (const tag of image.repoTags) {
        const old = tags[tag];
        if (old && old !== image.id) notes.push(`The image ${tag} already exists, renaming the old one with ID ${old} to empty string`);
        tags[tag] = image.id;
      }
    if (images.some((i) => i.repoTags.length > 0)) await store.writeTags(tags);
  } catch (err) {
    for (const path of moved.reverse()) rmSync(path, { recursive: true, force: true });
    throw err;
  }
  return notes;
}

/** Go's GOARCH for this machine, as image configs name architectures. */
export function goArch(): string {
  return (
    ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ??
    process.arch
  );
}
