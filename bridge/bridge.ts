/**
 * The bridge plugin: a veth pair between the container's namespace and a docker0-like bridge,
 * addresses and routes from IPAM, the gateway on the bridge.
 * ADD undoes every step it made when a later one fails; DEL always finishes (STYLE.md §7).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CniError, ErrCode } from '../cni/errors.js';
import type { Handlers, PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { isExists, KernelError } from '../kernel/errors.js';
import { kernelNetlink, type NetlinkFactory, type NetlinkOps } from '../kernel/netlink.js';
import { IPV4_DEVCONF } from '../kernel/rtnl-requests.js';
import { writeSysctl } from '../kernel/sysctl.js';
import { hostVethName, requestedMac, type BridgeConf } from './config.js';
import { validAttachments } from '../cni/valid-attachments.js';
import { bridgeMacFrom, buildResult, planAdd, routeGateway } from './plan.js';
import { delegationDepth, openIpam, type Ipam } from './ipam.js';
import { loadFirewall, type BridgeFirewall } from './firewall.js';
import { check } from './check.js';
import { ensureBridge, ensureGatewayLink, ensureGateways } from './host-links.js';
import { attachmentHash, checkArgs, loadConf } from './request.js';

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

async function add(k: BridgeDeps, ctx: PluginContext): Promise<Result> {
  checkArgs(ctx);
  const conf = await loadConf(ctx);
  if (conf.ipam?.type) delegationDepth(ctx, conf.ipam.type); // refused before any kernel change
  const mac = requestedMac(conf, ctx.args);
  const firewall = await k.loadFirewall(conf);
  const hash = attachmentHash(ctx);
  const vethName = hostVethName(hash);
  const undo = new Undo();
  // With netnsReady (berth run: its supervisor is still making the netns) the host's side that needs
  // neither the netns nor the veth comes first. Otherwise the steps keep the reference's order, the
  // interface check first, so that an interface there fails ADD before any change.
  const early = ctx.netnsReady;
  let container: NetlinkOps | undefined;
  const enterNetns = async (): Promise<NetlinkOps> => {
    container = k.netlink.openIn(ctx.netns);
    if (await container.getLink(ctx.ifName))
      throw new CniError(ErrCode.InterfaceExists, `interface ${JSON.stringify(ctx.ifName)} already exists in ${JSON.stringify(ctx.netns)}`);
    return container;
  };
  const host = k.netlink.open();
  try {
    if (!early) await enterNetns();
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
    const gateway = async () => {
      if (!conf.isGateway) return;
      await ensureGateways(host, await ensureGatewayLink(host, bridge, conf), conf, plan);
      // Asked first: it is on after the first ADD, and a write is not needed then.
      for (const family of plan.forwardFamilies)
        if (!(await host.forwarding(family))) k.writeSysctl(family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding', '1');
    };
    let firewallAdded = !firewall;
    const addFirewall = async (peerMac: string) => {
      const req = { containerId: ctx.containerId, ifName: ctx.ifName, network: conf.name, conf };
      await firewall!.add({ ...req, addresses: plan.ips.map((i) => i.address), hostVeth: vethName, mac: peerMac });
      undo.push(() => firewall!.del(req));
      firewallAdded = true;
    };
    if (early) {
      await gateway();
      if (!firewallAdded && !conf.macspoofchk) await addFirewall(''); // macspoofchk needs the peer's MAC
      await early;
    }
    container ??= await enterNetns();

    // On the bridge and up from its creation: a pair left by a killed ADD is one DEL recognises.
    const made = await host.createVeth(
      vethName,
      { name: ctx.ifName, netnsPath: ctx.netns, mac },
      { mtu: conf.mtu, master: bridge.index, up: true },
    );
    undo.push(() => host.deleteLink(vethName));
    const veth = made ?? (await host.getLink(vethName));
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
    // A runtime may have turned IPv6 off in the namespace (berth, as docker): on for an address, as the reference does.
    if (hasV6) k.writeSysctl(['net', 'ipv6', 'conf', ctx.ifName, 'disable_ipv6'], '0', ctx.netns);
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

    if (!early) await gateway();
    if (!firewallAdded) await addFirewall(peer.mac);

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
    container?.close();
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
  const conf = await loadConf(ctx);
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

async function gc(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  const conf = await loadConf(ctx);
  const valid = validAttachments(ctx.config);
  const errors: unknown[] = [];
  const firewall = await k.loadFirewall(conf, { forDelete: true });
  if (firewall) await firewall.gc({ network: conf.name, conf, valid }).catch((e) => errors.push(e));
  if (conf.ipam?.type) await (await k.openIpam(ctx, conf.ipam.type)).gc().catch((e) => errors.push(e));
  if (errors.length) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'garbage collection incomplete');
}

async function status(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  const conf = await loadConf(ctx);
  if (conf.ipam?.type) await (await k.openIpam(ctx, conf.ipam.type)).status();
}

/** The bridge's CNI handlers over `deps`. */
export function bridgeHandlers(deps: BridgeDeps): Handlers {
  return {
    awaitsNetns: true,
    add: (ctx) => add(deps, ctx),
    del: (ctx) => del(deps, ctx),
    check: (ctx) => check(deps, ctx),
    gc: (ctx) => gc(deps, ctx),
    status: (ctx) => status(deps, ctx),
  };
}

export const handlers: Handlers = bridgeHandlers({ netlink: kernelNetlink, writeSysctl, openIpam, loadFirewall, randomBytes });
