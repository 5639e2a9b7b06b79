/** What `netctl inspect` and `netctl ls` print, built from data already read. Pure. */
import type { CacheEntry } from '../cni/cache.js';
import type { NetworkInfo } from './conflist.js';
import { mappingsOf, type PortMapping } from './ports.js';
import { isJsonObject as isObject } from '../lib/json.js';
import { renderTable as renderTextTable } from '../lib/table.js';

export interface Lease {
  ip: string;
  containerId: string;
  ifName?: string;
}

export interface AttachmentView {
  containerId: string;
  ifName: string;
  netns?: string;
  /** False when the cached netns path is gone (a candidate for `netctl gc`). */
  netnsExists: boolean;
  mac?: string;
  addresses: string[];
  interfaces: Array<{ name: string; mac?: string; sandbox?: string }>;
  portMappings: PortMapping[];
}

/** One cached attachment, as shown. */
export function describeCacheEntry(entry: CacheEntry, netnsExists: boolean): AttachmentView {
  const result = isObject(entry.result) ? entry.result : {};
  const interfaces = (Array.isArray(result.interfaces) ? result.interfaces : []).filter(isObject).map((i) => ({
    name: String(i.name ?? ''),
    ...(typeof i.mac === 'string' && { mac: i.mac }),
    ...(typeof i.sandbox === 'string' && { sandbox: i.sandbox }),
  }));
  const addresses = (Array.isArray(result.ips) ? result.ips : [])
    .filter(isObject)
    .map((ip) => String(ip.address ?? ''))
    .filter((a) => a !== '');
  const own = interfaces.find((i) => i.name === entry.ifName && i.sandbox);
  return {
    containerId: entry.containerId,
    ifName: entry.ifName,
    ...(entry.netns && { netns: entry.netns }),
    netnsExists,
    ...(own?.mac && { mac: own.mac }),
    addresses,
    interfaces,
    portMappings: mappingsOf(entry.capabilityArgs),
  };
}

export interface BridgeView {
  name: string;
  exists: boolean;
  up?: boolean;
  mac?: string;
  mtu?: number;
  addresses: string[];
  ports: string[];
}

/** `netctl inspect`'s object for one network (Docker's `network inspect` shape, CNI's terms). */
export function renderInspect(
  info: NetworkInfo & { file: string },
  raw: unknown,
  live: { bridge?: BridgeView; attachments: AttachmentView[]; leases: Lease[] },
): Record<string, unknown> {
  return {
    name: info.name,
    file: info.file,
    driver: info.driver,
    plugins: info.plugins,
    ...(info.bridge !== undefined && { bridge: info.bridge }),
    subnets: info.subnets,
    gateways: info.gateways,
    internal: info.internal,
    isolate: info.isolate,
    masquerade: info.masquerade,
    ...(info.mtu !== undefined && { mtu: info.mtu }),
    labels: info.labels,
    ...(info.created !== undefined && { created: info.created }),
    managed: info.managed,
    ...(info.leaseDir !== undefined && { leaseDir: info.leaseDir }),
    state: {
      ...(live.bridge && { bridge: live.bridge }),
      containers: live.attachments,
      leases: live.leases,
    },
    config: raw,
  };
}

/** A plain text table: columns padded with two spaces, as `docker network ls`. */
export const renderTable = (head: readonly string[], rows: ReadonlyArray<readonly string[]>): string => renderTextTable(head, rows, 2);

/**
 * A container as the user named it: the network namespace given to attach (its name under
 * /run/netns, else its path), then the container ID when that is something else.
 * @example describeContainer('netctl-fdc2ccf9d110', '/run/netns/nc-c1') // '"nc-c1" (id "netctl-fdc2ccf9d110")'
 */
export function describeContainer(id: string, netns: string | undefined): string {
  const named = netns?.startsWith('/run/netns/') ? netns.slice('/run/netns/'.length) : netns;
  if (!named || named === id) return JSON.stringify(id);
  return `${JSON.stringify(named)} (id ${JSON.stringify(id)})`;
}
