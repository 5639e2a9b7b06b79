/**
 * Copy-up outside the container (berth-shim copyup): at `berth create` into new anonymous volumes,
 * and at start for a container in a private user namespace, whose own process cannot give the
 * copies the range's host IDs (the files would show as nobody inside).
 */
import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { callDaemon } from '../../volume/client.js';
import { containerDir, type Dirs } from '../paths.js';
import type { ContainerRecord } from '../record.js';
import { shimPath } from '../shim-path.js';
import type { MountPoint } from './points.js';

/** `copyup` arguments from `lowers` (lowest first) into `volume`, with the container's ID shift when it has a range. */
function copyUp(d: Dirs, rec: ContainerRecord, v: MountPoint, volume: string, lowers: readonly string[]): void {
  const idmap = rec.IdMap ? ['--idmap', `${rec.IdMap.uid.hostId}:${rec.IdMap.uid.size}:${rec.IdMap.gid.hostId}:${rec.IdMap.gid.size}`] : [];
  // Loaded here, not with the module: node:child_process costs every `berth run` milliseconds.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(shimPath(), ['copyup', ...idmap, join(containerDir(d, rec.Id), 'merged'), v.Destination, volume, ...lowers], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(
      `cannot copy the image's ${v.Destination} into volume ${v.Name}: ${(r.stderr || r.error?.message || '').trim().replace(/^\d+:/, '')}`,
    );
  // A volume the image fills nothing into still belongs to the container's root, as with userns-remap.
  if (rec.IdMap && readdirSync(volume).length === 0 && statSync(volume).uid === 0)
    chownSync(volume, rec.IdMap.uid.hostId, rec.IdMap.gid.hostId);
}

/**
 * Fills each new anonymous volume in `created` that wants the image's content, mounted for the
 * time of the copy with the container's ID (dockerd copies these at create too, so that a data
 * container never started serves its image's files to --volumes-from).
 * @throws {Error} `cannot copy the image's DST into volume NAME: ...`
 */
export async function copyUpAnonymous(d: Dirs, rec: ContainerRecord, created: readonly MountPoint[]): Promise<void> {
  for (const v of created) {
    if (!v.Anonymous || !v.CopyData || v.Socket === undefined) continue;
    const { Mountpoint } = await callDaemon(v.Socket, '/VolumeDriver.Mount', { Name: v.Name, ID: rec.Id });
    try {
      copyUp(d, rec, v, Mountpoint as string, rec.LayerDirs);
    } finally {
      await callDaemon(v.Socket, '/VolumeDriver.Unmount', { Name: v.Name, ID: rec.Id });
    }
  }
}

/**
 * At start in a private user namespace: the copy-up of each empty volume, from the image and the
 * container layer (`sources`: Destination -> Mountpoint, as mounted for this start). The
 * container's process then finds them filled and leaves them alone.
 * @throws {Error} `cannot copy the image's DST into volume NAME: ...`
 */
export function copyUpForUserns(d: Dirs, rec: ContainerRecord, sources: ReadonlyMap<string, string>): void {
  if (!rec.IdMap) return;
  for (const v of rec.Mounts ?? []) {
    const volume = sources.get(v.Destination);
    if (v.Type === 'volume' && v.CopyData && volume !== undefined)
      copyUp(d, rec, v, volume, [...rec.LayerDirs, join(containerDir(d, rec.Id), 'diff')]);
  }
}
