/**
 * What a removed network leaves in Berth's nftables tables: its subnets' chains, and, when no set
 * or map holds an element any more, the tables themselves. The next ADD recreates the layout (the
 * layout guard fails on a missing table), so removing an unused table loses nothing.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from '../kernel/flock.js';
import { NftError, openNft, type Nft } from '../kernel/nft.js';
import { parsePrefix } from '../cni/ip.js';
import { LAYOUT_SET, TABLE } from './layout.js';
import { subnetChain } from './render.js';

/** True when `listing` (`nft -j list table ...`) has a set or map with an element. */
export function hasElements(listing: { nftables?: Array<Record<string, { name?: string; elem?: unknown[] }>> } | undefined): boolean {
  for (const item of listing?.nftables ?? []) {
    const set = item.set ?? item.map;
    if (set && set.name !== LAYOUT_SET && (set.elem?.length ?? 0) > 0) return true;
  }
  return false;
}

async function tolerate(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (err) {
    // Absent, or still in use (a map element of another network jumps to the chain): kept.
    if (!(err instanceof NftError && (err.isNotFound || /busy/i.test(err.message)))) throw err;
  }
}

/**
 * Removes the subnet chains of a removed network's `subnets`, then Berth's two tables when nothing
 * is left in them; under the lock of the records' directory `stateDir`, which every ADD holds while
 * it writes elements.
 */
export async function removeUnusedFirewall(p: { stateDir: string; subnets: readonly string[]; nft?: Nft }): Promise<void> {
  const nft = p.nft ?? openNft();
  mkdirSync(p.stateDir, { recursive: true, mode: 0o700 });
  await withFileLock(join(p.stateDir, '.lock'), async () => {
    const inet = await nft.readJson(`list table inet ${TABLE}`);
    if (inet === undefined) return;
    for (const s of p.subnets)
      for (const prefix of ['mq', 'pm'] as const)
        await tolerate(nft.apply(`delete chain inet ${TABLE} ${subnetChain(prefix, parsePrefix(s))}\n`, `remove a chain of subnet ${s}`));
    const bridge = await nft.readJson(`list table bridge ${TABLE}`);
    if (hasElements(inet) || hasElements(bridge)) return;
    await tolerate(nft.apply(`delete table inet ${TABLE}\n`, 'remove the unused inet table'));
    if (bridge !== undefined) await tolerate(nft.apply(`delete table bridge ${TABLE}\n`, 'remove the unused bridge table'));
  });
}
