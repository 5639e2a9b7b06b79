/** `berth image prune`: docker's, the dangling images (every unused one with -a) that no container names. */
import { humanSize } from '../lib/go-units.js';
import { containerImages, removeImage } from './remove.js';
import { layerSizeOf, type ImageStore } from './store.js';

/** What docker asks before a prune without --force. */
export const pruneWarning = (all: boolean) =>
  `WARNING! This will remove all ${all ? 'images without at least one container associated to them' : 'dangling images'}.\nAre you sure you want to continue? [y/N] `;

/**
 * Removes the images and returns docker's lines: `Deleted Images:`, `untagged: NAME`,
 * `deleted: sha256:...` (the image, then each layer gone), and the total of the layers removed.
 */
export async function pruneImages(store: ImageStore, all: boolean): Promise<string[]> {
  const sizes = new Map<string, number>();
  const lines: string[] = [];
  const used = new Set(containerImages(store.paths.root).map((c) => c.image)); // read once, not per image
  for (const img of await store.list()) {
    if ((!all && img.repoTags.length > 0) || used.has(img.id)) continue;
    for (const diffId of img.diffIds) sizes.set(diffId, layerSizeOf(store.paths, diffId));
    for (const line of await removeImage(store, img.id, true))
      lines.push(line.replace(/^Untagged: /, 'untagged: ').replace(/^Deleted: /, 'deleted: '));
  }
  const reclaimed = lines.reduce((n, line) => n + (sizes.get(line.slice('deleted: '.length)) ?? 0), 0);
  return [...(lines.length ? ['Deleted Images:', ...lines, ''] : []), `Total reclaimed space: ${humanSize(reclaimed)}`];
}
