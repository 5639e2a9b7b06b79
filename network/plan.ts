/**
 * `netctl create`: from the command line and what already exists to a NetworkPlan, or a refusal
 * naming the value. Pure: other networks and the host's prefixes and links come as data.
 */
import { contains, formatIP, formatPrefix, tryParsePrefix, type Prefix } from '../cni/ip.js';
import type { NetworkInfo, NetworkOptions, NetworkPlan, RangePlan } from './conflist.js';
import { NetctlError, UsageError } from './errors.js';
import { bridgeNameFor, validateInterfaceName, validateNetworkName } from './names.js';
import {
  DEFAULT_SUBNET_POOL6,
  defaultGateway,
  findOverlap,
  parseAddressArg,
  parseSubnetArg,
  pickFreeSubnet,
  rangeBounds,
  type TakenPrefix,
} from './subnets.js';

/** A create request: the user's subnets, gateways, ranges and labels as written, and the pools to pick from. */
export interface CreateRequest extends NetworkOptions {
  subnets: readonly string[];
  gateways: readonly string[];
  ipRanges: readonly string[];
  bridge?: string;
  labels: readonly string[];
  subnetPool: string;
  subnetSize: number;
  /** Give the network an IPv6 subnet too: a free /64 of subnetPool6 unless one is given. */
  ipv6?: boolean;
  subnetPool6?: string;
}

/** What exists: other networks in the config dir, and (read only when needed) the host. */
export interface CreateContext {
  networks: ReadonlyArray<NetworkInfo & { file: string }>;
  /** The host's routes and addresses; needed only when no --subnet is given. */
  hostPrefixes?: readonly TakenPrefix[];
  /** True when a link of this name exists on the host. */
  hostHasLink(name: string): boolean;
}

/** Parses "k=v" labels ("k" alone means an empty value). @throws {UsageError} */
export function parseLabels(labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of labels) {
    const eq = text.indexOf('=');
    const key = eq < 0 ? text : text.slice(0, eq);
    if (key === '' || /\s/.test(key))
      throw new UsageError(`invalid label ${JSON.stringify(text)}: must be KEY=VALUE with a non-empty key without whitespace`);
    out[key] = eq < 0 ? '' : text.slice(eq + 1);
  }
  return out;
}

/** The MTU a bridge may have. @throws {UsageError} */
export function validateMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)
    throw new UsageError(`invalid mtu ${JSON.stringify(String(mtu))}: must be an integer from 68 to 65535`);
}

/** Everything that can be checked on the command line alone. @throws {UsageError} */
function parseRequest(req: CreateRequest): { subnets: Prefix[]; labels: Record<string, string> } {
  validateNetworkName(req.name);
  if (req.bridge !== undefined) validateInterfaceName(req.bridge, 'bridge');
  if (req.mtu !== undefined) validateMtu(req.mtu);
  const subnets = req.subnets.map((s) => parseSubnetArg(s));
  for (const family of [4, 6] as const)
    if (subnets.filter((s) => s.ip.family === family).length > 1)
      throw new UsageError(`invalid subnets ${JSON.stringify(req.subnets.join(','))}: at most one IPv${family} subnet per network`);
  if (req.leaseDir === '') throw new UsageError('invalid lease dir "": must be a directory path');
  if (req.firewallDir !== undefined && !req.firewallDir.startsWith('/'))
    throw new UsageError(`invalid firewall dir ${JSON.stringify(req.firewallDir)}: must be an absolute path`);
  return { subnets, labels: parseLabels(req.labels) };
}

