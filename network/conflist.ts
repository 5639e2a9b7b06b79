/**
 * The `.conflist` netctl writes, and what netctl reads back from any network's conflist (its own or
 * another tool's). Pure.
 *
 * The file is a standard CNI network configuration list: bridge (with host-local IPAM) then
 * portmap. `cniVersion` is 1.0.0, which every libcni since 2021 speaks (podman 4, containerd 1.6+);
 * `cniVersions` (CNI 1.1) lets a newer libcni, and netctl's own runner, pick 1.1.0 for GC and STATUS.
 * Berth's own data (labels, creation time) sits under the top-level key "berth", which libcni never
 * passes to a plugin; labels are mirrored into "args.podman_labels", where podman's CNI backend reads
 * them.
 */
import { formatIP, formatPrefix, tryParsePrefix, type IP, type Prefix } from '../cni/ip.js';
import { isJsonObject as isObject } from '../lib/json.js';

export const CONFLIST_VERSION = '1.0.0';
export const CONFLIST_VERSIONS = ['1.0.0', '1.1.0'];
/** host-local's default, when the ipam config has no dataDir. */
export const DEFAULT_LEASE_DIR = '/var/lib/cni/networks';
/** Where Berth's firewall keeps its records, when a plugin config has no firewallDir. */
export const DEFAULT_FIREWALL_DIR = '/run/berth/firewall';

export interface RangePlan {
  subnet: Prefix;
  gateway: IP;
  start?: IP;
  end?: IP;
}

/** What a network is asked to be beyond its addresses: a create request and its plan both carry it as given. */
export interface NetworkOptions {
  name: string;
  mtu?: number;
  internal: boolean;
  isolate: boolean;
  masquerade: boolean;
  /** dnsname after portmap (podman's plugin list for a network with DNS): containers resolve each other by name and alias. */
  dns?: boolean;
  /** dnsname's stateDir; its default when undefined. */
  dnsStateDir?: string;
  /** host-local's dataDir; the default when undefined. */
  leaseDir?: string;
  /** Berth's firewallDir (bridge and portmap); the default when undefined. */
  firewallDir?: string;
  /** RFC 3339. */
  created: string;
}

/** Everything `netctl create` decided; rendered into the file by renderConflist. */
export interface NetworkPlan extends NetworkOptions {
  bridge: string;
  /** One per family, IPv4 first. */
  ranges: RangePlan[];
  labels: Record<string, string>;
  /** The subnets picked from a pool, not given by the user: dockerd refuses a fixed address on them. */
  pickedSubnets?: string[];
}

/** The conflist of a plan, as an object (key order as written). */
export function buildConflist(plan: NetworkPlan): Record<string, unknown> {
  const ranges = plan.ranges.map((r) => [
    {
      subnet: formatPrefix(r.subnet),
      ...(r.start && { rangeStart: formatIP(r.start) }),
      ...(r.end && { rangeEnd: formatIP(r.end) }),
      gateway: formatIP(r.gateway),
    },
  ]);
  const bridge: Record<string, unknown> = {
    type: 'bridge',
    bridge: plan.bridge,
    // --internal: the host still reaches the containers through the gateway on the bridge (as in
    // Docker), but containers get no default route, no masquerade, and the bridge's `internal`
    // key drops whatever they route out anyway (and whatever is routed in).
    isGateway: true,
    isDefaultGateway: !plan.internal,
    ipMasq: plan.masquerade && !plan.internal,
    // Hairpin lets a container reach its own published port through the host's address.
    hairpinMode: true,
    ...(plan.mtu !== undefined && { mtu: plan.mtu }),
    ...(plan.isolate && { isolate: true }),
    ...(plan.internal && { internal: true }),
    capabilities: { ips: true, mac: true },
    ...(plan.firewallDir !== undefined && { firewallDir: plan.firewallDir }),
    ipam: { type: 'host-local', ranges, ...(plan.leaseDir !== undefined && { dataDir: plan.leaseDir }) },
  };
  const hasLabels = Object.keys(plan.labels).length > 0;
  return {
    cniVersion: CONFLIST_VERSION,
    cniVersions: CONFLIST_VERSIONS,
    name: plan.name,
    plugins: [
      bridge,
      { type: 'portmap', capabilities: { portMappings: true }, ...(plan.firewallDir !== undefined && { firewallDir: plan.firewallDir }) },
      ...(plan.dns
        ? [
            {
              type: 'dnsname',
              domainName: 'dns.podman',
              capabilities: { aliases: true },
              ...(plan.dnsStateDir !== undefined && { stateDir: plan.dnsStateDir }),
            },
          ]
        : []),
    ],
    ...(hasLabels && { args: { podman_labels: plan.labels } }),
    berth: {
      created: plan.created,
      internal: plan.internal,
      labels: plan.labels,
      ...(plan.pickedSubnets?.length && { pickedSubnets: plan.pickedSubnets }),
    },
  };
}

