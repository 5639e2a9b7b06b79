/**
 * Address allocation over a `Store`: one address per range set, round-robin from the set's cursor
 * (`last_reserved_ip.<set>`), the gateway never handed out. Pure: the store is passed in.
 *
 * Cost: the cursor makes a normal allocation one `reserve` call (a file creation). Only after
 * `PROBES_BEFORE_LISTING` taken addresses in a row does the allocator list the leases once and walk
 * the rest in memory, so a nearly full set costs one listing instead of a `reserve` per address, and
 * an exhausted set is recognised from the count without walking it.
 */
import { CniError, ErrCode } from '../cni/errors.js';
import type { IPConfig } from '../cni/types.js';
import { describeRangeSet, formatAddress, rangeFor, sizeOf, tryParseAddress, type Range, type RangeSet } from './range.js';
import type { Attachment, Lease, Store } from './store.js';

/** Taken addresses tried one by one before the allocator lists the store. */
export const PROBES_BEFORE_LISTING = 16;

/** A requested address (IP=, args.cni.ips, runtimeConfig.ips), canonical. */
export interface RequestedIP {
  family: 4 | 6;
  value: bigint;
}

function ipConfig(r: Range, value: bigint): IPConfig {
  return { address: `${formatAddress(r.family, value)}/${r.subnet.length}`, gateway: formatAddress(r.family, r.gateway) };
}

/** The canonical key of a lease's address, or undefined for a file name that is no address. */
function leaseKey(ip: string): string | undefined {
  const parsed = tryParseAddress(ip);
  return parsed && !ip.includes('/') ? `${parsed.family}:${parsed.value}` : undefined;
}

const key = (family: 4 | 6, value: bigint) => `${family}:${value}`;

/** True when the lease belongs to the attachment (a lease without ifname, from old reference versions, matches on the container ID). */
export function isHeldBy(lease: Attachment, holder: Attachment): boolean {
  return lease.containerId === holder.containerId && (lease.ifname === undefined || lease.ifname === holder.ifname);
}

/** The address of `set` already leased to `holder`, if any. */
export function findLeaseIn(
  set: RangeSet,
  leases: readonly Lease[],
  holder: Attachment,
): { lease: Lease; range: Range; value: bigint } | undefined {
  for (const lease of leases) {
    if (!isHeldBy(lease, holder)) continue;
    const ip = tryParseAddress(lease.ip);
    const range = ip && rangeFor(set, ip.family, ip.value);
    if (ip && range) return { lease, range, value: ip.value };
  }
  return undefined;
}

function exhausted(set: RangeSet): CniError {
  return new CniError(ErrCode.RangeExhausted, `no IP addresses available in range set ${describeRangeSet(set)}`);
}

/** How many addresses of `set` are free, given the store's leases. */
export function countFree(set: RangeSet, leases: readonly Lease[]): bigint {
  let used = 0n;
  const seen = new Set<string>();
  for (const lease of leases) {
    const ip = tryParseAddress(lease.ip);
    if (!ip || lease.ip.includes('/')) continue;
    const r = rangeFor(set, ip.family, ip.value);
    const k = key(ip.family, ip.value);
    if (r && ip.value !== r.gateway && !seen.has(k)) {
      seen.add(k);
      used += 1n;
    }
  }
  return sizeOf(set) - used;
}

/**
 * Reserves the requested address in `set` for `holder`.
 * @throws {CniError} ErrCode.AddressUnavailable when it is the gateway, not in the set, or taken
 */
export function allocateRequested(store: Store, set: RangeSet, setIndex: number, holder: Required<Attachment>, ip: RequestedIP): IPConfig {
  const text = formatAddress(ip.family, ip.value);
  const r = rangeFor(set, ip.family, ip.value);
  if (!r)
    throw new CniError(
      ErrCode.AddressUnavailable,
      `cannot reserve requested address ${JSON.stringify(text)}: not in range set ${describeRangeSet(set)}`,
    );
  if (ip.value === r.gateway)
    throw new CniError(ErrCode.AddressUnavailable, `cannot reserve requested address ${JSON.stringify(text)}: it is the gateway`);
  if (!store.reserve(text, holder))
    throw new CniError(ErrCode.AddressUnavailable, `cannot reserve requested address ${JSON.stringify(text)}: in use`);
  store.setLastReserved(setIndex, text);
  return ipConfig(r, ip.value);
}

/**
 * Reserves the next free address of `set` for `holder`, round-robin after the set's cursor
 * (the reference's `RangeIter`: a cursor outside the set restarts at the first range's start).
 * @throws {CniError} ErrCode.RangeExhausted "no IP addresses available in range set ..."
 */
