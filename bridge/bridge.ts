/**
 * The bridge plugin: a veth pair between the container's namespace and a docker0-like bridge,
 * addresses and routes from IPAM, the gateway on the bridge.
 * ADD undoes every step it made when a later one fails; DEL always finishes (STYLE.md §7).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CniError, ErrCode } from '../cni/errors.js';
import { stableHash } from '../cni/hash.js';
import { parseIP, parsePrefix } from '../cni/ip.js';
import type { Handlers, PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { isExists, KernelError } from '../kernel/errors.js';
import { kernelNetlink, type LinkInfo, type NetlinkFactory, type NetlinkOps } from '../kernel/netlink.js';
import { IPV4_DEVCONF } from '../kernel/rtnl-codec.js';
import { writeSysctl } from '../kernel/sysctl.js';
import validateBridge from '../gen/bridge.js';
import { hostVethName, parseBridgeConf, requestedMac, type BridgeConf } from './config.js';
import { validAttachments } from '../cni/valid-attachments.js';
import { bridgeMacFrom, buildResult, planAdd, routeGateway, type AddPlan } from './plan.js';
import { delegationDepth, openIpam, type Ipam } from './ipam.js';
import { loadFirewall, type BridgeFirewall } from './firewall.js';

/** CNI_ARGS keys the bridge (and the IPAM it delegates to) understand. */
const KNOWN_ARGS = new Set(['IgnoreUnknown', 'MAC', 'IP']);

function checkArgs({ args, argsError }: PluginContext): void {
  if (argsError) throw argsError;
  const ignore = ['1', 'true'].includes((args.get('IgnoreUnknown') ?? '').toLowerCase());
  if (ignore) return;
  for (const key of args.keys())
    if (!KNOWN_ARGS.has(key))
      throw new CniError(
        ErrCode.InvalidEnvironment,
        `unknown CNI_ARGS key ${JSON.stringify(key)}`,
        'set IgnoreUnknown=1 to ignore keys meant for other plugins',
      );
}

function attachmentHash(ctx: PluginContext): string {
  return stableHash(`${ctx.containerId}\0${ctx.ifName}`);
}

function loadConf(ctx: PluginContext): BridgeConf {
  return parseBridgeConf(ctx.config, validateBridge);
}

/** Undo steps of an ADD, run in reverse when a later step fails. */
class Undo {
  private readonly steps: Array<() => Promise<unknown>> = [];
  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(log: PluginContext['log']): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (err) {
        log.error(err);
      }
    }
  }
}

/** What the bridge needs from outside its own logic: the kernel, IPAM, the firewall. Tests pass fakes. */
export interface BridgeDeps {
  netlink: NetlinkFactory;
  writeSysctl(key: string | readonly string[], value: string, netns?: string): void;
  openIpam(ctx: PluginContext, type: string): Promise<Ipam>;
  loadFirewall(conf: BridgeConf, opts?: { forDelete?: boolean }): Promise<BridgeFirewall | undefined>;
  randomBytes(n: number): Buffer;
}

/** `n` bytes of the kernel's randomness; /dev/urandom rather than node:crypto, whose load is slower. */
function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    if (readSync(fd, buf, 0, n, null) !== n) throw new Error('short read from /dev/urandom');
  } finally {
    closeSync(fd);
  }
  return buf;
}

/**
 * Finds or creates the bridge. Parallel ADDs race to create it: EEXIST from our own create means
 * another call won, and the bridge is used as it is.
 */
