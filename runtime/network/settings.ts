/**
 * What `inspect`, `ps` and `port` show of a container's networks, in Docker 20.10's shapes, from
 * its record and its cached CNI attachments. Pure.
 */
import { createHash } from 'node:crypto';
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

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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
    Aliases: userDefined ? [rec.Id.slice(0, 12), ...(cfg?.Aliases ?? [])] : null,
    NetworkID: sha256(a.network),
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

/** The PORTS column of `ps`: "0.0.0.0:8080->80/tcp, 443/tcp", published first. */
export function renderPsPorts(rec: ContainerRecord, attachments: readonly AttachmentInfo[]): string {
  const published = attachments.flatMap((a) => a.mappings);
  const shown = new Set(published.map((m) => `${m.containerPort}/${m.protocol}`));
  const host = (m: PortMapping) => (m.hostIP ? (m.hostIP.includes(':') ? `[${m.hostIP}]` : m.hostIP) : '0.0.0.0');
  return [
    ...published.map((m) => `${host(m)}:${m.hostPort}->${m.containerPort}/${m.protocol}`),
    ...Object.keys(rec.Config.ExposedPorts ?? {}).filter((k) => !shown.has(k)),
  ].join(', ');
}

/**
 * `docker port` lines: every mapping, or the host addresses of one container port.
 * @throws {Error} `No public port '81/tcp' published for NAME`
 */
export function renderPortLines(rec: ContainerRecord, attachments: readonly AttachmentInfo[], port?: string): string[] {
  const mappings = attachments.flatMap((a) => a.mappings);
  if (port === undefined) return mappings.map(describeMapping);
  const key = port.includes('/') ? port : `${port}/tcp`;
  const hits = mappings.filter((m) => `${m.containerPort}/${m.protocol}` === key);
  if (!hits.length) throw new Error(`No public port '${key}' published for ${rec.Name}`);
  return hits.map((m) => describeMapping(m).split(' -> ')[1]);
}