/** The file's text: two-space JSON and a final newline. */
export function renderConflist(plan: NetworkPlan): string {
  return `${JSON.stringify(buildConflist(plan), null, 2)}\n`;
}

/** What netctl shows and checks of a network, read from its conflist (whoever wrote it). */
export interface NetworkInfo {
  name: string;
  /** The first plugin's type ("bridge", "macvlan", ...). */
  driver: string;
  plugins: string[];
  bridge?: string;
  subnets: string[];
  gateways: string[];
  ipamType?: string;
  /** host-local's lease directory root (dataDir); set when IPAM is host-local. */
  leaseDir?: string;
  /** Berth's firewall record dirs of the network's plugins (bridge, portmap), defaults included. */
  firewallDirs: string[];
  internal: boolean;
  isolate: boolean;
  masquerade: boolean;
  mtu?: number;
  labels: Record<string, string>;
  created?: string;
  /** Subnets picked from a pool at create (`berth.pickedSubnets`); the others were given. */
  pickedSubnets?: string[];
  /** Written by `netctl create` (has the "berth" key). */
  managed: boolean;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** host-local's range entries: `ranges` (sets of ranges) or the legacy top-level subnet. */
function ipamRanges(ipam: Record<string, unknown>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (Array.isArray(ipam.ranges)) for (const set of ipam.ranges) if (Array.isArray(set)) for (const r of set) if (isObject(r)) out.push(r);
  if (typeof ipam.subnet === 'string') out.push(ipam);
  return out;
}

/**
 * Reads the parts of a parsed conflist netctl cares about. Tolerant: a key of the wrong type is
 * treated as absent, never an error (the file may be another tool's).
 */
export function describeNetwork(raw: Record<string, unknown>): NetworkInfo {
  const plugins = (Array.isArray(raw.plugins) ? raw.plugins : [raw]).filter(isObject);
  const main = plugins.find((p) => isObject(p.ipam)) ?? plugins[0] ?? {};
  const ipam = isObject(main.ipam) ? main.ipam : {};
  const ranges = ipamRanges(ipam);
  const subnets: string[] = [];
  const gateways: string[] = [];
  for (const r of ranges) {
    const p = tryParsePrefix(r.subnet);
    if (!p) continue;
    subnets.push(formatPrefix(p));
    if (typeof r.gateway === 'string') gateways.push(r.gateway);
  }
  const berth = isObject(raw.berth) ? raw.berth : undefined;
  const podmanLabels = isObject(raw.args) ? stringMap(raw.args.podman_labels) : {};
  const isGateway = main.isGateway === true || main.isDefaultGateway === true;
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    driver: typeof plugins[0]?.type === 'string' ? plugins[0].type : '',
    plugins: plugins.map((p) => (typeof p.type === 'string' ? p.type : '')),
    ...(main.type === 'bridge' && { bridge: typeof main.bridge === 'string' ? main.bridge : 'cni0' }),
    subnets,
    gateways,
    ...(typeof ipam.type === 'string' && { ipamType: ipam.type }),
    firewallDirs: [
      ...new Set(
        plugins
          .filter((p) => p.type === 'bridge' || p.type === 'portmap')
          .map((p) => (typeof p.firewallDir === 'string' && p.firewallDir !== '' ? p.firewallDir : DEFAULT_FIREWALL_DIR)),
      ),
    ],
    ...(ipam.type === 'host-local' && {
      leaseDir: typeof ipam.dataDir === 'string' && ipam.dataDir !== '' ? ipam.dataDir : DEFAULT_LEASE_DIR,
    }),
    internal: berth ? berth.internal === true : main.type === 'bridge' && !isGateway,
    isolate: main.isolate === true,
    masquerade: main.ipMasq === true,
    ...(typeof main.mtu === 'number' && { mtu: main.mtu }),
    labels: { ...podmanLabels, ...(berth ? stringMap(berth.labels) : {}) },
    ...(berth && typeof berth.created === 'string' && { created: berth.created }),
    ...(berth && Array.isArray(berth.pickedSubnets) && { pickedSubnets: berth.pickedSubnets.filter((s) => typeof s === 'string') }),
    managed: berth !== undefined,
  };
}
