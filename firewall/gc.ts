/**
 * GC (CNI 1.1) of Berth's firewall: removes the elements and records of a network's attachments that
 * are no longer valid, under the records' lock (engine.ts), sweeping the sets by tag so that elements
 * whose record was lost go too.
 */
import type { Attachment } from '../cni/types.js';
import type { Nft } from '../kernel/nft.js';
import { withLock } from './engine.js';
import { FEATURE_SETS, familyOfSet, MAPS, NETWORK_FEATURES, TABLE, type Feature } from './layout.js';
import { deleteRecord, deleteTempRecords, listRecords, writeRecord, type AttachmentRecord } from './records.js';
import { parseTag } from './render.js';

/** [key as nft JSON, comment] of each element in `list set|map` JSON output. */
export function elementsOfListing(doc: any): Array<[unknown, string]> {
  const out: Array<[unknown, string]> = [];
  for (const item of doc?.nftables ?? []) {
    const body = item.set ?? item.map;
    for (const raw of body?.elem ?? []) {
      const el = Array.isArray(raw) ? raw[0] : raw; // map elements are [key, value]
      if (el && typeof el === 'object' && 'elem' in el) out.push([el.elem.val, String(el.elem.comment ?? '')]);
      else out.push([el, '']);
    }
  }
  return out;
}

/**
 * GC (CNI 1.1): removes the elements of `features` and the records of every attachment of
 * `network` that is not in `valid`. Sweeps the sets too (JSON listing, O(elements), GC only), so
 * elements whose record was lost are found by their tag.
 * @returns the records of the attachments removed (portmap flushes their conntrack entries)
 */
export async function gcNetwork(
  nft: () => Nft,
  opts: { stateDir: string; network: string; valid: readonly Attachment[]; features: readonly Feature[] },
): Promise<AttachmentRecord[]> {
  return withLock(opts.stateDir, async () => {
    const validKeys = new Set(opts.valid.map((a) => `${a.containerID}/${a.ifname}`));
    deleteTempRecords(opts.stateDir, opts.network);
    const stale = listRecords(opts.stateDir, opts.network).filter((r) => !validKeys.has(`${r.containerId}/${r.ifName}`));
    const staleTags = new Set(stale.map((r) => r.tag));
    const isStale = (comment: string) => {
      if (staleTags.has(comment)) return true;
      const t = parseTag(comment);
      return t !== undefined && t.network === opts.network && !validKeys.has(`${t.containerId}/${t.ifName}`);
    };
    const handle = nft();
    const commands: unknown[] = [];
    for (const set of opts.features.filter((f) => !NETWORK_FEATURES.includes(f)).flatMap((f) => FEATURE_SETS[f])) {
      const family = familyOfSet(set);
      const doc = await handle.readJson(`list ${MAPS.has(set) ? 'map' : 'set'} ${family} ${TABLE} ${set}`);
      const keys = elementsOfListing(doc)
        .filter(([, comment]) => isStale(comment))
        .map(([key]) => key);
      if (keys.length > 0) commands.push({ delete: { element: { family, table: TABLE, name: set, elem: keys } } });
    }
    if (commands.length > 0)
      await handle.applyJson({ nftables: commands }, `collect the firewall garbage of network ${JSON.stringify(opts.network)}`);
    for (const rec of stale) {
      const remaining = rec.elements.filter((e) => !opts.features.includes(e.feature));
      if (remaining.length === 0) deleteRecord(opts.stateDir, rec.network, rec.containerId, rec.ifName);
      else writeRecord(opts.stateDir, { ...rec, elements: remaining });
    }
    return stale;
  });
}
