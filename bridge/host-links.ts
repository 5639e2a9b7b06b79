/**
 * The host side of the bridge: the bridge itself, the link that carries the gateways (the bridge or,
 * with "vlan", a veth into it) and the gateway addresses. Each step is idempotent: parallel ADDs race.
 */
import { CniError, ErrCode } from '../cni/errors.js';
import { stableHash } from '../cni/hash.js';
import { parsePrefix } from '../cni/ip.js';
import { isExists, KernelError } from '../kernel/errors.js';
import type { LinkInfo, NetlinkOps } from '../kernel/netlink.js';
import type { BridgeConf } from './config.js';
import type { AddPlan } from './plan.js';

/**
 * Finds or creates the bridge. Parallel ADDs race to create it: EEXIST from our own create means
 * another call won, and the bridge is used as it is.
 */
export async function ensureBridge(host: NetlinkOps, conf: BridgeConf, mac: () => string): Promise<{ link: LinkInfo; created: boolean }> {
  let link = await host.getLink(conf.bridge);
  let created = false;
  if (!link) {
    try {
      // The MAC is pinned at creation: a bridge without one takes the lowest port MAC and changes
      // with port churn (and ends as 00:00:00:00:00:00 with no ports).
      await host.createBridge(conf.bridge, { mtu: conf.mtu, mac: mac(), vlanFiltering: (conf.vlan ?? 0) > 0 });
      created = true;
    } catch (err) {
      if (!isExists(err)) {
        if (err instanceof KernelError && (conf.vlan ?? 0) > 0 && (err.errno === 'EOPNOTSUPP' || err.errno === 'EINVAL'))
          throw new CniError(
            ErrCode.UnsupportedField,
            `cannot create bridge ${JSON.stringify(conf.bridge)} with VLAN filtering for "vlan": this kernel does not support bridge VLAN filtering (${err.errno})`,
          );
        throw err;
      }
    }
    link = await host.getLink(conf.bridge);
    if (!link) throw new KernelError('find bridge', conf.bridge, 'ENODEV');
  }
  if (link.kind !== 'bridge')
    throw new CniError(
      ErrCode.NotABridge,
      `link ${JSON.stringify(conf.bridge)} already exists and is not a bridge (it is ${link.kind ?? 'a device without a kind'})`,
    );
  if ((conf.vlan ?? 0) > 0 && link.vlanFiltering === false)
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      `bridge ${JSON.stringify(conf.bridge)} exists without VLAN filtering; "vlan" needs a bridge created with it`,
    );
  if (!link.isUp || (conf.promiscMode && !link.isPromisc))
    await host.setLink(link.index, { up: true, ...(conf.promiscMode && { promisc: true }) }, conf.bridge);
  return { link, created };
}

/**
 * The link that carries the gateway addresses: the bridge itself, or with `vlan` a veth pair
 * "<bridge>.<vlan>" whose peer is a port of the bridge in that VLAN (as the reference does).
 */
export async function ensureGatewayLink(host: NetlinkOps, bridge: LinkInfo, conf: BridgeConf): Promise<LinkInfo> {
  if (!conf.vlan) return bridge;
  const name = `${conf.bridge}.${conf.vlan}`;
  const existing = await host.getLink(name);
  if (existing) return existing;
  const peer = `vb${stableHash(name).slice(0, 10)}`;
  try {
    await host.createVeth(name, { name: peer }, { mtu: conf.mtu });
  } catch (err) {
    if (!isExists(err)) throw err; // a parallel ADD made it
    return (await host.getLink(name))!;
  }
  const [gw, port] = [await host.getLink(name), await host.getLink(peer)];
  if (!gw || !port) throw new KernelError('find VLAN gateway pair', name, 'ENODEV');
  await host.setLink(port.index, { master: bridge.index, up: true }, peer);
  await host.addBridgeVlan(port.index, conf.vlan, { pvid: true, untagged: true }, peer);
  await host.setLink(gw.index, { up: true }, name);
  return gw;
}

/**
 * Puts each gateway address on the bridge. Tries the add first: when the address is already there
 * (every ADD but the first) that costs one netlink round trip, no address dump and no error object.
 */
export async function ensureGateways(host: NetlinkOps, link: LinkInfo, conf: BridgeConf, plan: AddPlan): Promise<void> {
  for (const gw of plan.gateways) {
    if (!(await host.addAddr(link.index, gw.cidr, { noDad: true, ifAbsent: true }))) continue;
    // Newly added: another address of the same subnet family on the bridge is a conflict unless forceAddress.
    const others = (await host.listAddrs(link.index)).filter(
      (a) => a.family === gw.family && a.cidr !== gw.cidr && a.scope === 0 && sameNetwork(a.cidr, gw.cidr),
    );
    for (const other of others) {
      if (!conf.forceAddress) {
        await host.deleteAddr(link.index, gw.cidr).catch(() => undefined);
        throw new CniError(
          ErrCode.InvalidNetworkConfig,
          `${JSON.stringify(link.name)} already has address ${other.cidr}; set "forceAddress" to replace it with ${gw.cidr}`,
        );
      }
      await host.deleteAddr(link.index, other.cidr);
    }
    // Deleting a primary IPv4 address takes its secondaries (ours) with it: put ours back.
    if (others.length)
      await host.addAddr(link.index, gw.cidr, { noDad: true }).catch((err) => {
        if (!isExists(err)) throw err;
      });
  }
}

function sameNetwork(a: string, b: string): boolean {
  const pa = parsePrefix(a),
    pb = parsePrefix(b);
  return pa.ip.family === pb.ip.family && pa.length === pb.length;
}
