/**
 * IP addresses and prefixes as bigints, for the hot path of every CNI call. Pure. Our own rather
 * than `ip-address`, whose load slows every plugin start (docs/internals/speed.md).
 */
import { formatIPv6Groups } from '../lib/ipv6-text.js';

export interface IP {
  family: 4 | 6;
  value: bigint;
}

export interface Prefix {
  /** The address as written (may have host bits). */
  ip: IP;
  length: number;
}

const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DOT = 46;

/**
 * A dotted quad's value (each part 0-255, no leading zero). A loop over char codes, not a split and
 * a regular expression per part: addresses are parsed in many cold steps of a call, each a first run.
 */
function parseV4(text: string): bigint | undefined {
  let value = 0;
  let parts = 0;
  let part = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT; // the end closes the last part
    if (c === DOT) {
      if (digits === 0 || part > 255 || ++parts > 4) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && !(digits === 1 && part === 0) && digits < 3) {
      part = part * 10 + c - 48;
      digits++;
    } else return undefined;
  }
  return parts === 4 ? BigInt(value) : undefined;
}

/** The value of 1 to `maxDigits` ASCII digits, or undefined. */
function decimal(text: string, maxDigits: number): number | undefined {
  if (text.length === 0 || text.length > maxDigits) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + c - 48;
  }
  return n;
}

function parseV6(text: string): bigint | undefined {
  if (text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (V6_GROUP.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses "192.0.2.1" or "2001:db8::1". @throws {SyntaxError} if not an IP address */
export function parseIP(text: string): IP {
  const ip = tryParseIP(text);
  if (!ip) throw new SyntaxError(`${JSON.stringify(text)} is not an IP address`);
  return ip;
}

export function tryParseIP(text: unknown): IP | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.includes(':')) {
    const v = parseV6(text);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(text);
  return v === undefined ? undefined : { family: 4, value: v };
}

export const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

/** Canonical text: dotted quad, or RFC 5952 for IPv6 (lower case, longest zero run compressed). */
export function formatIP(ip: IP): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  return formatIPv6Groups(groups);
}

/** Parses "192.0.2.5/24". @throws {SyntaxError} if not an address with a prefix length */
export function parsePrefix(text: string): Prefix {
  const p = tryParsePrefix(text);
  if (!p) throw new SyntaxError(`${JSON.stringify(text)} is not a CIDR (address/prefix length)`);
  return p;
}

export function tryParsePrefix(text: unknown): Prefix | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = tryParseIP(text.slice(0, slash));
  const length = decimal(text.slice(slash + 1), 3);
  if (!ip || length === undefined || length > bitsOf(ip.family)) return undefined;
  return { ip, length };
}

function hostMask(family: 4 | 6, length: number): bigint {
  return (1n << BigInt(bitsOf(family) - length)) - 1n;
}

/** The network address of a prefix (host bits cleared). */
export function networkOf(p: Prefix): IP {
  return { family: p.ip.family, value: p.ip.value & ~hostMask(p.ip.family, p.length) };
}

/** The last address of a prefix (all host bits set: the IPv4 broadcast). */
export function lastOf(p: Prefix): IP {
  return { family: p.ip.family, value: p.ip.value | hostMask(p.ip.family, p.length) };
}

export function hasHostBits(p: Prefix): boolean {
  return (p.ip.value & hostMask(p.ip.family, p.length)) !== 0n;
}

export function contains(p: Prefix, ip: IP): boolean {
  return ip.family === p.ip.family && networkOf(p).value === networkOf({ ip, length: p.length }).value;
}

export function addToIP(ip: IP, n: bigint): IP {
  return { family: ip.family, value: ip.value + n };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIP(p.ip)}/${p.length}`;
}

/** "192.0.2.5/24" → "192.0.2.0/24" */
export function networkCidr(text: string): string {
  const p = parsePrefix(text);
  return formatPrefix({ ip: networkOf(p), length: p.length });
}

/** True when the two prefixes share any address. */
export function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.ip.family !== b.ip.family) return false;
  const shorter = a.length <= b.length ? a : b;
  const other = shorter === a ? b : a;
  return contains(shorter, other.ip);
}
