/**
 * Published ports (`-p`), as `docker run -p` takes them, and the choice of a free host port for a
 * port published without one. Pure: the ports in use come as data.
 */
import { formatIP, tryParseIP } from '../cni/ip.js';
import { NetctlError, UsageError } from './errors.js';

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** One -p: the host port may be missing (a free one is picked). */
export interface PortRequest {
  hostIP?: string;
  hostPort?: number;
  /** With hostPort: the first free port of hostPort-hostPortEnd is taken (`-p 8082-8083:80`, as docker). */
  hostPortEnd?: number;
  containerPort: number;
  protocol: Protocol;
}

/** The CNI `portMappings` capability entry (CONVENTIONS.md). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  hostIP?: string;
}

/** A host port already taken, by a mapping or a listening socket. An empty hostIP means every address. */
export interface UsedPort {
  protocol: Protocol;
  port: number;
  hostIP?: string;
  owner: string;
}

/**
 * Whether `text` is 1 to `max` ASCII digits. Loops, not regular expressions: a run parses its -p
 * values once, cold, and each expression compiles at its first use.
 */
function isDigits(text: string, max = Infinity): boolean {
  if (text.length === 0 || text.length > max) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 48 || text.charCodeAt(i) > 57) return false;
  return true;
}

const isZeros = (text: string) => isDigits(text) && Number(text) === 0;

/** "8000-8001" as the texts of its two numbers, or undefined. */
export function portRangeParts(text: string): [string, string] | undefined {
  const dash = text.indexOf('-');
  const [lo, hi] = [text.slice(0, dash), text.slice(dash + 1)];
  return dash >= 0 && isDigits(lo) && isDigits(hi) ? [lo, hi] : undefined;
}

function parsePort(text: string, spec: string, what: string): number {
  if (!isDigits(text, 5)) throw new UsageError(`invalid port ${JSON.stringify(spec)}: ${what} ${JSON.stringify(text)} is not a number`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new UsageError(`invalid port ${JSON.stringify(spec)}: ${what} ${n} is outside 1-65535`);
  return n;
}

/**
 * Parses one -p value: CONTAINERPORT, HOSTPORT:CONTAINERPORT, HOSTIP:HOSTPORT:CONTAINERPORT or
 * HOSTIP::CONTAINERPORT, each with an optional /tcp, /udp or /sctp (default tcp). An IPv6 host
 * address is written in brackets: [::1]:8080:80. Host port 0 and an empty host address mean any,
 * as in Docker (`0:80`, `::80`).
 * @throws {UsageError} naming the value
 * @example parsePortSpec('8080:80/udp') // { hostPort: 8080, containerPort: 80, protocol: 'udp' }
 */
export function parsePortSpec(spec: string): PortRequest {
  let rest = spec;
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (!(PROTOCOLS as readonly string[]).includes(p))
      throw new UsageError(
        `invalid port ${JSON.stringify(spec)}: protocol ${JSON.stringify(rest.slice(slash + 1))} is not tcp, udp or sctp`,
      );
    protocol = p as Protocol;
    rest = rest.slice(0, slash);
  }
  let hostIP: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']:');
    if (close < 0) throw new UsageError(`invalid port ${JSON.stringify(spec)}: unterminated "[" around the host address`);
    hostIP = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (hostIP === undefined && parts.length === 3) hostIP = parts.shift()!;
  if (parts.length > 2 || parts.some((p, i) => p === '' && !(i === 0 && parts.length === 2 && hostIP !== undefined)))
    throw new UsageError(`invalid port ${JSON.stringify(spec)}: must be [[HOSTIP:]HOSTPORT:]CONTAINERPORT[/PROTOCOL]`);
  const req: PortRequest = { containerPort: parsePort(parts[parts.length - 1], spec, 'container port'), protocol };
  // Host port 0 asks for a free one, as an empty one does (Docker's allocator takes 0 as "any").
  const hostRange = parts.length === 2 ? portRangeParts(parts[0]) : undefined;
  if (hostRange) {
    const [lo, hi] = [parsePort(hostRange[0], spec, 'host port'), parsePort(hostRange[1], spec, 'host port')];
    if (lo > hi) throw new UsageError(`invalid port range ${JSON.stringify(parts[0])} in ${JSON.stringify(spec)}: start after end`);
    req.hostPort = lo;
    if (hi > lo) req.hostPortEnd = hi;
  } else if (parts.length === 2 && parts[0] !== '' && !isZeros(parts[0])) req.hostPort = parsePort(parts[0], spec, 'host port');
  // An empty host address ("::80") is every address, as 0.0.0.0 is.
  if (hostIP !== undefined && hostIP !== '') {
    const ip = tryParseIP(hostIP);
    if (!ip) throw new UsageError(`invalid port ${JSON.stringify(spec)}: host address ${JSON.stringify(hostIP)} is not an IP address`);
    const canonical = formatIP(ip);
    if (canonical !== '0.0.0.0' && canonical !== '::') req.hostIP = canonical;
  }
  return req;
}

/** True when a mapping of (protocol, port, hostIP) would clash with `used`. */
export function isPortUsed(used: readonly UsedPort[], protocol: Protocol, port: number, hostIP?: string): UsedPort | undefined {
  return used.find((u) => u.protocol === protocol && u.port === port && (!u.hostIP || !hostIP || u.hostIP === hostIP));
}

/**
 * Gives every request a host port: explicit ones are checked against `used` and each other; a host
 * range gets its first free port; the others the first free port of `range` from `start` on
 * (wrapping), so counting up from the range's start per protocol, as docker's port allocator.
 * @throws {UsageError} when the same host port is asked twice
 * @throws {NetctlError} when an explicit host port is in use, or the range has no free port
 */
