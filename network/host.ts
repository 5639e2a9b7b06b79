/** The kernel state netctl reads or removes in its own network namespace (the "host"). */
import { tryParsePrefix } from '../cni/ip.js';
import { isNotFound } from '../kernel/errors.js';
import { Netlink } from '../kernel/netlink.js';
import type { TakenPrefix } from './subnets.js';

/** Routes (any table, default routes aside) and addresses of the host, as prefixes in use. */
export async function readHostPrefixes(nl: Netlink): Promise<TakenPrefix[]> {
  const out: TakenPrefix[] = [];
  for (const r of await nl.listRoutes()) {
    const p = tryParsePrefix(r.dst);
    if (p && p.length > 0) out.push({ prefix: p, owner: `route ${JSON.stringify(r.dst)} on the host` });
  }
  for (const a of await nl.listAddrs()) {
    const p = tryParsePrefix(a.cidr);
    if (p) out.push({ prefix: p, owner: `address ${JSON.stringify(a.cidr)} on the host` });
  }
  return out;
}

export interface BridgeState {
  exists: boolean;
  kind?: string;
  up?: boolean;
  mac?: string;
  mtu?: number;
  addresses: string[];
  /** Names of the links enslaved to it. */
  ports: string[];
}

export async function readBridgeState(nl: Netlink, name: string): Promise<BridgeState> {
  const link = await nl.getLink(name);
  if (!link) return { exists: false, addresses: [], ports: [] };
  const addresses = (await nl.listAddrs(link.index)).filter((a) => !(a.family === 6 && a.address.startsWith('fe80'))).map((a) => a.cidr);
  const ports = (await nl.listLinks())
    .filter((l) => l.master === link.index)
    .map((l) => l.name)
    .sort();
  return { exists: true, kind: link.kind, up: link.isUp, mac: link.mac, mtu: link.mtu, addresses, ports };
}

/** Deletes the bridge `name` when it exists and is a bridge; returns whether it did. */
export async function deleteBridge(nl: Netlink, name: string): Promise<boolean> {
  const link = await nl.getLink(name);
  if (!link || link.kind !== 'bridge') return false;
  try {
    await nl.deleteLink(name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Prepares a netns for its first attachment and lists its interfaces: `lo` is set up when down (a
 * runtime's job, which netctl does as podman does; never in the conflist, where a DEL on one network
 * would take `lo` down under the container's other networks).
 */
export async function prepareNetns(path: string): Promise<string[]> {
  const nl = Netlink.openIn(path);
  try {
    const links = await nl.listLinks();
    const lo = links.find((l) => l.name === 'lo');
    if (lo && !lo.isUp) await nl.setLink(lo.index, { up: true }, 'lo');
    return links.map((l) => l.name);
  } finally {
    nl.close();
  }
}

export { Netlink };
