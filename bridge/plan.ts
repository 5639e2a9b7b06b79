/** What an ADD sets up, computed from the config and the IPAM result before any kernel call. Pure. */
import { CniError, ErrCode } from '../cni/errors.js';
import { addToIP, formatIP, networkOf, parseIP, parsePrefix, type Prefix } from '../cni/ip.js';
import type { IPConfig, Result, Route } from '../cni/types.js';
import type { BridgeConf } from './config.js';

export interface GatewayPlan {
  family: 4 | 6;
  /** The gateway address with the subnet's prefix length, as put on the bridge: "10.88.0.1/24". */
  cidr: string;
  gateway: string;
}

export interface AddPlan {
  /** Container addresses, with the gateway each one uses. */
  ips: IPConfig[];
  /** Routes inside the container (IPAM's, plus a default route per family for isDefaultGateway). */
  routes: Route[];
  /** Addresses to put on the bridge (isGateway), one per subnet. */
  gateways: GatewayPlan[];
  /** Families that need forwarding turned on. */
  forwardFamilies: Array<4 | 6>;
}

const DEFAULT_DST = { 4: '0.0.0.0/0', 6: '::/0' } as const;

function familyOfCidr(cidr: string): 4 | 6 {
  return parsePrefix(cidr).ip.family;
}

/**
 * Plans the container's addresses, routes and the bridge's gateway addresses.
 * The gateway of an address is IPAM's, or the subnet's first address when IPAM gave none (as the
 * reference computes it).
 * @throws {CniError} code 7 when IPAM returned an address that is not a CIDR
 */
export function planAdd(conf: BridgeConf, ipam: Result | undefined): AddPlan {
  const ips: IPConfig[] = [];
  const gateways: GatewayPlan[] = [];
  const seenGateways = new Set<string>();
  for (const ip of ipam?.ips ?? []) {
    let prefix: Prefix;
    try {
      prefix = parsePrefix(ip.address);
    } catch {
      throw new CniError(ErrCode.InvalidNetworkConfig, `IPAM returned an invalid address ${JSON.stringify(ip.address)}`);
    }
    let gateway = ip.gateway;
    if (conf.isGateway && !gateway) gateway = formatIP(addToIP(networkOf(prefix), 1n));
    ips.push({ address: ip.address, ...(gateway && { gateway }), interface: 2 });
    if (conf.isGateway && gateway) {
      const gwCidr = `${formatIP(parseIP(gateway))}/${prefix.length}`;
      if (!seenGateways.has(gwCidr)) {
        seenGateways.add(gwCidr);
        gateways.push({ family: prefix.ip.family, cidr: gwCidr, gateway });
      }
    }
  }
  const routes: Route[] = [...(ipam?.routes ?? [])];
  if (conf.isDefaultGateway) {
    for (const gw of gateways) {
      const hasDefault = routes.some((r) => familyOfCidr(r.dst) === gw.family && parsePrefix(r.dst).length === 0);
      if (!hasDefault) {
        routes.push({ dst: DEFAULT_DST[gw.family], gw: gw.gateway });
      }
    }
  }
  const forwardFamilies = conf.isGateway ? [...new Set(gateways.map((g) => g.family))] : [];
  return { ips, routes, gateways, forwardFamilies };
}

/** The ADD result in the spec's shape: bridge, host veth, container interface; ips[].interface = 2. */
export function buildResult(o: {
  cniVersion: string;
  bridge: { name: string; mac: string };
  hostVeth: { name: string; mac: string };
  container: { name: string; mac: string; sandbox: string; mtu?: number };
  plan: AddPlan;
  dns?: Result['dns'];
}): Result {
  return {
    cniVersion: o.cniVersion,
    interfaces: [
      { name: o.bridge.name, mac: o.bridge.mac },
      { name: o.hostVeth.name, mac: o.hostVeth.mac },
      { name: o.container.name, mac: o.container.mac, sandbox: o.container.sandbox, ...(o.container.mtu && { mtu: o.container.mtu }) },
    ],
    ips: o.plan.ips,
    routes: o.plan.routes,
    ...(o.dns && Object.keys(o.dns).length > 0 && { dns: o.dns }),
  };
}

/**
 * The MAC a new bridge is created with, from six random bytes: unicast, locally administered.
 * Pinned at creation so the bridge never follows its ports' MACs; random (as Docker's bridge
 * driver does) so two hosts' bridges of the same name never share one on a common L2.
 */
export function bridgeMacFrom(random: Uint8Array): string {
  if (random.length < 6) throw new RangeError(`a bridge MAC needs 6 random bytes, got ${random.length}`);
  const bytes = [...random.subarray(0, 6)];
  bytes[0] = (bytes[0] & 0xfe) | 0x02; // unicast, locally administered
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * The gateway a route is installed with: its own, or else the gateway of the container's first
 * address of the route's family, as the reference's ConfigureIface does. IPAM configs commonly give
 * `routes: [{dst: "0.0.0.0/0"}]` with no gw; installed as a link route, every off-subnet packet
 * (published ports' replies included) would be ARPed for instead of sent to the bridge.
 * The result keeps the route as IPAM gave it, as the reference's does.
 */
export function routeGateway(route: Route, ips: readonly IPConfig[]): string | undefined {
  if (route.gw) return route.gw;
  const family = familyOfCidr(route.dst);
  return ips.find((ip) => ip.gateway && familyOfCidr(ip.address) === family)?.gateway;
}