export function assignHostPorts(
  reqs: readonly PortRequest[],
  used: readonly UsedPort[],
  range: readonly [number, number],
  start = range[0],
): PortMapping[] {
  const taken: UsedPort[] = [...used];
  const out: PortMapping[] = [];
  const fixed = (q: PortRequest) => q.hostPort !== undefined && q.hostPortEnd === undefined;
  for (const r of reqs.filter(fixed)) {
    const mine = isPortUsed(
      out.map((m) => ({ protocol: m.protocol, port: m.hostPort, hostIP: m.hostIP, owner: '' })),
      r.protocol,
      r.hostPort!,
      r.hostIP,
    );
    if (mine) throw new UsageError(`invalid ports: host port ${r.hostPort}/${r.protocol} is published twice`);
    const clash = isPortUsed(taken, r.protocol, r.hostPort!, r.hostIP);
    if (clash) throw new NetctlError(`host port ${r.hostPort}/${r.protocol} is already in use by ${clash.owner}`);
    out.push({ hostPort: r.hostPort!, containerPort: r.containerPort, protocol: r.protocol, ...(r.hostIP && { hostIP: r.hostIP }) });
  }
  for (const m of out) taken.push({ protocol: m.protocol, port: m.hostPort, hostIP: m.hostIP, owner: 'this attachment' });
  const result: PortMapping[] = [];
  for (const r of reqs) {
    if (fixed(r)) {
      result.push(out.find((m) => m.hostPort === r.hostPort && m.protocol === r.protocol && m.containerPort === r.containerPort)!);
      continue;
    }
    // Each its own lowest free port of the (protocol, address) from `start`, as docker's allocator counts per protocol.
    const [lo, hi] = r.hostPortEnd === undefined ? range : [r.hostPort!, r.hostPortEnd];
    const port = firstFree(taken, r, lo, hi, r.hostPortEnd === undefined ? start : lo);
    if (port === undefined) throw new NetctlError(`no free host port for ${r.containerPort}/${r.protocol} in ${lo}-${hi}`);
    const m: PortMapping = { hostPort: port, containerPort: r.containerPort, protocol: r.protocol, ...(r.hostIP && { hostIP: r.hostIP }) };
    taken.push({ protocol: m.protocol, port, hostIP: m.hostIP, owner: 'this attachment' });
    result.push(m);
  }
  return result;
}

/** The first port of lo-hi from `start` on (wrapping) that `taken` leaves free for `r`. */
function firstFree(taken: readonly UsedPort[], r: PortRequest, lo: number, hi: number, start: number): number | undefined {
  const size = hi - lo + 1;
  const from = start < lo || start > hi ? lo : start;
  for (let i = 0; i < size; i++) {
    const candidate = lo + ((from - lo + i) % size);
    if (!isPortUsed(taken, r.protocol, candidate, r.hostIP)) return candidate;
  }
  return undefined;
}

/** "80/tcp -> 0.0.0.0:32768", as `docker port` prints a mapping. */
export function describeMapping(m: PortMapping): string {
  const host = m.hostIP ? (m.hostIP.includes(':') ? `[${m.hostIP}]` : m.hostIP) : '0.0.0.0';
  return `${m.containerPort}/${m.protocol} -> ${host}:${m.hostPort}`;
}

/** The mappings in a cached attachment's capability args (tolerant of other tools' entries). */
export function mappingsOf(capabilityArgs: Readonly<Record<string, unknown>> | undefined): PortMapping[] {
  const raw = capabilityArgs?.portMappings;
  if (!Array.isArray(raw)) return [];
  const out: PortMapping[] = [];
  for (const m of raw) {
    if (m === null || typeof m !== 'object') continue;
    const { hostPort, containerPort, protocol, hostIP } = m as Record<string, unknown>;
    if (typeof hostPort !== 'number' || typeof containerPort !== 'number') continue;
    const proto =
      typeof protocol === 'string' && (PROTOCOLS as readonly string[]).includes(protocol.toLowerCase())
        ? (protocol.toLowerCase() as Protocol)
        : 'tcp';
    out.push({ hostPort, containerPort, protocol: proto, ...(typeof hostIP === 'string' && hostIP !== '' && { hostIP }) });
  }
  return out;
}

/** A socket bound on the host, as kernel/sock-diag.ts reports it (address: 16 bytes, IPv4 in the first 4). */
export interface HostSocket {
  protocol: 'tcp' | 'udp';
  family: 4 | 6;
  port: number;
  address: Uint8Array;
}

/** The host ports that bound sockets hold: a port 0 holds none; an any-address holds every address. */
export function usedBySockets(sockets: readonly HostSocket[]): UsedPort[] {
  const out: UsedPort[] = [];
  for (const s of sockets) {
    if (!s.port) continue;
    const bytes = s.address.subarray(0, s.family === 4 ? 4 : 16);
    const any = bytes.every((b) => b === 0);
    let value = 0n;
    for (const b of bytes) value = (value << 8n) | BigInt(b);
    out.push({
      protocol: s.protocol,
      port: s.port,
      ...(!any && { hostIP: formatIP({ family: s.family, value }) }),
      owner: `a listening ${s.protocol} socket on the host`,
    });
  }
  return out;
}

/** "32768\t60999" (net.ipv4.ip_local_port_range) → [32768, 60999]; Linux's default when unreadable. */
export function parsePortRange(text: string | undefined): [number, number] {
  const m = text?.trim().match(/^(\d+)\s+(\d+)$/);
  if (!m) return [32768, 60999];
  const lo = Number(m[1]),
    hi = Number(m[2]);
  return lo >= 1 && hi <= 65535 && lo <= hi ? [lo, hi] : [32768, 60999];
}
