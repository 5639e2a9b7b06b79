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

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
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
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
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
  const lenText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText)) return undefined;
  const length = Number(lenText);
  if (length > bitsOf(ip.family)) return undefined;
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
