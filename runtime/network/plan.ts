/**
 * A container's networking from `berth run` flags, as Docker 20.10 reads them: the network mode,
 * the networks to attach in order (eth0, eth1, ...), each with its endpoint settings, and the
 * published ports. Pure.
 */
import { parsePortSpec, portRangeParts, type PortRequest } from '../../network/ports.js';
import { SettingError } from '../errors.js';

export interface NetworkFlags {
  /** --network, in order; empty: the default `bridge`. */
  networks: string[];
  ip?: string;
  ip6?: string;
  mac?: string;
  aliases: string[];
  publish: string[];
  publishAll: boolean;
}

/** Docker's EndpointSettings as a container's config keeps them (NetworkingConfig.EndpointsConfig). */
export interface EndpointConfig {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases: string[] | null;
  MacAddress: string;
}

/** Docker's HostConfig.PortBindings: "80/tcp" -> [{HostIp, HostPort}] ("" means any / a free one). */
export type PortBindings = Record<string, Array<{ HostIp: string; HostPort: string }>>;

export interface NetworkingPlan {
  /**
   * HostConfig.NetworkMode: none, host, container:ID-OR-NAME, bridge or a network name, or
   * `default` without --network (dockerd's name for joining the default bridge network).
   */
  mode: string;
  /** The CNI networks, first = eth0; empty for none, host and container:. */
  endpoints: Array<{ name: string; config: EndpointConfig }>;
  portBindings: PortBindings;
  publishAll: boolean;
}

/** The default network: Docker's docker0 network, named `bridge` as in Docker. */
export const DEFAULT_NETWORK = 'bridge';
/** NetworkMode without --network: on the default network, as `bridge` is. */
export const DEFAULT_MODE = 'default';

/** Docker's default address pools: 172.17-31.0.0/16 (the first is the default `bridge` network's), then /20s of 192.168.0.0/16. */
export const DOCKER_POOLS: ReadonlyArray<readonly [pool: string, size: number]> = [
  ...Array.from({ length: 15 }, (_, i) => [`172.${17 + i}.0.0/16`, 16] as const),
  ['192.168.0.0/16', 20],
];

/** Network modes that are no CNI network. */
/**
 * dockerd's validateNetworkingConfig: a fixed address of a family only on a network whose subnet
 * of that family the user gave (a network made without --subnet has only picked ones).
 * @throws {Error} with dockerd's words
 */
export function checkFixedAddress(
  net: { subnets: readonly string[]; pickedSubnets?: readonly string[] },
  ipam: EndpointConfig['IPAMConfig'],
): void {
  const given = net.subnets.filter((s) => !(net.pickedSubnets ?? []).includes(s));
  for (const [address, v6] of [
    [ipam?.IPv4Address, false],
    [ipam?.IPv6Address, true],
  ] as const)
    if (address && !given.some((s) => s.includes(':') === v6))
      throw new Error('user specified IP address is supported only when connecting to networks with user configured subnets');
}

export const isSpecialMode = (mode: string) => mode === 'none' || mode === 'host' || mode.startsWith('container:');

/**
 * Expands one -p value with port ranges (`8000-8001:80-81/udp`, `80-81`) into single-port specs.
 * @throws {Error} on unequal ranges or a reversed range
 */
export function expandPortRanges(spec: string): string[] {
  const slash = spec.lastIndexOf('/');
  const proto = slash >= 0 ? spec.slice(slash) : '';
  const body = slash >= 0 ? spec.slice(0, slash) : spec;
  const bracket = body.startsWith('[') ? body.indexOf(']:') + 2 : 0;
  const parts = body.slice(bracket).split(':');
  const prefix = body.slice(0, bracket);
  const range = (text: string): [number, number] | undefined => {
    const m = portRangeParts(text);
    if (!m) return undefined;
    const [lo, hi] = [Number(m[0]), Number(m[1])];
    if (lo > hi) throw new Error(`invalid port range ${JSON.stringify(text)} in ${JSON.stringify(spec)}: start after end`);
    return [lo, hi];
  };
  const ctrText = parts[parts.length - 1];
  const hostText = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const ctr = range(ctrText);
  const host = hostText === undefined ? undefined : range(hostText);
  if (!ctr) return [spec]; // one container port: a host range asks for its first free port (docker)
  const n = ctr[1] - ctr[0] + 1;
  if (host && host[1] - host[0] + 1 !== n)
    throw new Error(`invalid ranges specified for container and host Ports: ${ctrText} and ${hostText}`);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = [...parts];
    p[p.length - 1] = String(ctr[0] + i);
    if (host) p[p.length - 2] = String(host[0] + i);
    out.push(`${prefix}${p.join(':')}${proto}`);
  }
  return out;
}

