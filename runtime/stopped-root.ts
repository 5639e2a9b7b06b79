/**
 * A stopped (created or exited) container's root, reached without starting it: its overlay (the
 * image layers under its container layer) with its volumes and bind mounts on it, mounted for the
 * length of one call, as `docker cp` reads and writes a stopped container and its volumes.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../kernel/exec.js';
import { resolveAllInRoot } from './in-root.js';
import { containerDir, type Dirs } from './paths.js';
import type { ContainerRecord } from './record.js';
import { mountVolumes, unmountVolumes } from './volumes/lifecycle.js';

/** overlayfs's options for a container: the top layer first in lowerdir, as the shim mounts it. */
export function overlayOptions(layerDirs: readonly string[], bundle: string): string {
  return `lowerdir=${[...layerDirs].reverse().join(':')},upperdir=${join(bundle, 'diff')},workdir=${join(bundle, 'work')}`;
}

/**
 * Binds `source` at `dst` inside `root`, where the container would see it: every link on the way
 * resolved inside the root, the mount point made as the shim makes it (a dir, or a file for a file).
 */
async function bindInRoot(root: string, source: string, dst: string, rw: boolean): Promise<void> {
  const target = resolveAllInRoot(root, dst);
  if (statSync(source).isDirectory()) mkdirSync(target, { recursive: true });
  else {
    mkdirSync(dirname(target), { recursive: true });
    closeSync(openSync(target, 'a'));
  }
  await run('mount', ['--no-canonicalize', '--rbind', source, target]);
  if (!rw) await run('mount', ['--no-canonicalize', '-o', 'remount,bind,ro', target]);
}

/**
 * Runs `fn` with the container's root mounted at a private directory under the state dir, its
 * volumes (Mounted with the container's ID, as a start does) and binds on it, then undoes it all.
 * The caller holds the container's lock, so the container does not start meanwhile (an overlay's
 * upper and work dirs must not be mounted twice).
 */
export async function withStoppedRoot<T>(d: Dirs, rec: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
  mkdirSync(d.stateDir, { recursive: true });
  const target = mkdtempSync(join(d.stateDir, `root-${rec.Id.slice(0, 12)}-`));
  let mounted = false;
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', overlayOptions(rec.LayerDirs, containerDir(d, rec.Id)), target]);
    mounted = true;
    const sources = await mountVolumes(d, rec);
    try {
      for (const m of rec.Mounts ?? []) {
        const source = m.Type === 'bind' ? m.Source : m.Type === 'volume' ? sources.get(m.Destination) : undefined;
        if (source !== undefined) await bindInRoot(target, source, m.Destination, m.RW);
      }
      return await fn(target);
    } finally {
      // The binds of the volumes go before the plugin hears of the Unmount.
      await run('umount', ['-R', target]);
      mounted = false;
      await unmountVolumes(d, rec.Id);
    }
  } finally {
    if (mounted) await run('umount', ['-R', target]);
    rmdirSync(target);
  }
}
