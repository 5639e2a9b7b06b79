/** The host ports netctl must not hand out: those of other containers' mappings and of listening sockets. */
import { readFile } from 'node:fs/promises';
import type { CacheEntry } from '../cni/cache.js';
import { boundSockets } from '../kernel/sock-diag.js';
import { mappingsOf, parsePortRange, usedBySockets, type UsedPort } from './ports.js';

/**
 * Host ports in use: the mappings of `cached` (every cached attachment, all networks) and the host's
 * listening sockets, those of `protocols` only (the ones asked for: a TCP port never clashes with a
 * UDP socket).
 */
export function usedPorts(cached: readonly CacheEntry[], protocols: ReadonlyArray<'tcp' | 'udp'> = ['tcp', 'udp']): UsedPort[] {
  const used: UsedPort[] = [];
  for (const e of cached)
    for (const m of mappingsOf(e.capabilityArgs))
      used.push({
        protocol: m.protocol,
        port: m.hostPort,
        hostIP: m.hostIP,
        owner: `container ${JSON.stringify(e.containerId)} on network ${JSON.stringify(e.networkName)}`,
      });
  // The sockets of this process's network namespace: the host's.
  used.push(...usedBySockets(boundSockets(protocols)));
  return used;
}

/** The host's ephemeral port range, where a port is picked for a mapping without a host port. */
export async function portRange(): Promise<[number, number]> {
  try {
    return parsePortRange(await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'));
  } catch {
    return parsePortRange(undefined);
  }
}
