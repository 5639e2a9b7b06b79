/**
 * Results of CNI 0.1.0 and 0.2.0 (the reference's pkg/types/020): one address per family, as
 * `ip4`/`ip6` with their routes, no interfaces. The reference plugins still speak these versions,
 * so a config without `cniVersion` (which means 0.1.0) works with Berth's plugins too. Pure.
 */
import { CniError, ErrCode } from './errors.js';
import type { DNS, Result, Route } from './types.js';

interface IPConfig020 {
  ip: string;
  gateway?: string;
  routes?: Array<{ dst: string; gw?: string }>;
}

export interface Result020 {
  cniVersion: string;
  ip4?: IPConfig020;
  ip6?: IPConfig020;
  dns: DNS;
}

const isV6 = (cidrOrIp: string) => cidrOrIp.includes(':');

/**
 * The 0.1.0/0.2.0 shape of a result: the first address of each family with its gateway, the routes
 * of that family under it (only `dst` and `gw`), and `dns` (convertTo02x in the reference).
 * @throws {CniError} code 1 when the result has no address (0.2.0 needs one)
 */
export function renderResult020(result: Result, version: string): Result020 {
  const out: Result020 = { cniVersion: version, dns: result.dns ?? {} };
  for (const ip of result.ips ?? []) {
    const key = isV6(ip.address) ? 'ip6' : 'ip4';
    out[key] ??= { ip: ip.address, ...(ip.gateway && { gateway: ip.gateway }) };
  }
  for (const route of result.routes ?? []) {
    const at = out[isV6(route.dst) ? 'ip6' : 'ip4'];
    if (at) (at.routes ??= []).push({ dst: route.dst, ...(route.gw && { gw: route.gw }) });
  }
  if (!out.ip4 && !out.ip6)
    throw new CniError(
      ErrCode.IncompatibleVersion,
      `cannot give the result in CNI version ${version}: it has no IP address`,
      'versions before 0.3.0 need one',
    );
  return out;
}

/** True for a result in the 0.1.0/0.2.0 shape (it has `ip4` or `ip6`, no `ips`). */
export function isResult020(raw: Record<string, unknown>): boolean {
  return raw.ips === undefined && (raw.ip4 !== undefined || raw.ip6 !== undefined);
}

/**
 * Reads a 0.1.0/0.2.0 result (a delegated plugin's answer to such a config) into the 1.x shape
 * (convertFrom02x in the reference).
 * @throws {CniError} code 7 when `ip4`/`ip6` is not an object with an `ip` string
 */
export function parseResult020(raw: Record<string, unknown>, what: string): Result {
  const ips: NonNullable<Result['ips']> = [];
  const routes: Route[] = [];
  for (const key of ['ip4', 'ip6'] as const) {
    const conf = raw[key] as Partial<IPConfig020> | null | undefined;
    if (conf === undefined || conf === null) continue;
    if (typeof conf !== 'object' || typeof conf.ip !== 'string')
      throw new CniError(ErrCode.InvalidNetworkConfig, `${what}.${key} has no "ip"`);
    ips.push({ address: conf.ip, ...(typeof conf.gateway === 'string' && { gateway: conf.gateway }) });
    for (const r of Array.isArray(conf.routes) ? conf.routes : [])
      if (r && typeof r.dst === 'string') routes.push({ dst: r.dst, ...(typeof r.gw === 'string' && { gw: r.gw }) });
  }
  const dns = raw.dns !== null && typeof raw.dns === 'object' && !Array.isArray(raw.dns) ? (raw.dns as DNS) : undefined;
  return {
    cniVersion: typeof raw.cniVersion === 'string' ? raw.cniVersion : '0.2.0',
    ips,
    ...(routes.length > 0 && { routes }),
    ...(dns && Object.keys(dns).length > 0 && { dns }),
  };
}
