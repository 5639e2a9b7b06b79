/** The bridge's CHECK: the kernel still holds what ADD made (CNI spec, CHECK). */
import { CniError, ErrCode } from '../cni/errors.js';
import { parseIP, parsePrefix } from '../cni/ip.js';
import type { PluginContext } from '../cni/skel.js';
import type { BridgeDeps } from './bridge.js';
import { hostVethName } from './config.js';
import { attachmentHash, checkArgs, loadConf } from './request.js';

function fail(what: string): never {
  throw new CniError(ErrCode.CheckFailed, `bridge check failed: ${what}`);
}

export async function check(k: BridgeDeps, ctx: PluginContext): Promise<void> {
  checkArgs(ctx);
  const conf = await loadConf(ctx);
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
