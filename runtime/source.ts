/** The root a container is made of: an image from the image store, or a plain --rootfs dir. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { openImageStore } from '../image/store.js';
import type { RootSource } from './create.js';

/** @throws {Error} when DIR is not a directory */
export function rootfsSource(dir: string): RootSource {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new Error(`--rootfs ${JSON.stringify(dir)}: not a directory`);
  return { imageId: '', layerDirs: [abs], config: {}, rootfs: abs };
}

/**
 * The image `ref` names, from the image store under `root`.
 * @throws {Error} `No such image: REF` when it is unknown
 */
export async function imageSource(root: string, ref: string): Promise<RootSource> {
  const image = await openImageStore(root).resolve(ref);
  return {
    imageId: image.id,
    layerDirs: image.layerDirs,
    config: image.config,
    exposedPorts: Object.keys(image.config.ExposedPorts ?? {}),
  };
}
