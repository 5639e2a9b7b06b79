/** Port mappings as firewall elements (DNAT maps, SNAT for localhost and hairpin). Pure. */
import { formatIP, formatPrefix, networkOf, parseIP, tryParsePrefix, type Prefix } from '../cni/ip.js';
import type { Result } from '../cni/types.js';
import { SETS } from '../firewall/layout.js';
import type { Element } from '../firewall/render.js';
import type { PortMapping } from './config.js';

/** The container's first address of each family in prevResult (as the reference uses them). */
export interface ContainerAddrs {
  v4?: Prefix;
  v6?: Prefix;
}

/** Addresses of the container from prevResult: ips whose interface is inside a sandbox, else any. */
export function containerAddrs(prev: Result): ContainerAddrs {
  const ifaces = prev.interfaces ?? [];
  const inSandbox = (i?: number) => i === undefined || ifaces.length === 0 || !!ifaces[i]?.sandbox;
  const out: ContainerAddrs = {};
  for (const pass of [true, false]) {
    for (const ip of prev.ips ?? []) {
      if (pass && !inSandbox(ip.interface)) continue;
      const p = tryParsePrefix(ip.address);
      if (!p) continue;
      if (p.ip.family === 4) out.v4 ??= p;
      else out.v6 ??= p;
    }
    if (out.v4 || out.v6) break;
  }
  return out;
}

/** The host-side interface that reaches the container: the first interface without a sandbox (the bridge in a bridge result). */
export function hostInterfaceOf(prev: Result): string | undefined {
  return (prev.interfaces ?? []).find((i) => !i.sandbox && i.name)?.name;
}

/** "host port 8080/tcp" or "host port 8080/tcp on 192.0.2.1" (IPv6 said so). */
function describeHostPort(m: PortMapping, family: 4 | 6): string {
  return `host port ${m.hostPort}/${m.protocol}${m.hostIP ? ` on ${m.hostIP}` : family === 6 ? ' (IPv6)' : ''}`;
}

/**
 * The elements of an attachment's port mappings: per mapping and per family of the container's
 * addresses, a DNAT map element (hostip4/6 when hostIP restricts it, else hostport4/6), marked
 * exclusive (a host port belongs to one container); with `snat`, per address, the SNAT elements
 * for connections from 127.0.0.0/8 (IPv4) and from the container's own subnet (hairpin).
 * A mapping whose hostIP is of a family the container has no address of is left out, as in the reference.
 */
export function portmapElements(mappings: readonly PortMapping[], addrs: ContainerAddrs, opts: { snat: boolean }): Element[] {
  const out: Element[] = [];
  for (const m of mappings) {
    const hostFamily = m.hostIP ? parseIP(m.hostIP).family : undefined;
    const anyAddress = m.hostIP === '0.0.0.0' || m.hostIP === '::';
    for (const family of [4, 6] as const) {
      const addr = family === 4 ? addrs.v4 : addrs.v6;
      if (!addr || (hostFamily !== undefined && hostFamily !== family)) continue;
      const to = `${formatIP(addr.ip)} . ${m.containerPort}`;
      const what = describeHostPort(m, family);
      if (m.hostIP && !anyAddress)
        out.push({ feature: 'portmap', set: family === 4 ? SETS.hostip4 : SETS.hostip6, key: `${m.hostIP} . ${m.protocol} . ${m.hostPort}`, value: to, exclusive: true, what });
      else
        out.push({ feature: 'portmap', set: family === 4 ? SETS.hostport4 : SETS.hostport6, key: `${m.protocol} . ${m.hostPort}`, value: to, exclusive: true, what });
    }
  }
  if (opts.snat && out.length > 0) {
    if (addrs.v4 && out.some((e) => e.set === SETS.hostip4 || e.set === SETS.hostport4)) {
      const a = formatIP(addrs.v4.ip);
      out.push({ feature: 'portmap', set: SETS.pmsnat4, key: `127.0.0.0/8 . ${a}` });
      out.push({ feature: 'portmap', set: SETS.pmsnat4, key: `${formatPrefix({ ip: networkOf(addrs.v4), length: addrs.v4.length })} . ${a}` });
    }
    if (addrs.v6 && out.some((e) => e.set === SETS.hostip6 || e.set === SETS.hostport6)) {
      const a = formatIP(addrs.v6.ip);
      out.push({ feature: 'portmap', set: SETS.pmsnat6, key: `${formatPrefix({ ip: networkOf(addrs.v6), length: addrs.v6.length })} . ${a}` });
    }
  }
  return out;
}

/** The conntrack deletions that flush stale UDP entries of these mappings: argv for `conntrack`. */
export function conntrackFlushArgs(mappings: readonly PortMapping[], addrs: ContainerAddrs): string[][] {
  const out: string[][] = [];
  for (const m of mappings) {
    if (m.protocol !== 'udp') continue;
    for (const family of [4, 6] as const) {
      if (!(family === 4 ? addrs.v4 : addrs.v6)) continue;
      if (m.hostIP && parseIP(m.hostIP).family !== family) continue;
      const dst = m.hostIP && m.hostIP !== '0.0.0.0' && m.hostIP !== '::' ? ['--orig-dst', m.hostIP] : [];
      out.push(['-D', '-f', family === 4 ? 'ipv4' : 'ipv6', '-p', 'udp', '--orig-port-dst', String(m.hostPort), ...dst]);
    }
  }
  return out;
}
