/**
 * host-local's ranges and range sets: parsing, defaults and validation (the reference's
 * `Range.Canonicalize` and `RangeSet.Canonicalize`, with Berth's stricter checks). Pure.
 *
 * Addresses are bigints through `cni/ip.ts` rather than the `ip-address` package, which would slow
 * the start of every plugin process (docs/internals/speed.md).
 */
import {
  bitsOf,
  contains,
  formatIP,
  formatPrefix,
  hasHostBits,
  lastOf,
  networkOf,
  tryParseIP,
  tryParsePrefix,
  type IP,
  type Prefix,
} from '../cni/ip.js';

/** One range as written in a config: `subnet` is required, the rest default. */
export interface RangeInput {
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

/** A canonical range: every address in [rangeStart, rangeEnd] but the gateway can be handed out. */
export interface Range {
  family: 4 | 6;
  /** The subnet (network address, prefix length). */
  subnet: Prefix;
  /** First address handed out, inclusive. */
  start: bigint;
  /** Last address handed out, inclusive. */
  end: bigint;
  /** Never handed out; default network+1. */
  gateway: bigint;
}

/** The pool one address per ADD comes from; its ranges are of one family and do not overlap. */
export type RangeSet = readonly Range[];

/**
 * Parses an IP address.
 * @throws {SyntaxError} `${what} "x" is not an IP address`
 */
export function parseAddress(text: unknown, what = 'address'): IP {
  const ip = tryParseAddress(text);
  if (!ip) throw new SyntaxError(`${what} ${JSON.stringify(text)} is not an IP address`);
  return ip;
}

/** Like `parseAddress`, but returns undefined. Accepts "192.0.2.5/24" too (the address part), as the reference's `ip.ParseIP` does. */
export function tryParseAddress(text: unknown): IP | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return tryParseIP(text);
  return tryParsePrefix(text)?.ip;
}

/** The canonical text of an address of `family` (the reference's file name for it). */
export function formatAddress(family: 4 | 6, value: bigint): string {
  return formatIP({ family, value });
}

/**
 * Parses a subnet such as "192.0.2.0/24".
 * @throws {SyntaxError} if not a CIDR; {RangeError} on host bits or a subnet without room (/31, /32, /127, /128)
 * @example parseSubnet('2001:db8::/64').length // 64
 */
export function parseSubnet(text: unknown): Prefix {
  const p = tryParsePrefix(text);
  if (!p) throw new SyntaxError(`subnet ${JSON.stringify(text)} is not a CIDR (address/prefix length)`);
  if (hasHostBits(p))
    throw new RangeError(`subnet ${JSON.stringify(text)} has host bits set: network address is ${formatIP(networkOf(p))}`);
  if (p.length > bitsOf(p.ip.family) - 2) throw new RangeError(`subnet ${JSON.stringify(text)} is too small to allocate from`);
  return p;
}

/** Like `parseSubnet`, but returns undefined. */
export function tryParseSubnet(text: unknown): Prefix | undefined {
  try {
    return parseSubnet(text);
  } catch {
    return undefined;
  }
}

function addressInSubnet(text: string, what: string, subnet: Prefix): bigint {
  const ip = parseAddress(text, what);
  if (!contains(subnet, ip))
    throw new RangeError(`${what} ${JSON.stringify(text)} is not in subnet ${JSON.stringify(formatPrefix(subnet))}`);
  return ip.value;
}

/**
 * Parses one range and fills in the defaults: rangeStart = network+1, rangeEnd = broadcast-1
 * (IPv4) or the last address - 1 (IPv6), gateway = network+1.
 * @throws {SyntaxError} for text that is not a CIDR or an address; {RangeError} for values outside the subnet or in the wrong order
 */
export function parseRange(input: RangeInput): Range {
  if (input.subnet === undefined || input.subnet === '') throw new SyntaxError('range has no "subnet"');
  const subnet = parseSubnet(input.subnet);
  const family = subnet.ip.family;
  const network = subnet.ip.value;
  const last = lastOf(subnet).value;
  const start = input.rangeStart ? addressInSubnet(input.rangeStart, 'rangeStart', subnet) : network + 1n;
  const end = input.rangeEnd ? addressInSubnet(input.rangeEnd, 'rangeEnd', subnet) : last - 1n;
  const gateway = input.gateway ? addressInSubnet(input.gateway, 'gateway', subnet) : network + 1n;
  if (start > end)
    throw new RangeError(
      `rangeStart ${JSON.stringify(formatAddress(family, start))} is after rangeEnd ${JSON.stringify(formatAddress(family, end))}`,
    );
  return { family, subnet, start, end, gateway };
}

/** "192.0.2.2-192.0.2.254", as the reference writes a range in its messages. */
export function describeRange(r: Range): string {
  return `${formatAddress(r.family, r.start)}-${formatAddress(r.family, r.end)}`;
}

/** "192.0.2.2-192.0.2.254,198.51.100.1-198.51.100.254" */
export function describeRangeSet(set: RangeSet): string {
  return set.map(describeRange).join(',');
}

function rangesOverlap(a: Range, b: Range): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/**
 * Parses one range set: at least one range, one family, no overlaps inside.
 * @throws {SyntaxError} / {RangeError} as `parseRange`, and RangeError for an empty set, mixed families or overlaps
 */
export function parseRangeSet(inputs: readonly RangeInput[]): Range[] {
  if (inputs.length === 0) throw new RangeError('range set is empty');
  const set = inputs.map(parseRange);
  for (let i = 1; i < set.length; i++) if (set[i].family !== set[0].family) throw new RangeError('range set mixes IPv4 and IPv6');
  for (let i = 0; i < set.length; i++)
    for (let j = i + 1; j < set.length; j++)
      if (rangesOverlap(set[i], set[j]))
        throw new RangeError(`ranges ${JSON.stringify(describeRange(set[i]))} and ${JSON.stringify(describeRange(set[j]))} overlap`);
  return set;
}

/**
 * Parses every range set; a problem is reported with the index of its set.
 * @throws {SyntaxError} / {RangeError} "range set 1: subnet "x" ...", or "range sets 0 and 1 overlap"
 */
export function parseRangeSets(inputs: readonly (readonly RangeInput[])[]): RangeSet[] {
  const sets = inputs.map((inputs, i) => {
    try {
      return parseRangeSet(inputs);
    } catch (err) {
      const Kind = err instanceof SyntaxError ? SyntaxError : RangeError;
      throw new Kind(`range set ${i}: ${(err as Error).message}`);
    }
  });
  for (let i = 0; i < sets.length; i++)
    for (let j = i + 1; j < sets.length; j++)
      if (sets[i].some((a) => sets[j].some((b) => rangesOverlap(a, b))))
        throw new RangeError(`range sets ${i} and ${j} overlap: ${describeRangeSet(sets[i])} and ${describeRangeSet(sets[j])}`);
  return sets;
}

/** The range of `set` that hands out `value`, if any. */
export function rangeFor(set: RangeSet, family: 4 | 6, value: bigint): Range | undefined {
  return set.find((r) => r.family === family && value >= r.start && value <= r.end);
}

/** How many addresses the set can hand out (its gateways excluded). */
export function sizeOf(set: RangeSet): bigint {
  let n = 0n;
  for (const r of set) n += r.end - r.start + 1n - (r.gateway >= r.start && r.gateway <= r.end ? 1n : 0n);
  return n;
}
