/**
 * Networks as `docker network ls` and `docker network inspect` show them (Docker 20.10), built from
 * what netctl reads (the conflist, the result cache). Pure.
 */
import type { CacheEntry } from '../cni/cache.js';
import { formatPrefix, parseIP, tryParsePrefix, type IP } from '../cni/ip.js';
import type { NetworkInfo } from '../network/conflist.js';
import { DEFAULT_NETWORK } from '../runtime/network/plan.js';
import { labelMatches, matchesFilters, parseFilters } from '../lib/docker-filters.js';

/** Docker's pre-defined networks besides `bridge` (a real network, made on first use). */
export const BUILTIN = [
  { name: 'host', driver: 'host' },
  { name: 'none', driver: 'null' },
] as const;
export const isPredefined = (name: string) => name === DEFAULT_NETWORK || BUILTIN.some((b) => b.name === name);

/** One network as the commands see it: a conflist's, or a built-in one (`info` undefined). */
export interface NetworkEntry {
  name: string;
  id: string;
  driver: string;
  info?: NetworkInfo & { raw: Record<string, unknown> };
}

const NEVER = '0001-01-01T00:00:00Z';

/** Docker's CreatedAt text: "2026-12-06 00:16:17 +0000 UTC". */
function createdAt(created: string | undefined): string {
  const t = new Date(created ?? NEVER);
  return `${t
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} +0000 UTC`;
}

/** The fields `network ls --format` offers, as Docker's networkContext. */
export function lsFields(n: NetworkEntry, noTrunc: boolean): Record<string, unknown> {
  const labels = n.info?.labels ?? {};
  return {
    ID: noTrunc ? n.id : n.id.slice(0, 12),
    Name: n.name,
    Driver: n.driver,
    Scope: 'local',
    IPv6: String(n.info?.subnets.some((s) => s.includes(':')) ?? false),
    Internal: String(n.info?.internal ?? false),
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Label: (key: string) => labels[key] ?? '',
    CreatedAt: createdAt(n.info?.created),
  };
}

/** Headers of `network ls --format 'table ...'` by field. */
export const LS_HEADERS: Record<string, string> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  Label: 'LABEL',
  CreatedAt: 'CREATED AT',
};
export const LS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

/** Docker's `--filter KEY=VALUE` of `network ls` and `network prune`. @throws {Error} with Docker's wording */
export const parseNetworkFilters = parseFilters;

/**
 * Docker's rule: values of one key are alternatives, different keys must all match. `dangling`:
 * `inUse` tells whether a container is attached; a predefined network never dangles, as dockerd's.
 */
export function matchesNetworkFilters(n: NetworkEntry, filters: ReadonlyArray<[string, string]>, inUse = false): boolean {
  return matchesFilters(filters, (key, value) => {
    switch (key) {
      case 'dangling':
        if (!['true', '1', 'false', '0'].includes(value))
          throw new Error(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
        return (value === 'true' || value === '1') === (!inUse && !isPredefined(n.name));
      case 'name':
        return new RegExp(value).test(n.name);
      case 'id':
        return new RegExp(value).test(n.id);
      case 'driver':
        return n.driver === value;
      case 'scope':
        return value === 'local';
      case 'label':
        return labelMatches(n.info?.labels ?? {}, value);
      case 'type':
        if (value !== 'custom' && value !== 'builtin') throw new Error(`invalid filter: 'type'='${value}'`);
        return (value === 'builtin') === isPredefined(n.name);
      default:
        return false;
    }
  });
}

/** The smallest CIDR holding start..end: host-local's rangeStart/rangeEnd back as Docker's IPRange. */
export function rangeCidr(start: IP, end: IP): string {
  const bits = start.family === 4 ? 32 : 128;
  let length = bits;
  while (length > 0 && start.value >> BigInt(bits - length) !== end.value >> BigInt(bits - length)) length--;
  const base = (start.value >> BigInt(bits - length)) << BigInt(bits - length);
  return formatPrefix({ ip: { family: start.family, value: base }, length });
}

function ipamConfig(raw: Record<string, unknown>): Array<Record<string, string>> {
  const plugins = Array.isArray(raw.plugins) ? (raw.plugins as Array<Record<string, any>>) : [raw as Record<string, any>];
  const ipam = plugins.find((p) => p && typeof p.ipam === 'object')?.ipam ?? {};
  const ranges: Array<Record<string, unknown>> = Array.isArray(ipam.ranges) ? ipam.ranges.flat() : [];
  return ranges.flatMap((r) => {
    const subnet = tryParsePrefix(r.subnet);
    if (!subnet) return [];
    const hasRange = typeof r.rangeStart === 'string' && typeof r.rangeEnd === 'string';
    return [
      {
        Subnet: formatPrefix(subnet),
        ...(hasRange && { IPRange: rangeCidr(parseIP(r.rangeStart as string), parseIP(r.rangeEnd as string)) }),
        ...(typeof r.gateway === 'string' && { Gateway: r.gateway }),
      },
    ];
  });
}

/** The container's name, when the runtime passed it (K8S_POD_NAME, as podman and berth do for dnsname). */
const nameOf = (e: CacheEntry) => e.cniArgs?.find(([k]) => k === 'K8S_POD_NAME')?.[1] ?? '';

function endpointOf(e: CacheEntry) {
  const result = (e.result ?? {}) as {
    ips?: Array<{ address?: string }>;
    interfaces?: Array<{ name?: string; mac?: string; sandbox?: string }>;
  };
  const addrs = (result.ips ?? []).map((ip) => ip.address ?? '');
  const mac = (result.interfaces ?? []).find((i) => i.name === e.ifName && i.sandbox)?.mac ?? '';
  return {
    Name: nameOf(e),
    EndpointID: '',
    MacAddress: mac,
    IPv4Address: addrs.find((a) => !a.includes(':')) ?? '',
    IPv6Address: addrs.find((a) => a.includes(':')) ?? '',
  };
}

/** `docker network inspect`'s object. */
export function inspectNetwork(n: NetworkEntry, attached: readonly CacheEntry[]) {
  const info = n.info;
  return {
    Name: n.name,
    Id: n.id,
    Created: info?.created ?? NEVER,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: info?.subnets.some((s) => s.includes(':')) ?? false,
    IPAM: { Driver: 'default', Options: info ? {} : null, Config: info ? ipamConfig(info.raw) : [] },
    Internal: info?.internal ?? false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(attached.map((e) => [e.containerId, endpointOf(e)])),
    Options: info?.bridge ? { 'com.docker.network.bridge.name': info.bridge } : {},
    Labels: info?.labels ?? {},
  };
}