export function allocateNext(store: Store, set: RangeSet, setIndex: number, holder: Required<Attachment>): IPConfig {
  let rangeIdx = 0;
  let cur: bigint;
  const cursor = tryParseAddress(store.lastReserved(setIndex));
  const cursorRange = cursor && rangeFor(set, cursor.family, cursor.value);
  if (cursor && cursorRange) {
    rangeIdx = set.indexOf(cursorRange);
    cur = cursor.value;
  } else {
    // Start just before the first range's start, so that the first step lands on it.
    cur = set[0].start - 1n;
  }
  const step = () => {
    if (cur >= set[rangeIdx].end) {
      rangeIdx = (rangeIdx + 1) % set.length;
      cur = set[rangeIdx].start;
    } else cur += 1n;
  };
  let taken: Set<string> | undefined;
  let probes = 0;
  // A full cycle is at most sizeOf(set) + gateways steps; the listing below bounds it by the lease count.
  const maxSteps = sizeOf(set) + BigInt(set.length) + 1n;
  for (let steps = 0n; steps < maxSteps; steps++) {
    step();
    const r = set[rangeIdx];
    if (cur === r.gateway) continue;
    if (taken?.has(key(r.family, cur))) continue;
    const text = formatAddress(r.family, cur);
    if (store.reserve(text, holder)) {
      store.setLastReserved(setIndex, text);
      return ipConfig(r, cur);
    }
    probes += 1;
    if (!taken && probes >= PROBES_BEFORE_LISTING) {
      const leases = store.leases();
      if (countFree(set, leases) <= 0n) throw exhausted(set);
      taken = new Set();
      for (const lease of leases) {
        const k = leaseKey(lease.ip);
        if (k) taken.add(k);
      }
    } else if (taken) taken.add(key(r.family, cur));
  }
  throw exhausted(set);
}

/**
 * Gives `holder` one address in each range set: the requested address that falls in the set, else
 * the next free one. `leases` must include the holder's leases (for the duplicate check). On failure
 * the addresses reserved by this call are released again.
 * @throws {CniError} 100 when a set is exhausted; 101 for a requested address that cannot be given
 *   (in use, the gateway, outside every set, two in one set) or when the holder has an address in a
 *   set already (a duplicate ADD, refused as the reference does)
 */
export function allocateAll(
  store: Store,
  sets: readonly RangeSet[],
  holder: Required<Attachment>,
  requested: readonly RequestedIP[],
  leases: readonly Lease[],
): IPConfig[] {
  const bySet = new Map<number, RequestedIP>();
  for (const ip of requested) {
    const text = formatAddress(ip.family, ip.value);
    const idx = sets.findIndex((set) => rangeFor(set, ip.family, ip.value));
    if (idx < 0)
      throw new CniError(ErrCode.AddressUnavailable, `cannot reserve requested address ${JSON.stringify(text)}: not in any range set`);
    const other = bySet.get(idx);
    if (other && other.value !== ip.value)
      throw new CniError(
        ErrCode.AddressUnavailable,
        `cannot reserve requested address ${JSON.stringify(text)}: ${JSON.stringify(formatAddress(other.family, other.value))} is requested in the same range set ${describeRangeSet(sets[idx])}`,
      );
    bySet.set(idx, ip);
  }
  const made: string[] = [];
  try {
    return sets.map((set, i) => {
      const want = bySet.get(i);
      // A second ADD must not hand out a second address, nor return the first: the caller undoes a
      // failed ADD with DEL, which would release the address the first ADD's container still uses.
      const held = findLeaseIn(set, leases, holder);
      if (held)
        throw new CniError(
          ErrCode.AddressUnavailable,
          `cannot allocate an address for ${JSON.stringify(holder.containerId)} on ${JSON.stringify(holder.ifname)}: it holds ${JSON.stringify(held.lease.ip)} in range set ${describeRangeSet(set)} already (duplicate ADD)`,
        );
      const got = want ? allocateRequested(store, set, i, holder, want) : allocateNext(store, set, i, holder);
      made.push(got.address.slice(0, got.address.indexOf('/')));
      return got;
    });
  } catch (err) {
    for (const ip of made) store.release(ip);
    throw err;
  }
}

/** The leases of `holder` (exact ifname match; leases without ifname only when there is none). */
export function leasesOf(leases: readonly Lease[], holder: Required<Attachment>): Lease[] {
  const exact = leases.filter((l) => l.containerId === holder.containerId && l.ifname === holder.ifname);
  if (exact.length > 0) return exact;
  // The reference's backwards compatibility: files holding only the container ID.
  return leases.filter((l) => l.containerId === holder.containerId && l.ifname === undefined);
}

/**
 * The leases GC releases: those whose attachment is not among `valid`. A lease without ifname (old
 * format) stays while any valid attachment has its container ID.
 */
export function selectGarbage(leases: readonly Lease[], valid: readonly Required<Attachment>[]): Lease[] {
  const exact = new Set(valid.map((a) => `${a.containerId}\n${a.ifname}`));
  const ids = new Set(valid.map((a) => a.containerId));
  return leases.filter((l) => (l.ifname === undefined ? !ids.has(l.containerId) : !exact.has(`${l.containerId}\n${l.ifname}`)));
}
