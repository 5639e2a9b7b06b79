/**
 * Attachments as netctl shows them: the runtime's result cache (who is attached, with which
 * interface, addresses and port mappings) and host-local's lease files.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCachedAttachments, type CacheEntry } from '../cni/cache.js';
import { describeCacheEntry, type AttachmentView, type Lease } from './describe.js';

export type { AttachmentView, Lease };

/** Cached attachments of one network (or every network), with whether each netns still exists. */
export async function readAttachments(cacheDir: string, network?: string): Promise<Array<{ entry: CacheEntry; view: AttachmentView }>> {
  const entries = await listCachedAttachments(cacheDir, network === undefined ? {} : { networkName: network });
  return entries.map((entry) => ({ entry, view: describeCacheEntry(entry, entry.netns ? existsSync(entry.netns) : false) }));
}

const LEASE_NAME = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** host-local's leases of `network` under `leaseDir` (reference format: file per address, "id\r\nifname"). */
export async function readLeases(leaseDir: string, network: string): Promise<Lease[]> {
  const dir = join(leaseDir, network);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: Lease[] = [];
  for (const name of names.filter((n) => LEASE_NAME.test(n))) {
    try {
      const [id, ifName] = (await readFile(join(dir, name), 'utf8')).trim().split('\r\n');
      out.push({ ip: name, containerId: id.trim(), ...(ifName !== undefined && { ifName: ifName.trim() }) });
    } catch { /* released meanwhile */ }
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}
