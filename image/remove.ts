/**
 * `image tag` and `image rm` as docker does them: rm of one of several tags only untags; the last
 * tag's removal deletes the image and every layer no other image uses; an image a container names
 * (<root>/containers/<id>/config.json "Image") is never deleted.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../lib/durable.js';
import { createStaging } from './commit.js';
import { shortId } from './format.js';
import { formatTag, isFullId, parseTag, splitTag, tryParseReference } from './reference.js';
import { type ImageMeta, type ImageRecord, type ImageStore, hexOf } from './store.js';

/** Each container's ID and the image its config names (<root>/containers/<id>/config.json). */
export function containerImages(root: string): Array<{ id: string; image: unknown }> {
  const dir = join(root, 'containers');
  if (!existsSync(dir)) return [];
  const out: Array<{ id: string; image: unknown }> = [];
  for (const name of readdirSync(dir)) {
    try {
      const config = JSON.parse(readFileSync(join(dir, name, 'config.json'), 'utf8'));
      out.push({ id: typeof config.Id === 'string' ? config.Id : name, image: config.Image });
    } catch {
      /* not a container, or one being created: its config is written before it exists */
    }
  }
  return out;
}

/** IDs of the containers whose config names image `id`. */
export function containersUsing(root: string, id: string): string[] {
  return containerImages(root)
    .filter((c) => c.image === id)
    .map((c) => c.id);
}

/** Points `target` (name[:tag]) at the image `source` resolves to. */
export async function tagImage(store: ImageStore, source: string, target: string): Promise<void> {
  const tag = parseTag(target);
  await store.locked(async () => {
    const img = await store.resolve(source);
    const tags = store.tags();
    tags[tag] = img.id;
    await store.writeTags(tags);
    await writeMeta(store, img, new Date().toISOString());
  });
}

async function writeMeta(store: ImageStore, img: ImageRecord, lastTagTime: string): Promise<void> {
  const meta: ImageMeta = {
    id: img.id,
    diffIds: img.diffIds,
    size: img.size,
    created: img.created,
    architecture: img.architecture,
    os: img.os,
    lastTagTime,
  };
  await writeFileDurable(join(store.paths.images, hexOf(img.id), 'image.json'), `${JSON.stringify(meta)}\n`, 'inline');
}

export class ConflictError extends Error {
  readonly code = 'ECONFLICT';
}

/** Deletes the image's record, then every layer no remaining image lists; returns docker's "Deleted:" lines. */
async function deleteImage(store: ImageStore, img: ImageRecord): Promise<string[]> {
  const { paths } = store;
  // Renamed aside first, so a crash in the middle never leaves half a layer that looks whole.
  const trash = createStaging(paths);
  try {
    renameSync(join(paths.images, hexOf(img.id)), join(trash, `image-${hexOf(img.id)}`));
    const lines = [`Deleted: ${img.id}`];
    const used = new Set((await store.list()).flatMap((i) => i.diffIds.map(hexOf)));
    for (const diffId of [...img.diffIds].reverse()) {
      const hex = hexOf(diffId);
      if (used.has(hex) || !existsSync(join(paths.layers, hex))) continue;
      renameSync(join(paths.layers, hex), join(trash, hex));
      used.add(hex);
      lines.push(`Deleted: ${diffId}`);
    }
    return lines;
  } finally {
    rmSync(trash, { recursive: true, force: true });
  }
}

/**
 * Removes `ref` as `docker rmi` does and returns its lines ("Untagged: ...", "Deleted: ...").
 * @throws {ConflictError} when a container uses the image, or (by ID) it has tags in several
 * repositories, and `force` is not given; with `force` the tags go but a used image stays
 */
export async function removeImage(store: ImageStore, ref: string, force: boolean): Promise<string[]> {
  return store.locked(async () => {
    const img = await store.resolve(ref);
    const tags = store.tags();
    const named = isFullId(ref) ? undefined : tryParseReference(ref);
    const tag = named && !named.digest ? formatTag(named) : undefined;
    const users = containersUsing(store.paths.root, img.id);
    const untag = async (names: readonly string[]) => {
      for (const name of names) delete tags[name];
      if (names.length) await store.writeTags(tags);
      return names.map((name) => `Untagged: ${name}`);
    };
    if (tag && tags[tag] === img.id) {
      if (img.repoTags.length > 1) return untag([tag]);
      if (users.length && !force)
        throw new ConflictError(
          `conflict: unable to remove repository reference ${JSON.stringify(ref)} (must force) - container ${shortId(users[0])} is using its referenced image ${shortId(img.id)}`,
        );
    } else {
      const repositories = new Set(img.repoTags.map((t) => splitTag(t).repository));
      if (repositories.size > 1 && !force)
        throw new ConflictError(
          `conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`,
        );
      if (users.length && !force)
        throw new ConflictError(
          `conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by container ${shortId(users[0])}`,
        );
    }
    const lines = await untag(img.repoTags);
    return users.length ? lines : [...lines, ...(await deleteImage(store, img))];
  });
}
