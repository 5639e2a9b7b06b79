/** The portmap plugin's configuration and port mappings: validation and defaults. Pure. */
import { cloneJson } from '../lib/json.js';
import { CniError, ErrCode } from '../cni/errors.js';
import { formatIP, tryParseIP } from '../cni/ip.js';
import { checkConfig, type ConfigSchema } from '../cni/schema.js';
import type { NetConf } from '../cni/types.js';
import fastPortmap from '../gen/portmap.fast.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** One runtimeConfig.portMappings entry, validated (protocol lower case, hostIP canonical or absent). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  hostIP?: string;
}

export interface PortmapConf extends NetConf {
  snat: boolean;
  markMasqBit?: number;
  externalSetMarkChain?: string;
  conditionsV4?: string[];
  conditionsV6?: string[];
  /** Berth: the firewall records' directory (default /run/berth/firewall). */
  firewallDir?: string;
}

/** portmap's schema (portmap.schema.json); ajv's validator is imported only when the fast checker is unsure. */
export const PORTMAP_SCHEMA: ConfigSchema = { fast: fastPortmap, full: async () => (await import('../gen/portmap.js')).default };

/**
 * Validates a portmap config (a copy; the input is not changed).
 * @throws {CniError} code 7 for invalid values and contradictory keys, code 2 for reference keys
 *   Berth cannot honour on nftables (externalSetMarkChain, conditionsV4/V6 with conditions)
 */
export async function parsePortmapConf(raw: NetConf, schema: ConfigSchema): Promise<PortmapConf> {
  const conf = await checkConfig<PortmapConf>(schema, cloneJson(raw), 'portmap');
  if (conf.markMasqBit !== undefined && conf.externalSetMarkChain !== undefined)
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      'invalid portmap configuration: "markMasqBit" and "externalSetMarkChain" cannot both be set',
    );
  // Berth marks nothing: it masquerades localhost and hairpin connections by conntrack's DNAT
  // status and its own sets, so markMasqBit is accepted (and cannot clash with another mark user).
  // An iptables chain cannot be jumped to from nftables, and iptables match arguments have no
  // meaning there: refuse rather than silently ignore.
  if (conf.externalSetMarkChain !== undefined)
    throw new CniError(
      ErrCode.UnsupportedField,
      `portmap "externalSetMarkChain" ${JSON.stringify(conf.externalSetMarkChain)} is not supported: berth masquerades hairpin and localhost traffic in its own nftables table, without a mark chain`,
    );
  for (const key of ['conditionsV4', 'conditionsV6'] as const)
    if ((conf[key]?.length ?? 0) > 0)
      throw new CniError(
        ErrCode.UnsupportedField,
        `portmap ${JSON.stringify(key)} is not supported: iptables match arguments ${JSON.stringify(conf[key])} cannot be applied to nftables`,
      );
  return conf;
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

function checkPort(value: number, what: string, index: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new CniError(ErrCode.InvalidNetworkConfig, `invalid port mapping ${index}: ${what} ${JSON.stringify(value)} is outside 1-65535`);
}

/**
 * runtimeConfig.portMappings, validated: ports 1-65535, protocol tcp/udp/sctp (default tcp, any
 * case), hostIP an IP address ("" means any; "0.0.0.0" any IPv4 address, "::" any IPv6 address).
 * An entry equal to an earlier one is dropped: it asks for nothing more (the reference makes a
 * second, identical rule). The same host port to another container port stays a conflict (106).
 * @throws {CniError} code 7 naming the entry and the value
 */
export function parsePortMappings(conf: NetConf): PortMapping[] {
  const raw = (conf.runtimeConfig as { portMappings?: unknown } | undefined)?.portMappings;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw new CniError(ErrCode.InvalidNetworkConfig, 'invalid portmap configuration: "runtimeConfig.portMappings" must be an array');
  const seen = new Set<string>();
  return raw
    .map((m: { hostPort: number; containerPort: number; protocol?: string; hostIP?: string }, i) => {
      checkPort(m.hostPort, 'hostPort', i);
      checkPort(m.containerPort, 'containerPort', i);
      const protocol = m.protocol === undefined || m.protocol === '' ? 'tcp' : m.protocol.toLowerCase();
      if (!PROTOCOLS.includes(protocol))
        throw new CniError(
          ErrCode.InvalidNetworkConfig,
          `invalid port mapping ${i}: protocol ${JSON.stringify(m.protocol)} is not tcp, udp or sctp`,
        );
      const out: PortMapping = { hostPort: m.hostPort, containerPort: m.containerPort, protocol: protocol as Protocol };
      if (m.hostIP !== undefined && m.hostIP !== '') {
        const ip = tryParseIP(m.hostIP);
        if (!ip)
          throw new CniError(
            ErrCode.InvalidNetworkConfig,
            `invalid port mapping ${i}: hostIP ${JSON.stringify(m.hostIP)} is not an IP address`,
          );
        out.hostIP = formatIP(ip);
      }
      return out;
    })
    .filter((m) => {
      const key = `${m.hostIP ?? ''}/${m.hostPort}/${m.protocol}/${m.containerPort}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
