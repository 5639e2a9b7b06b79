/** The volume half of `berth create`: the container's volumes made (and filled) once its record exists. */
import type { Dirs } from '../paths.js';
import type { ContainerRecord } from '../record.js';
import { removeContainer } from '../stop.js';
import { listRecords, writeRecord } from '../store.js';
import { copyUpAnonymous } from './copy-up.js';
import { ensureVolumes, removeAnonymousVolumes } from './lifecycle.js';
import type { MountPoint } from './points.js';

/**
 * Makes `rec`'s volumes, copies the image's content into its new anonymous ones and records their
 * Sources. On a failure the container and the volumes made for it are removed, and the error thrown.
 */
export async function createVolumes(d: Dirs, rec: ContainerRecord): Promise<ContainerRecord> {
  if (!(rec.Mounts ?? []).some((m) => m.Type === 'volume')) return rec;
  let created: MountPoint[] = [];
  try {
    const ensured = await ensureVolumes(rec.Mounts ?? []);
    created = ensured.created;
    const withSources = { ...rec, Mounts: ensured.points };
    await copyUpAnonymous(d, withSources, created);
    writeRecord(d, withSources);
    return withSources;
  } catch (err) {
    await removeAnonymousVolumes({ ...rec, Mounts: created.filter((m) => m.Anonymous) }, () => listRecords(d));
    removeContainer(d, rec);
    throw err;
  }
}
