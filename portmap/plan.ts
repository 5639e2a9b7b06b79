/** Port mappings as firewall elements (DNAT maps, SNAT for localhost and hairpin). Pure. */
import { formatIP, formatPrefix, networkOf, parseIP, tryParsePrefix, type Prefix } from '../cni/ip.js';
import type { Result } from '../cni/types.js';
import { SETS } from '../firewall/layout.js';
import { element, renderChain, subnetChain, type Element } from '../firewall/render.js';
import type { UdpFlows } from '../kernel/conntrack.js';
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
      const extra = {
        data: { parts: [{ ip: formatIP(addr.ip) }, { port: m.containerPort }] },
        exclusive: true,
        what: describeHostPort(m, family),
      };
      if (m.hostIP && !anyAddress)
        out.push(
          element(
            'portmap',
            family === 4 ? SETS.hostip4 : SETS.hostip6,
            [{ ip: m.hostIP }, { proto: m.protocol }, { port: m.hostPort }],
            extra,
          ),
        );
      else
        out.push(element('portmap', family === 4 ? SETS.hostport4 : SETS.hostport6, [{ proto: m.protocol }, { port: m.hostPort }], extra));
    }
  }
  if (opts.snat)
    for (const [addr, dnat, snat] of [
      [addrs.v4, [SETS.hostip4, SETS.hostport4], SETS.pmsnat4],
      [addrs.v6, [SETS.hostip6, SETS.hostport6], SETS.pmsnat6],
    ] as const)
      if (addr && out.some((e) => (dnat as readonly string[]).includes(e.set)))
        out.push(element('portmap', snat, [{ ip: formatIP(addr.ip) }], { data: { jump: subnetChain('pm', addr) } }));
  return out;
}

/**
 * The per-subnet SNAT chains the pmsnat elements jump to: masquerade DNATed connections from the
 * subnet (hairpin) and, IPv4 only, from 127.0.0.0/8 (localhost; IPv6 has no route_localnet).
 */
export function portmapChains(elements: readonly Element[], addrs: ContainerAddrs): string {
  let out = '';
  for (const addr of [addrs.v4, addrs.v6]) {
    if (!addr || !elements.some((e) => e.set === (addr.ip.family === 4 ? SETS.pmsnat4 : SETS.pmsnat6))) continue;
    const subnet = formatPrefix({ ip: networkOf(addr), length: addr.length });
    out += renderChain(subnetChain('pm', addr), [
      addr.ip.family === 4 ? `ip saddr { 127.0.0.0/8, ${subnet} } masquerade` : `ip6 saddr ${subnet} masquerade`,
    ]);
  }
  return out;
}

/**
 * The conntrack deletions that flush stale UDP entries of these mappings, for the families given:
 * the flows to each UDP host port (and to its hostIP, when it has one).
 */
export function udpFlushes(mappings: readonly PortMapping[], families: { v4: boolean; v6: boolean }): UdpFlows[] {
  const out: UdpFlows[] = [];
  for (const m of mappings) {
    if (m.protocol !== 'udp') continue;
    for (const family of [4, 6] as const) {
      if (!(family === 4 ? families.v4 : families.v6)) continue;
      if (m.hostIP && parseIP(m.hostIP).family !== family) continue;
      out.push({ family, port: m.hostPort, ...(m.hostIP && m.hostIP !== '0.0.0.0' && m.hostIP !== '::' && { dst: m.hostIP }) });
    }
  }
  return out;
}