/** Every -p value, ranges expanded, parsed. @throws {Error} naming the bad value */
export function parsePublish(specs: readonly string[]): PortRequest[] {
  return specs.flatMap(expandPortRanges).map((s) => parsePortSpec(s));
}

/** "80/tcp" keys of the image's ExposedPorts as requests for a free host port (-P). */
export function exposedRequests(exposed: readonly string[]): PortRequest[] {
  return exposed.map((key) => {
    const [port, proto = 'tcp'] = key.split('/');
    return parsePortSpec(`${port}/${proto}`);
  });
}

/** Docker's PortBindings of the -p requests. */
export function portBindingsOf(reqs: readonly PortRequest[]): PortBindings {
  const out: PortBindings = {};
  for (const r of reqs)
    (out[`${r.containerPort}/${r.protocol}`] ??= []).push({
      HostIp: r.hostIP ?? '',
      HostPort: r.hostPort === undefined ? '' : r.hostPortEnd ? `${r.hostPort}-${r.hostPortEnd}` : String(r.hostPort),
    });
  return out;
}

/**
 * The networking of a container, every conflict refused with Docker's wording.
 * @throws {Error}
 */
export function planNetworking(f: NetworkFlags): NetworkingPlan {
  const names = f.networks.length ? [...new Set(f.networks)] : [DEFAULT_NETWORK];
  const mode = names[0];
  if (names.length > 1 && names.some(isSpecialMode))
    throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  if (mode.startsWith('container:') && mode.length === 'container:'.length)
    throw new Error('--network container: needs a container name or ID');
  const userDefined = !isSpecialMode(mode) && mode !== DEFAULT_NETWORK;
  if ((f.ip || f.ip6) && !userDefined) throw new Error('user specified IP address is supported on user defined networks only');
  if (f.aliases.length && !userDefined) throw new Error('network-scoped alias is supported only for containers in user defined networks');
  // The docker CLI's check (net.ParseMAC, 6-byte forms), before anything is made.
  if (f.mac && !/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(f.mac))
    throw new SettingError(`${f.mac} is not a valid mac address`, 'flag');
  if (f.mac && (mode === 'host' || mode.startsWith('container:'))) throw new Error('conflicting options: mac-address and the network mode');
  const reqs = parsePublish(f.publish);
  if ((reqs.length || f.publishAll) && mode.startsWith('container:'))
    throw new Error('conflicting options: port publishing and the container type network mode');
  if (isSpecialMode(mode))
    return { mode, endpoints: [], portBindings: mode === 'host' ? {} : portBindingsOf(reqs), publishAll: f.publishAll };
  const endpoints = names.map((name, i) => ({
    name,
    config: {
      IPAMConfig: i === 0 && (f.ip || f.ip6) ? { ...(f.ip && { IPv4Address: f.ip }), ...(f.ip6 && { IPv6Address: f.ip6 }) } : null,
      Aliases: i === 0 && f.aliases.length ? [...f.aliases] : null,
      MacAddress: i === 0 ? (f.mac ?? '') : '',
    },
  }));
  return { mode: f.networks.length ? mode : DEFAULT_MODE, endpoints, portBindings: portBindingsOf(reqs), publishAll: f.publishAll };
}

/** The -p requests back from PortBindings (what a start publishes). */
export function requestsOf(bindings: PortBindings): PortRequest[] {
  const out: PortRequest[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const [port, proto] = key.split('/');
    for (const b of list) {
      const host = b.HostIp ? (b.HostIp.includes(':') ? `[${b.HostIp}]:` : `${b.HostIp}:`) : '';
      out.push(
        parsePortSpec(host ? `${host}${b.HostPort}:${port}/${proto}` : b.HostPort ? `${b.HostPort}:${port}/${proto}` : `${port}/${proto}`),
      );
    }
  }
  return out;
}
