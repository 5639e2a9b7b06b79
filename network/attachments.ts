/**
 * Attachments as netctl shows them: the runtime's result cache (who is attached, with which
 * interface, addresses and port mappings) and host-local's lease files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listCachedAttachments, type CacheEntry } from '../cni/cache.js';
import { describeCacheEntry, type AttachmentView, type Lease } from './describe.js';

export type { AttachmentView, Lease };

/** Cached attachments of one network (or every network), with whether each netns still exists. */
export async function readAttachments(cacheDir: string, network?: string): Promise<Array<{ entry: CacheEntry; view: AttachmentView }>> {
  const entries = await listCachedAttachments(cacheDir, network === undefined ? {} : { networkName: network });
  return entries.map((entry) => ({ entry, view: describeCacheEntry(entry, entry.netns ? existsSync(entry.netns) : false) }));
}

/** host-local's leases of `network` under `leaseDir`, read by host-local's own store (reference format), sorted by address. */
export async function readLeases(leaseDir: string, network: string): Promise<Lease[]> {
  const dir = join(leaseDir, network);
  if (!existsSync(dir)) return [];
  const { DiskStore } = await import('../ipam/disk-store.js');
  let leases;
  try {
    leases = new DiskStore(dir).leases();
  } catch {
    return [];
  }
  return leases
    .map((l) => ({ ip: l.ip, containerId: l.containerId, ...(l.ifname !== undefined && { ifName: l.ifname }) }))
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}
