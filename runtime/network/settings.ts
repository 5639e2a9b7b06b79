/**
 * What `inspect`, `ps` and `port` show of a container's networks, in Docker 20.10's shapes, from
 * its record and its cached CNI attachments. Pure.
 */
import { sha256Hex as sha256 } from '../../lib/random-hex.js';
import { networkId } from '../../network/names.js';
import type { Result } from '../../cni/types.js';
import { describeMapping, type PortMapping } from '../../network/ports.js';
import type { ContainerRecord } from '../record.js';
import { DEFAULT_NETWORK, isSpecialMode } from './plan.js';

/** One cached attachment, as the settings need it. */
export interface AttachmentInfo {
  network: string;
  ifName: string;
  result: Result;
  mappings: PortMapping[];
}

/** Docker's EndpointSettings of one attachment. */
function endpointOf(rec: ContainerRecord, a: AttachmentInfo) {
  const own = a.result.interfaces?.findIndex((i) => i.name === a.ifName && i.sandbox !== undefined) ?? -1;
  const ips = (a.result.ips ?? []).filter((ip) => own < 0 || ip.interface === undefined || ip.interface === own);
  const v4 = ips.find((ip) => !ip.address.includes(':'));
  const v6 = ips.find((ip) => ip.address.includes(':'));
  const cfg = rec.NetworkingConfig?.EndpointsConfig[a.network];
  const userDefined = a.network !== DEFAULT_NETWORK;
  return {
    IPAMConfig: cfg?.IPAMConfig ?? null,
    Links: null,
    // Docker adds the short ID as an alias on user-defined networks.
    Aliases: userDefined ? [...(cfg?.Aliases ?? []), rec.Id.slice(0, 12)] : null,
    NetworkID: networkId(a.network),
    EndpointID: sha256(`${rec.Id}/${a.network}/${a.ifName}`),
    Gateway: v4?.gateway ?? '',
    IPAddress: v4 ? v4.address.split('/')[0] : '',
    IPPrefixLen: v4 ? Number(v4.address.split('/')[1]) : 0,
    IPv6Gateway: v6?.gateway ?? '',
    GlobalIPv6Address: v6 ? v6.address.split('/')[0] : '',
    GlobalIPv6PrefixLen: v6 ? Number(v6.address.split('/')[1]) : 0,
    MacAddress: own >= 0 ? (a.result.interfaces![own].mac ?? '') : '',
    DriverOpts: null,
  };
}

/** NetworkSettings.Ports: every exposed or published port; host bindings while running. */
export function portsOf(
  rec: ContainerRecord,
  attachments: readonly AttachmentInfo[],
): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of [...Object.keys(rec.Config.ExposedPorts ?? {}), ...Object.keys(rec.HostConfig.PortBindings ?? {})]) out[key] = null;
  for (const a of attachments)
    for (const m of a.mappings)
      (out[`${m.containerPort}/${m.protocol}`] ??= [])!.push({ HostIp: m.hostIP ?? '0.0.0.0', HostPort: String(m.hostPort) });
  return out;
}

/** Docker's NetworkSettings. `sandboxKey`: the netns path while running, else "". */
export function renderNetworkSettings(rec: ContainerRecord, attachments: readonly AttachmentInfo[], sandboxKey: string) {
  const mode = rec.HostConfig.NetworkMode;
  const networks: Record<string, unknown> = {};
  if (isSpecialMode(mode)) networks[mode.startsWith('container:') ? 'container' : mode] = {};
  for (const a of attachments) networks[a.network] = endpointOf(rec, a);
  const onBridge = attachments.find((a) => a.network === DEFAULT_NETWORK);
  const legacy = onBridge ? endpointOf(rec, onBridge) : undefined;
  return {
    Bridge: '',
    SandboxID: sandboxKey ? sha256(sandboxKey) : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: sandboxKey ? portsOf(rec, attachments) : {},
    SandboxKey: sandboxKey,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    // The top-level fields describe the default bridge network only, as in Docker.
    EndpointID: legacy?.EndpointID ?? '',
    Gateway: legacy?.Gateway ?? '',
    GlobalIPv6Address: legacy?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: legacy?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: legacy?.IPAddress ?? '',
    IPPrefixLen: legacy?.IPPrefixLen ?? 0,
    IPv6Gateway: legacy?.IPv6Gateway ?? '',
    MacAddress: legacy?.MacAddress ?? '',
    Networks: networks,
  };
}

