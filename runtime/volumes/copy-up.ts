/** Copy-up at `berth create`: the image's content at an anonymous volume's Destination goes into it (berth-shim copyup). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { callDaemon } from '../../volume/client.js';
import { containerDir, type Dirs } from '../paths.js';
import type { ContainerRecord } from '../record.js';
import { shimPath } from '../shim-path.js';
import type { MountPoint } from './points.js';

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
      const r = spawnSync(shimPath(), ['copyup', join(containerDir(d, rec.Id), 'merged'), v.Destination, Mountpoint, ...rec.LayerDirs], {
        encoding: 'utf8',
      });
      if (r.status !== 0)
        throw new Error(
          `cannot copy the image's ${v.Destination} into volume ${v.Name}: ${(r.stderr || r.error?.message || '').trim().replace(/^\d+:/, '')}`,
        );
    } finally {
      await callDaemon(v.Socket, '/VolumeDriver.Unmount', { Name: v.Name, ID: rec.Id });
    }
  }
}
