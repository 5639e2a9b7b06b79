/**
 * A stopped (created or exited) container's root, reached without starting it: its overlay (the
 * image layers under its container layer) mounted for the length of one call, as `docker cp` reads
 * and writes a stopped container through its layer.
 */
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../kernel/exec.js';
import { containerDir, type Dirs } from './paths.js';
import type { ContainerRecord } from './record.js';

/** overlayfs's options for a container: the top layer first in lowerdir, as the shim mounts it. */
export function overlayOptions(layerDirs: readonly string[], bundle: string): string {
  return `lowerdir=${[...layerDirs].reverse().join(':')},upperdir=${join(bundle, 'diff')},workdir=${join(bundle, 'work')}`;
}

/**
 * Runs `fn` with the container's root mounted at a private directory under the state dir, then
 * unmounts it. The caller holds the container's lock, so the container does not start meanwhile
 * (an overlay's upper and work dirs must not be mounted twice).
 */
export async function withStoppedRoot<T>(d: Dirs, rec: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
  mkdirSync(d.stateDir, { recursive: true });
  const target = mkdtempSync(join(d.stateDir, `root-${rec.Id.slice(0, 12)}-`));
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions(rec.LayerDirs, containerDir(d, rec.Id)), target]);
    try {
      return await fn(target);
    } finally {
      await run('umount', [target]);
    }
  } finally {
    rmdirSync(target);
  }
}