/** One row of `ps` PORTS before grouping: Docker's types.Port (IP "" and public 0 when only exposed). */
interface PsPort {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/**
 * The PORTS column as docker 20.10's DisplayablePorts writes it: sorted by container port, runs of
 * consecutive ports mapped to themselves (or only exposed) grouped as `7000-7002`, other mappings
 * listed after the groups.
 * @example renderPsPorts(rec, attachments) // "443/tcp, 0.0.0.0:8080->80/tcp"
 */
export function renderPsPorts(rec: ContainerRecord, attachments: readonly AttachmentInfo[]): string {
  const published = attachments.flatMap((a) => a.mappings);
  const shown = new Set(published.map((m) => `${m.containerPort}/${m.protocol}`));
  const host = (m: PortMapping) => (m.hostIP ? (m.hostIP.includes(':') ? `[${m.hostIP}]` : m.hostIP) : '0.0.0.0');
  const ports: PsPort[] = [
    ...published.map((m) => ({ ip: host(m), privatePort: m.containerPort, publicPort: m.hostPort, type: m.protocol })),
    ...Object.keys(rec.Config.ExposedPorts ?? {})
      .filter((k) => !shown.has(k))
      .map((k) => ({ ip: '', privatePort: Number(k.split('/')[0]), publicPort: 0, type: k.split('/')[1] ?? 'tcp' })),
  ];
  return displayablePorts(ports);
}

function displayablePorts(ports: PsPort[]): string {
  const order = (a: PsPort, b: PsPort) =>
    a.privatePort - b.privatePort || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) || a.publicPort - b.publicPort || (a.type < b.type ? -1 : 1);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  const form = (key: string, g: { first: number; last: number }) => {
    const [ip, type] = key.includes('/') ? key.split('/') : ['', key];
    const range = g.first === g.last ? `${g.first}` : `${g.first}-${g.last}`;
    return ip ? `${ip}:${range}->${range}/${type}` : `${range}/${type}`;
  };
  for (const p of [...ports].sort(order)) {
    if (p.ip !== '' && p.publicPort !== p.privatePort) {
      mappings.push(`${p.ip}:${p.publicPort}->${p.privatePort}/${p.type}`);
      continue;
    }
    const key = p.ip ? `${p.ip}/${p.type}` : p.type;
    const g = groups.get(key);
    if (g && p.privatePort === g.last + 1) g.last = p.privatePort;
    else {
      if (g) result.push(form(key, g));
      groups.set(key, { first: p.privatePort, last: p.privatePort });
    }
  }
  for (const [key, g] of groups) result.push(form(key, g));
  return [...result, ...mappings].join(', ');
}

/** strconv.ParseUint(text, 10, 16), failing with Go's message. */
function parsePortNumber(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`);
  if (Number(text) > 0xffff) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
  return Number(text);
}

/**
 * `docker port`'s PORT[/PROTO] as the 20.10 CLI reads it (go-connections nat.NewPort): the `PORT/PROTO` key it looks up.
 * @throws {Error} with Go's message for a port that is not a number or a range of numbers
 */
export function portKeyOf(arg: string): string {
  const slash = arg.indexOf('/');
  const [port, proto] = slash >= 0 && slash < arg.length - 1 ? [arg.slice(0, slash), arg.slice(slash + 1)] : [arg, 'tcp'];
  if (port === '') throw new Error('Empty string specified for ports.');
  if (port.includes('-')) {
    const [first, last] = port.split('-');
    if (parsePortNumber(last) < parsePortNumber(first)) throw new Error(`Invalid range specified for the Port: ${port}`);
  } else parsePortNumber(port);
  return `${port}/${proto}`;
}

/**
 * `docker port` lines: every mapping, or the host addresses of one container port.
 * @throws {Error} `No public port '81/tcp' published for REF` (the container as given), or portKeyOf's
 */
export function renderPortLines(rec: ContainerRecord, attachments: readonly AttachmentInfo[], port?: string, ref = rec.Name): string[] {
  const mappings = attachments.flatMap((a) => a.mappings);
  if (port === undefined) return mappings.map(describeMapping);
  const key = portKeyOf(port);
  const hits = mappings.filter((m) => `${m.containerPort}/${m.protocol}` === key);
  if (!hits.length) throw new Error(`No public port '${key}' published for ${ref}`);
  return hits.map((m) => describeMapping(m).split(' -> ')[1]);
}
