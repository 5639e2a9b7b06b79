/**
 * host-local's configuration: the network config's `ipam` key plus the requested addresses from
 * `CNI_ARGS`, `args.cni.ips` and `runtimeConfig.ips`, and the `ipRanges` capability. Pure: the schema
 * validator is passed in and resolv.conf arrives as text.
 */
import { CniError, ErrCode } from '../cni/errors.js';
import { tryParsePrefix } from '../cni/ip.js';
import { checkConfig, type ConfigSchema } from '../cni/schema.js';
import type { DNS, Route } from '../cni/types.js';
import fastHostLocal from '../gen/host-local.fast.js';
import type { RequestedIP } from './allocator.js';
import { parseRangeSets, tryParseAddress, type RangeInput, type RangeSet } from './range.js';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

export interface HostLocalConf {
  /** The network's name: the lease directory is `<dataDir>/<network>`. */
  network: string;
  dataDir: string;
  /** runtimeConfig.ipRanges, then the legacy top-level range, then `ranges`. */
  rangeSets: RangeSet[];
  routes: Route[];
  resolvConf?: string;
  /** Addresses asked for explicitly, canonical and without duplicates. */
  requested: RequestedIP[];
}

/** What host-local reads of the network config (the whole config comes on stdin; IPAM reads these keys). */
export interface HostLocalInput {
  name: string;
  ipam?: Record<string, unknown>;
  runtimeConfig?: Record<string, unknown>;
  args?: Record<string, unknown>;
}

interface ValidatedInput {
  ipam: RangeInput & { ranges?: RangeInput[][]; routes?: Route[]; dataDir?: string; resolvConf?: string };
  runtimeConfig?: { ipRanges?: RangeInput[][]; ips?: string[] };
  args?: { cni?: { ips?: string[] } };
}

/** CNI_ARGS keys host-local understands; MAC= is the bridge's, which may run host-local in its own process. */
const KNOWN_CNI_ARGS = new Set(['IP', 'IgnoreUnknown', 'MAC']);

function invalid(msg: string): CniError {
  return new CniError(ErrCode.InvalidNetworkConfig, `invalid host-local configuration: ${msg}`);
}

/** "1" and "true" (any case) turn IgnoreUnknown on, as in the reference's `UnmarshallableBool`. */
function isTrue(text: string | undefined): boolean {
  return text !== undefined && ['1', 'true'].includes(text.toLowerCase());
}

/**
 * The addresses CNI_ARGS asks for: `IP=192.0.2.5` (Berth also takes a comma-separated list, one per
 * family). Keys other than IP, MAC and IgnoreUnknown are refused unless IgnoreUnknown is 1/true.
 * @throws {CniError} ErrCode.InvalidEnvironment (4) naming the key or the value
 */
export function parseCniArgsIPs(args: ReadonlyMap<string, string>): RequestedIP[] {
  if (!isTrue(args.get('IgnoreUnknown')))
    for (const k of args.keys())
      if (!KNOWN_CNI_ARGS.has(k))
        throw new CniError(
          ErrCode.InvalidEnvironment,
          `invalid CNI_ARGS: unknown key ${JSON.stringify(k)}`,
          'add IgnoreUnknown=1 to pass keys meant for other plugins',
        );
  const text = args.get('IP');
  if (text === undefined || text === '') return [];
  return text.split(',').map((part) => {
    const ip = tryParseAddress(part.trim());
    if (!ip) throw new CniError(ErrCode.InvalidEnvironment, `invalid CNI_ARGS IP ${JSON.stringify(part)}: not an IP address`);
    return ip;
  });
}

function parseIPList(list: readonly string[] | undefined, where: string): RequestedIP[] {
  return (list ?? []).map((text) => {
    const ip = tryParseAddress(text);
    if (!ip) throw invalid(`${where}: ${JSON.stringify(text)} is not an IP address`);
    return ip;
  });
}

/** "::ffff:192.0.2.5" means 192.0.2.5, as the reference's canonicalizeIP (Go's To4) reads it. */
function unmapV4(ip: RequestedIP): RequestedIP {
  return ip.family === 6 && ip.value >> 32n === 0xffffn ? { family: 4, value: ip.value & 0xffffffffn } : ip;
}