/** The subnet of `subnets` holding `ip`'s family, for --gateway and --ip-range. */
function subnetFor(subnets: readonly Prefix[], family: 4 | 6, what: string, text: string): Prefix {
  const s = subnets.find((p) => p.ip.family === family);
  if (!s) throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: the network has no IPv${family} subnet`);
  return s;
}

/**
 * Decides the network: name, bridge, subnets (given, or the first free one of the pool), gateways,
 * allocation ranges, options.
 * @throws {UsageError} for values wrong by themselves (name, CIDR syntax, a gateway outside its subnet)
 * @throws {NetctlError} for conflicts: a name or bridge already taken, a subnet overlapping another
 *   network's, an exhausted pool
 */
export function planCreate(req: CreateRequest, ctx: CreateContext): NetworkPlan {
  const { subnets: given, labels } = parseRequest(req);
  const action = `cannot create network ${JSON.stringify(req.name)}`;
  const sameName = ctx.networks.find((n) => n.name === req.name);
  if (sameName) throw new NetctlError(`${action}: a network of that name already exists in ${JSON.stringify(sameName.file)}`);

  const bridge = req.bridge ?? bridgeNameFor(req.name);
  const bridgeOwner = ctx.networks.find((n) => n.bridge === bridge);
  if (bridgeOwner)
    throw new NetctlError(`${action}: bridge ${JSON.stringify(bridge)} is already used by network ${JSON.stringify(bridgeOwner.name)}`);
  if (ctx.hostHasLink(bridge)) throw new NetctlError(`${action}: bridge ${JSON.stringify(bridge)} already exists on the host`);

  const others: TakenPrefix[] = [];
  for (const n of ctx.networks)
    for (const s of n.subnets) {
      const p = tryParsePrefix(s);
      if (p) others.push({ prefix: p, owner: `network ${JSON.stringify(n.name)}` });
    }

  let subnets = given;
  const picked: Prefix[] = [];
  const wantsPicked6 = req.ipv6 === true && !given.some((s) => s.ip.family === 6);
  if (subnets.length === 0) {
    const pool = parseSubnetArg(req.subnetPool, 'subnet pool');
    if (!Number.isInteger(req.subnetSize) || req.subnetSize < pool.length || req.subnetSize > (pool.ip.family === 4 ? 30 : 126))
      throw new UsageError(
        `invalid subnet size ${JSON.stringify(String(req.subnetSize))}: must be from ${pool.length} to ${pool.ip.family === 4 ? 30 : 126} for pool ${JSON.stringify(req.subnetPool)}`,
      );
    const taken = [...others, ...(ctx.hostPrefixes ?? [])].map((t) => t.prefix);
    const free = pickFreeSubnet(pool, req.subnetSize, taken);
    if (!free) throw new NetctlError(`${action}: no free /${req.subnetSize} left in subnet pool ${JSON.stringify(req.subnetPool)}`);
    subnets = [free];
    picked.push(free);
  } else {
    for (const s of subnets) {
      const hit = findOverlap(s, others);
      if (hit)
        throw new NetctlError(
          `${action}: subnet ${JSON.stringify(formatPrefix(s))} overlaps subnet ${JSON.stringify(formatPrefix(hit.prefix))} of ${hit.owner}`,
        );
    }
  }
  if (wantsPicked6) {
    const poolText = req.subnetPool6 ?? DEFAULT_SUBNET_POOL6;
    const pool6 = parseSubnetArg(poolText, 'IPv6 subnet pool');
    if (pool6.ip.family !== 6 || pool6.length > 64)
      throw new UsageError(`invalid IPv6 subnet pool ${JSON.stringify(poolText)}: must be an IPv6 prefix of /64 or shorter`);
    const taken = [...others, ...(ctx.hostPrefixes ?? [])].map((t) => t.prefix);
    const free = pickFreeSubnet(pool6, 64, taken);
    if (!free) throw new NetctlError(`${action}: no free /64 left in IPv6 subnet pool ${JSON.stringify(poolText)}`);
    subnets = [...subnets, free];
    picked.push(free);
  }
  subnets = [...subnets].sort((a, b) => a.ip.family - b.ip.family);

  const ranges: RangePlan[] = subnets.map((subnet) => ({ subnet, gateway: defaultGateway(subnet) }));
  const rangeOf = (family: 4 | 6, what: string, text: string) => ranges[subnets.indexOf(subnetFor(subnets, family, what, text))];
  const seen = new Set<string>();
  for (const text of req.gateways) {
    const gw = parseAddressArg(text, 'gateway');
    const r = rangeOf(gw.family, 'gateway', text);
    if (seen.has(`gw${gw.family}`)) throw new UsageError(`invalid gateway ${JSON.stringify(text)}: a second IPv${gw.family} gateway`);
    seen.add(`gw${gw.family}`);
    const first = defaultGateway(r.subnet).value - 1n;
    const isBroadcast = r.subnet.ip.family === 4 && gw.value === first + (1n << BigInt(32 - r.subnet.length)) - 1n;
    if (!contains(r.subnet, gw) || gw.value === first || isBroadcast)
      throw new UsageError(`invalid gateway ${JSON.stringify(text)}: outside subnet ${JSON.stringify(formatPrefix(r.subnet))}`);
    r.gateway = gw;
  }
  for (const text of req.ipRanges) {
    const range = parseSubnetArg(text, 'ip range');
    const r = rangeOf(range.ip.family, 'ip range', text);
    if (seen.has(`range${range.ip.family}`))
      throw new UsageError(`invalid ip range ${JSON.stringify(text)}: a second IPv${range.ip.family} range`);
    seen.add(`range${range.ip.family}`);
    const { start, end } = rangeBounds(r.subnet, range, text);
    r.start = start;
    r.end = end;
    if (start.value === end.value && r.gateway.value === start.value)
      throw new UsageError(`invalid ip range ${JSON.stringify(text)}: holds only the gateway ${formatIP(r.gateway)}`);
  }

  return {
    name: req.name,
    bridge,
    ranges,
    ...(req.mtu !== undefined && { mtu: req.mtu }),
    internal: req.internal,
    isolate: req.isolate,
    masquerade: req.masquerade,
    ...(req.dns && { dns: true }),
    ...(req.dns && req.dnsStateDir !== undefined && { dnsStateDir: req.dnsStateDir }),
    labels,
    ...(picked.length > 0 && { pickedSubnets: picked.map(formatPrefix) }),
    ...(req.leaseDir !== undefined && { leaseDir: req.leaseDir }),
    ...(req.firewallDir !== undefined && { firewallDir: req.firewallDir }),
    created: req.created,
  };
}