async function ensureBridge(host: NetlinkOps, conf: BridgeConf, mac: () => string): Promise<{ link: LinkInfo; created: boolean }> {
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
async function ensureGatewayLink(host: NetlinkOps, bridge: LinkInfo, conf: BridgeConf): Promise<LinkInfo> {
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
 * (every ADD but the first) that costs one netlink round trip and no address dump.
 */
async function ensureGateways(host: NetlinkOps, link: LinkInfo, conf: BridgeConf, plan: AddPlan): Promise<void> {
  for (const gw of plan.gateways) {
    try {
      await host.addAddr(link.index, gw.cidr, { noDad: true });
    } catch (err) {
      if (isExists(err)) continue;
      throw err;
    }
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

async function add(k: BridgeDeps, ctx: PluginContext): Promise<Result> {
  checkArgs(ctx);
  const conf = loadConf(ctx);
  if (conf.ipam?.type) delegationDepth(ctx, conf.ipam.type); // refused before any kernel change
  const mac = requestedMac(conf, ctx.args);
  const firewall = await k.loadFirewall(conf);
  const hash = attachmentHash(ctx);
  const vethName = hostVethName(hash);
  const undo = new Undo();
  const container = k.netlink.openIn(ctx.netns);
  const host = k.netlink.open();
  try {
    if (await container.getLink(ctx.ifName))
      throw new CniError(ErrCode.InterfaceExists, `interface ${JSON.stringify(ctx.ifName)} already exists in ${JSON.stringify(ctx.netns)}`);
    const { link: bridge } = await ensureBridge(host, conf, () => bridgeMacFrom(k.randomBytes(6)));

    const ipam: Ipam | undefined = conf.ipam?.type ? await k.openIpam(ctx, conf.ipam.type) : undefined;
    let ipamResult: Result | undefined;
    if (ipam) {
      ipamResult = await ipam.add();
      undo.push(() => ipam.del());
      if (!ipamResult.ips?.length)
        throw new CniError(ErrCode.InvalidNetworkConfig, `IPAM plugin ${JSON.stringify(conf.ipam!.type)} returned no address`);
    }
    const plan = planAdd(conf, ipamResult);

    // On the bridge and up from its creation: a pair left by a killed ADD is one DEL recognises.
    await host.createVeth(vethName, { name: ctx.ifName, netnsPath: ctx.netns, mac }, { mtu: conf.mtu, master: bridge.index, up: true });
    undo.push(() => host.deleteLink(vethName));
    const veth = await host.getLink(vethName);
    if (!veth) throw new KernelError('find veth', vethName, 'ENODEV');
    // A bridge port is never the source or destination of traffic, so its host side gets no IPv6
    // link-local address (LXD does the same): otherwise each container adds an address and a route
    // to the host's tables, which the kernel walks at every link change of every later ADD and DEL,
    // and starts DAD and MLD work for it. Before the container side is up: carrier makes the address.
    await host.setNoLinkLocal(veth.index, vethName).catch((err) => {
      if (!(err instanceof KernelError && err.errno === 'EAFNOSUPPORT')) throw err; // no IPv6 in this kernel: nothing to turn off
    });
    if (conf.hairpinMode) await host.setHairpin(veth.index, true, vethName);
    if (conf.vlan) await host.addBridgeVlan(veth.index, conf.vlan, { pvid: true, untagged: true }, vethName);

    // Container side: sysctls as the reference sets them, then addresses, link up, routes.
    const peer = await container.getLink(ctx.ifName);
    if (!peer) throw new KernelError('find', `${ctx.ifName} in ${ctx.netns}`, 'ENODEV');
    const hasV6 = plan.ips.some((ip) => ip.address.includes(':'));
    if (hasV6 && !conf.enabledad) k.writeSysctl(['net', 'ipv6', 'conf', ctx.ifName, 'accept_dad'], '0', ctx.netns);
    await container.setIpv4Conf(peer.index, [[IPV4_DEVCONF.ARP_NOTIFY, 1]], ctx.ifName);
    for (const ip of plan.ips) await container.addAddr(peer.index, ip.address, { noDad: !conf.enabledad });
    await container.setLink(peer.index, { up: true }, ctx.ifName);
    for (const route of plan.routes) {
      try {
        await container.addRoute({
          dst: route.dst,
          gw: routeGateway(route, plan.ips),
          index: peer.index,
          mtu: route.mtu,
          advmss: route.advmss,
          priority: route.priority,
          table: route.table,
          scope: route.scope,
        });
      } catch (err) {
        if (!isExists(err)) throw err;
      }
    }

    if (conf.isGateway) {
      await ensureGateways(host, await ensureGatewayLink(host, bridge, conf), conf, plan);
      // Asked first: it is on after the first ADD, and a write is not needed then.
      for (const family of plan.forwardFamilies)
        if (!(await host.forwarding(family))) k.writeSysctl(family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding', '1');
    }

    if (firewall) {
      await firewall.add({
        containerId: ctx.containerId,
        ifName: ctx.ifName,
        network: conf.name,
        conf,
        addresses: plan.ips.map((i) => i.address),
        hostVeth: vethName,
        mac: peer.mac,
      });
      undo.push(() => firewall.del({ containerId: ctx.containerId, ifName: ctx.ifName, network: conf.name, conf }));
    }

    const bridgeNow = (await host.getLinkByIndex(bridge.index)) ?? bridge;
    return buildResult({
      cniVersion: ctx.cniVersion,
      bridge: { name: conf.bridge, mac: bridgeNow.mac },
      hostVeth: { name: vethName, mac: veth.mac },
      container: { name: ctx.ifName, mac: peer.mac, sandbox: ctx.netns, mtu: conf.mtu },
      plan,
      dns: conf.dns ?? ipamResult?.dns,
    });
  } catch (err) {
    await undo.run(ctx.log);
    throw err;
  } finally {
    container.close();
    host.close();
  }
}

/**
 * Removes the veth pair (by its stable host-side name, and only when it hangs off our bridge, so an
 * interface Berth did not create is never touched), the firewall state and the IPAM lease. Keeps
 * going past failures and reports them all; "already gone" counts as done.
 */
async function del(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  // No CNI_ARGS check here: DEL must release what it can whatever the arguments (SPEC.md "DEL").
  const conf = loadConf(ctx);
  const errors: unknown[] = [];
  const vethName = hostVethName(attachmentHash(ctx));
  // The veth is deleted by a detached `ip` while the firewall state and the lease are released
  // here; this process then only waits until the link is gone, not for the kernel's RCU grace period
  // after it (Netlink.deleteLinkDetached).
  let vethDeleted: Promise<unknown> = Promise.resolve();
  const host = k.netlink.open();
  try {
    const veth = await host.getLink(vethName);
    const bridge = veth?.master ? await host.getLinkByIndex(veth.master) : undefined;
    // Ours: on our bridge, or on none (the bridge was deleted by hand, or an older Berth's ADD was
    // killed before it set the master); the name is derived from the container ID and ifname.
    if (veth && veth.kind === 'veth' && (!veth.master || bridge?.name === conf.bridge))
      vethDeleted = k.netlink.deleteLinkDetached(vethName, veth.index).catch((e) => errors.push(e)); // a link already gone is no error there
  } catch (err) {
    errors.push(err);
  } finally {
    host.close();
  }
  // A container interface of that name whose peer is not our veth was not made by us: leave it.
  const firewall = await k.loadFirewall(conf, { forDelete: true });
  if (firewall)
    await firewall.del({ containerId: ctx.containerId, ifName: ctx.ifName, network: conf.name, conf }).catch((e) => errors.push(e));
  if (conf.ipam?.type) {
    try {
      await (await k.openIpam(ctx, conf.ipam.type)).del();
    } catch (err) {
      errors.push(err);
    }
  }
  await vethDeleted;
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `teardown of ${JSON.stringify(ctx.containerId)} incomplete`);
}

function fail(what: string): never {
  throw new CniError(ErrCode.CheckFailed, `bridge check failed: ${what}`);
}

async function check(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  checkArgs(ctx);
  const conf = loadConf(ctx);
  const prev = ctx.prevResult!;
  const vethName = hostVethName(attachmentHash(ctx));
  const host = k.netlink.open();
  const container = k.netlink.openIn(ctx.netns);
  try {
    const bridge = await host.getLink(conf.bridge);
    if (!bridge) fail(`bridge ${JSON.stringify(conf.bridge)} is missing`);
    if (bridge.kind !== 'bridge') fail(`${JSON.stringify(conf.bridge)} is not a bridge`);
    if (conf.promiscMode && !bridge.isPromisc) fail(`bridge ${JSON.stringify(conf.bridge)} is not promiscuous`);
    const veth = await host.getLink(vethName);
    if (!veth) fail(`host veth ${JSON.stringify(vethName)} is missing`);
    if (veth.master !== bridge.index) fail(`host veth ${JSON.stringify(vethName)} is not on bridge ${JSON.stringify(conf.bridge)}`);
    const iface = await container.getLink(ctx.ifName);
    if (!iface) fail(`interface ${JSON.stringify(ctx.ifName)} is missing in ${JSON.stringify(ctx.netns)}`);
    if (!iface.isUp) fail(`interface ${JSON.stringify(ctx.ifName)} is down`);
    const expected = prev.interfaces?.find((i) => i.name === ctx.ifName && i.sandbox);
    if (expected?.mac && expected.mac.toLowerCase() !== iface.mac)
      fail(`interface ${JSON.stringify(ctx.ifName)} has MAC ${iface.mac}, expected ${expected.mac}`);
    const addrs = new Set((await container.listAddrs(iface.index)).map((a) => a.cidr));
    for (const ip of prev.ips ?? []) {
      const want = `${ip.address}`;
      if (![...addrs].some((a) => samePrefix(a, want))) fail(`address ${want} is missing on ${JSON.stringify(ctx.ifName)}`);
    }
    const routes = await container.listRoutes();
    for (const r of prev.routes ?? []) {
      const found = routes.some(
        (k) =>
          samePrefix(k.dst, r.dst) &&
          [{ oif: k.oif, gw: k.gw }, ...(k.nexthops ?? [])].some((hop) => hop.oif === iface.index && sameGateway(hop.gw, r.gw)),
      );
      if (!found) fail(`route to ${r.dst}${r.gw ? ` via ${r.gw}` : ''} is missing`);
    }
  } finally {
    host.close();
    container.close();
  }
  const firewall = await k.loadFirewall(conf);
  if (firewall)
    await firewall.check({
      containerId: ctx.containerId,
      ifName: ctx.ifName,
      network: conf.name,
      conf,
      addresses: (prev.ips ?? []).map((i) => i.address),
      hostVeth: vethName,
      mac: prev.interfaces?.find((i) => i.name === ctx.ifName && i.sandbox)?.mac ?? '',
    });
  if (conf.ipam?.type) await (await k.openIpam(ctx, conf.ipam.type)).check();
}

/** The kernel's gateway matches the expected one (none expected matches any). */
function sameGateway(actual: string | undefined, expected: string | undefined): boolean {
  return !expected || (actual !== undefined && parseIP(actual).value === parseIP(expected).value);
}

function samePrefix(a: string, b: string): boolean {
  const pa = parsePrefix(a),
    pb = parsePrefix(b);
  return pa.ip.family === pb.ip.family && pa.ip.value === pb.ip.value && pa.length === pb.length;
}

async function gc(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  const conf = loadConf(ctx);
  const valid = validAttachments(ctx.config);
  const errors: unknown[] = [];
  const firewall = await k.loadFirewall(conf, { forDelete: true });
  if (firewall) await firewall.gc({ network: conf.name, conf, valid }).catch((e) => errors.push(e));
  if (conf.ipam?.type) await (await k.openIpam(ctx, conf.ipam.type)).gc().catch((e) => errors.push(e));
  if (errors.length) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'garbage collection incomplete');
}

async function status(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  const conf = loadConf(ctx);
  if (conf.ipam?.type) await (await k.openIpam(ctx, conf.ipam.type)).status();
}

/** The bridge's CNI handlers over `deps`. */
export function bridgeHandlers(deps: BridgeDeps): Handlers {
  return {
    add: (ctx) => add(deps, ctx),
    del: (ctx) => del(deps, ctx),
    check: (ctx) => check(deps, ctx),
    gc: (ctx) => gc(deps, ctx),
    status: (ctx) => status(deps, ctx),
  };
}

export const handlers: Handlers = bridgeHandlers({ netlink: kernelNetlink, writeSysctl, openIpam, loadFirewall, randomBytes });
