/**
 * Subnets of a new network: parsing the user's, checking overlaps, picking a free one from a pool.
 * Pure: the prefixes already in use (other networks', the host's routes and addresses) come as data.
 */
import {
  addToIP,
  bitsOf,
  contains,
  formatIP,
  formatPrefix,
  hasHostBits,
  lastOf,
  networkOf,
  overlaps,
  tryParseIP,
  tryParsePrefix,
  type IP,
  type Prefix,
} from '../cni/ip.js';
import { UsageError } from './errors.js';

/** Podman's pool for new networks (10.89.0.0/16), carved in /24s as podman and Docker do. */
export const DEFAULT_SUBNET_POOL = '10.89.0.0/16';
export const DEFAULT_SUBNET_SIZE = 24;
/** Where --ipv6 picks a /64 when no IPv6 --subnet is given: a unique-local /48 (RFC 4193). */
export const DEFAULT_SUBNET_POOL6 = 'fd89:b3e7:4a00::/48';

/** A prefix in use and who uses it, for messages ("network \"web\"", "a route on the host"). */
export interface TakenPrefix {
  prefix: Prefix;
  owner: string;
}

/**
 * Parses a subnet given on the command line (--subnet, --subnet-pool).
 * @throws {UsageError} when not a CIDR, with host bits, or too small to hold a gateway and a container
 */
export function parseSubnetArg(text: string, what = 'subnet'): Prefix {
  const p = tryParsePrefix(text);
  if (!p) throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: not a CIDR such as "10.89.0.0/24"`);
  if (hasHostBits(p))
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: host bits set, the network address is ${formatIP(networkOf(p))}`);
  if (bitsOf(p.ip.family) - p.length < 2)
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: too small for a gateway and a container`);
  return p;
}

/** Parses an address given on the command line (--gateway, --ip). @throws {UsageError} */
export function parseAddressArg(text: string, what: string): IP {
  const ip = tryParseIP(text);
  if (!ip) throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: not an IP address`);
  return ip;
}

/** The first entry of `taken` that shares an address with `p`. */
export function findOverlap(p: Prefix, taken: readonly TakenPrefix[]): TakenPrefix | undefined {
  return taken.find((t) => overlaps(p, t.prefix));
}

/**
 * The first /`size` of `pool` that overlaps nothing in `taken`, or undefined when none is free.
 * The taken prefixes of the pool's family are merged into sorted, disjoint spans first; the walk
 * then skips past each span in the way, so it costs O(taken log taken), whatever the pool's size.
 * @example pickFreeSubnet(parseSubnetArg('10.89.0.0/16'), 24, [taken 10.89.0.0/24]) // 10.89.1.0/24
 */
export function pickFreeSubnet(pool: Prefix, size: number, taken: readonly Prefix[]): Prefix | undefined {
  const family = pool.ip.family;
  if (size < pool.length || size > bitsOf(family)) return undefined;
  const spans = mergedSpans(taken.filter((t) => t.ip.family === family));
  const step = 1n << BigInt(bitsOf(family) - size);
  const end = lastOf(pool).value;
  let at = networkOf(pool).value;
  let i = 0;
  while (at + step - 1n <= end) {
    while (i < spans.length && spans[i].last < at) i += 1;
    if (i === spans.length || spans[i].first > at + step - 1n) return { ip: { family, value: at }, length: size };
    // Next aligned candidate after the span in the way.
    at = ((spans[i].last + 1n + step - 1n) / step) * step;
  }
  return undefined;
}

/** First and last addresses of `prefixes` (one family), sorted, with overlapping or adjacent ones merged. */
function mergedSpans(prefixes: readonly Prefix[]): { first: bigint; last: bigint }[] {
  const sorted = prefixes
    .map((p) => ({ first: networkOf(p).value, last: lastOf(p).value }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: { first: bigint; last: bigint }[] = [];
  for (const span of sorted) {
    const prev = out[out.length - 1];
    if (prev && span.first <= prev.last + 1n) prev.last = span.last > prev.last ? span.last : prev.last;
    else out.push({ ...span });
  }
  return out;
}

/** The address a gateway gets when none is given: the subnet's first host address. */
export function defaultGateway(subnet: Prefix): IP {
  return addToIP(networkOf(subnet), 1n);
}

/**
 * The first and last address host-local may hand out for --ip-range `range` inside `subnet`:
 * the range clipped to the subnet's host addresses (never the network address, nor IPv4's broadcast).
 * @throws {UsageError} when the range is not inside the subnet
 */
export function rangeBounds(subnet: Prefix, range: Prefix, rangeText: string): { start: IP; end: IP } {
  if (range.ip.family !== subnet.ip.family || range.length < subnet.length || !contains(subnet, range.ip))
    throw new UsageError(`invalid ip range ${JSON.stringify(rangeText)}: not inside subnet ${JSON.stringify(formatPrefix(subnet))}`);
  const first = networkOf(subnet).value + 1n;
  const last = lastOf(subnet).value - (subnet.ip.family === 4 ? 1n : 0n);
  const lo = networkOf(range).value < first ? first : networkOf(range).value;
  const hi = lastOf(range).value > last ? last : lastOf(range).value;
  if (lo > hi)
    throw new UsageError(
      `invalid ip range ${JSON.stringify(rangeText)}: holds no usable address of subnet ${JSON.stringify(formatPrefix(subnet))}`,
    );
  return { start: { family: range.ip.family, value: lo }, end: { family: range.ip.family, value: hi } };
}
