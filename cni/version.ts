/** CNI spec versions Berth speaks, and how results move between them. */
import { CniError, ErrCode } from './errors.js';
import { isResult020, parseResult020 } from './result-020.js';
import type { Result } from './types.js';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];
export const LATEST_VERSION: CniVersion = '1.1.0';

/**
 * The plugins also speak 0.1.0 and 0.2.0 (their results in cni/result-020.ts), as the reference
 * plugins do: a config without `cniVersion` means 0.1.0. The runtime side (conflists) does not.
 */
export const PLUGIN_VERSIONS = ['0.1.0', '0.2.0', ...SUPPORTED_VERSIONS] as const;
export type PluginVersion = (typeof PLUGIN_VERSIONS)[number];

export function isSupportedVersion(v: unknown): v is CniVersion {
  return typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** VERSION's answer: the asked cniVersion when the plugins speak it, else the latest, and every version they speak. */
export function renderVersionReply(asked: unknown): string {
  const v = (PLUGIN_VERSIONS as readonly unknown[]).includes(asked) ? asked : LATEST_VERSION;
  return JSON.stringify({ cniVersion: v, supportedVersions: PLUGIN_VERSIONS }) + '\n';
}

/** VERSION's answer to any stdin: as the reference, VERSION never fails on what stdin holds. */
export function versionReplyFor(stdin: string): string {
  let asked: unknown;
  try {
    asked = (JSON.parse(stdin) as { cniVersion?: unknown } | null)?.cniVersion;
  } catch {
    // not JSON: the latest version
  }
  return renderVersionReply(asked);
}

/** Compares two dotted versions numerically ("0.10.0" > "0.4.0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number),
    pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Picks the version to speak from a config: `cniVersion`, or when it is absent the highest
 * supported entry of 1.1's `cniVersions` list. An absent version means 0.1.0 (spec).
 * @param supported the versions to choose from (the plugins pass PLUGIN_VERSIONS)
 * @throws {CniError} code 1 naming the requested and the supported versions
 */
export function negotiateVersion<V extends string = CniVersion>(
  conf: { cniVersion?: unknown; cniVersions?: unknown },
  supported: readonly V[] = SUPPORTED_VERSIONS as unknown as readonly V[],
): V {
  const isKnown = (v: unknown): v is V => typeof v === 'string' && (supported as readonly string[]).includes(v);
  let wanted: unknown = conf.cniVersion;
  if ((wanted === undefined || wanted === '') && Array.isArray(conf.cniVersions)) {
    const usable = conf.cniVersions.filter(isKnown).sort(compareVersions);
    wanted = usable.at(-1) ?? conf.cniVersions[0];
  }
  if (wanted === undefined || wanted === '') wanted = '0.1.0';
  if (!isKnown(wanted))
    throw new CniError(
      ErrCode.IncompatibleVersion,
      `incompatible CNI version ${JSON.stringify(wanted)}`,
      `supported versions: ${supported.join(', ')}`,
    );
  return wanted;
}

type Interface = NonNullable<Result['interfaces']>[number];
type Route = NonNullable<Result['routes']>[number];
/** What CNI 1.1.0 added to interfaces and routes. */
const INTERFACE_FIELDS_11: ReadonlyArray<keyof Interface> = ['mtu', 'socketPath', 'pciID'];
const ROUTE_FIELDS_11: ReadonlyArray<keyof Route> = ['mtu', 'advmss', 'priority', 'table', 'scope'];

/** `entry` without `fields` below 1.1.0; from 1.1.0 with those it sets, after the others, in `fields` order. */
function trim11Fields<T extends object>(entry: T, fields: ReadonlyArray<keyof T>, has11: boolean): T {
  const out = { ...entry };
  for (const f of fields) delete out[f];
  if (has11) for (const f of fields) if (entry[f] !== undefined) out[f] = entry[f];
  return out;
}

/**
 * Converts a result (any supported version's shape) to the shape of `version`:
 * 0.3.x/0.4.0 carry `ips[].version`; 1.0.0 drops it; fields added in 1.1.0
 * (interfaces[].mtu/socketPath/pciID, routes[].mtu/advmss/priority/table/scope) exist only from 1.1.0.
 */
export function convertResult(result: Result, version: CniVersion): Result {
  const legacy = compareVersions(version, '1.0.0') < 0;
  const has11 = compareVersions(version, '1.1.0') >= 0;
  const out: Result = { cniVersion: version };
  if (result.interfaces) out.interfaces = result.interfaces.map((i) => trim11Fields(i, INTERFACE_FIELDS_11, has11));
  if (result.ips)
    out.ips = result.ips.map(({ version: _v, ...ip }) => (legacy ? { ...ip, version: ip.address.includes(':') ? '6' : '4' } : ip));
  if (result.routes) out.routes = result.routes.map((r) => trim11Fields(r, ROUTE_FIELDS_11, has11));
  if (result.dns) out.dns = result.dns;
  return out;
}

/**
 * Reads a result of any supported version (a prevResult or a delegated plugin's output) into the
 * internal 1.1.0 shape.
 * @throws {CniError} code 7 when it is not a result object
 */
export function parseResult(raw: unknown, what = 'prevResult'): Result {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new CniError(ErrCode.InvalidNetworkConfig, `${what} is not a CNI result object`);
  const r = raw as Record<string, unknown>;
  if (isResult020(r)) return parseResult020(r, what);
  for (const key of ['interfaces', 'ips', 'routes'] as const)
    if (r[key] !== undefined && !Array.isArray(r[key])) throw new CniError(ErrCode.InvalidNetworkConfig, `${what}.${key} is not a list`);
  const entries = (key: 'interfaces' | 'ips' | 'routes') => (r[key] as Array<Record<string, unknown> | null> | undefined) ?? [];
  const isEntry = (e: unknown): e is Record<string, unknown> => e !== null && typeof e === 'object' && !Array.isArray(e);
  for (const ip of entries('ips'))
    if (!isEntry(ip) || typeof ip.address !== 'string')
      throw new CniError(ErrCode.InvalidNetworkConfig, `${what}.ips has an entry without an address`);
  for (const iface of entries('interfaces'))
    if (!isEntry(iface) || typeof iface.name !== 'string')
      throw new CniError(ErrCode.InvalidNetworkConfig, `${what}.interfaces has an entry without a name`);
  for (const route of entries('routes'))
    if (!isEntry(route) || typeof route.dst !== 'string')
      throw new CniError(ErrCode.InvalidNetworkConfig, `${what}.routes has an entry without a destination`);
  if (r.dns !== undefined && !isEntry(r.dns)) throw new CniError(ErrCode.InvalidNetworkConfig, `${what}.dns is not an object`);
  const result = convertResult(r as unknown as Result, LATEST_VERSION);
  return { ...result, cniVersion: typeof r.cniVersion === 'string' ? r.cniVersion : LATEST_VERSION };
}