function dedupe(ips: readonly RequestedIP[]): RequestedIP[] {
  const seen = new Set<string>();
  return ips.map(unmapV4).filter((ip) => {
    const k = `${ip.family}:${ip.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** host-local's schema (host-local.schema.json); ajv's validator is imported only when the fast checker is unsure. */
export const HOST_LOCAL_SCHEMA: ConfigSchema = { fast: fastHostLocal, full: async () => (await import('../gen/host-local.js')).default };

/**
 * Validates and completes host-local's configuration.
 *
 * Requested addresses: `runtimeConfig.ips` and `args.cni.ips` together; `CNI_ARGS` `IP=` only when
 * `args.cni.ips` is absent (args in the config beat CNI_ARGS for the same key, CONVENTIONS.md).
 * @throws {CniError} code 7 for invalid config (schema, ranges, routes, addresses); code 4 for bad CNI_ARGS
 */
export async function parseHostLocalConf(
  input: HostLocalInput,
  cniArgs: ReadonlyMap<string, string>,
  schema: ConfigSchema,
): Promise<HostLocalConf> {
  if (input.ipam === undefined || input.ipam === null) throw invalid('the network configuration has no "ipam" key');
  const raw = await checkConfig<ValidatedInput>(
    schema,
    { ipam: input.ipam, runtimeConfig: input.runtimeConfig ?? {}, args: input.args ?? {} },
    'host-local',
  );
  const ipam = raw.ipam;

  const inputs: RangeInput[][] = [];
  if (raw.runtimeConfig?.ipRanges) inputs.push(...raw.runtimeConfig.ipRanges);
  // Without a top-level subnet the reference ignores rangeStart, rangeEnd and gateway there: so does Berth.
  if (ipam.subnet !== undefined)
    inputs.push([{ subnet: ipam.subnet, rangeStart: ipam.rangeStart, rangeEnd: ipam.rangeEnd, gateway: ipam.gateway }]);
  if (ipam.ranges) inputs.push(...ipam.ranges);
  if (inputs.length === 0) throw invalid('no IP ranges: set "ranges" or "subnet"');
  let rangeSets: RangeSet[];
  try {
    rangeSets = parseRangeSets(inputs);
  } catch (err) {
    throw invalid((err as Error).message);
  }

  const routes = (ipam.routes ?? []).map((route) => {
    if (!tryParsePrefix(route.dst)) throw invalid(`route dst ${JSON.stringify(route.dst)} is not a CIDR`);
    if (route.gw !== undefined && !tryParseAddress(route.gw)) throw invalid(`route gw ${JSON.stringify(route.gw)} is not an IP address`);
    return { ...route };
  });

  const fromArgs = parseIPList(raw.args?.cni?.ips, 'args.cni.ips');
  const fromRuntime = parseIPList(raw.runtimeConfig?.ips, 'runtimeConfig.ips');
  const fromEnv = parseCniArgsIPs(cniArgs);
  const requested = dedupe([...fromRuntime, ...fromArgs, ...(raw.args?.cni?.ips ? [] : fromEnv)]);

  return {
    network: input.name,
    dataDir: ipam.dataDir || DEFAULT_DATA_DIR, // "" is the default, as in the reference
    rangeSets,
    routes,
    resolvConf: ipam.resolvConf || undefined,
    requested,
  };
}

/**
 * Parses resolv.conf text into the result's `dns` (the reference's `parseResolvConf`): `nameserver`
 * lines collect, the last `domain` wins, `search` and `options` collect their words. Comments start
 * with "#" or ";".
 * @example parseResolvConf('nameserver 192.0.2.53\nsearch example.com') // { nameservers: ['192.0.2.53'], search: ['example.com'] }
 */
export function parseResolvConf(text: string): DNS {
  const dns: DNS = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const [keyword, ...words] = line.split(/\s+/);
    if (words.length === 0) continue;
    switch (keyword) {
      case 'nameserver':
        (dns.nameservers ??= []).push(words[0]);
        break;
      case 'domain':
        dns.domain = words[0];
        break;
      case 'search':
        (dns.search ??= []).push(...words);
        break;
      case 'options':
        (dns.options ??= []).push(...words);
        break;
    }
  }
  return dns;
}
