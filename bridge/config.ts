/** The bridge plugin's configuration: schema defaults, cross-key rules, and the container MAC. Pure. */
import { cloneJson } from '../lib/json.js';
import { CniError, ErrCode } from '../cni/errors.js';
import { checkConfig, type ConfigSchema } from '../cni/schema.js';
import type { DNS, NetConf } from '../cni/types.js';
import fastBridge from '../gen/bridge.fast.js';

export interface BridgeConf extends NetConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  mtu?: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  vlan?: number;
  enabledad: boolean;
  macspoofchk: boolean;
  /** Berth: drop forwarding between this bridge and other isolated Berth bridges (Docker's network isolation). */
  isolate: boolean;
  /** Berth: drop all forwarding into and out of this bridge (Docker's --internal networks). */
  internal: boolean;
  /** Berth: where the firewall keeps its per-attachment records (default /run/berth/firewall). */
  firewallDir?: string;
  ipam?: { type?: string; [key: string]: unknown };
  dns?: DNS;
}

/** The bridge's schema (bridge.schema.json); ajv's validator is imported only when the fast checker is unsure. */
export const BRIDGE_SCHEMA: ConfigSchema = { fast: fastBridge, full: async () => (await import('../gen/bridge.js')).default };

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/**
 * Validates and completes a bridge config (a copy; the input is not changed).
 * @throws {CniError} code 7 for invalid values and contradictory keys
 */
export async function parseBridgeConf(raw: NetConf, schema: ConfigSchema): Promise<BridgeConf> {
  const copy = cloneJson(raw);
  if (copy.mtu === 0) delete copy.mtu; // the reference reads 0 as "not set"
  const conf = await checkConfig<BridgeConf>(schema, copy, 'bridge');
  if (conf.isDefaultGateway) conf.isGateway = true; // isDefaultGateway implies isGateway (reference)
  if (conf.hairpinMode && conf.promiscMode)
    throw new CniError(ErrCode.InvalidNetworkConfig, 'invalid bridge configuration: "hairpinMode" and "promiscMode" cannot both be true');
  if (conf.vlan !== undefined && conf.vlan > 0 && (conf.isGateway || conf.ipMasq) && conf.bridge.length + 1 + String(conf.vlan).length > 15)
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      `invalid bridge configuration: gateway interface name ${JSON.stringify(`${conf.bridge}.${conf.vlan}`)} is longer than 15 characters`,
    );
  return conf;
}

/**
 * The MAC asked for the container interface: runtimeConfig.mac (capability "mac") beats
 * args.cni.mac, which beats CNI_ARGS MAC= (CONVENTIONS.md). Undefined when none.
 * @throws {CniError} code 7 for a malformed MAC
 */
export function requestedMac(conf: NetConf, cniArgs: ReadonlyMap<string, string>): string | undefined {
  const fromRuntime = (conf.runtimeConfig as { mac?: unknown } | undefined)?.mac;
  const fromArgs = (conf.args as { cni?: { mac?: unknown } } | undefined)?.cni?.mac;
  const mac = fromRuntime ?? fromArgs ?? cniArgs.get('MAC');
  if (mac === undefined || mac === '') return undefined;
  if (typeof mac !== 'string' || !MAC.test(mac))
    throw new CniError(ErrCode.InvalidNetworkConfig, `invalid container MAC address ${JSON.stringify(mac)}`);
  return mac.toLowerCase();
}

/** The host-side veth name for an attachment: stable, so DEL finds it without the container's netns. */
export function hostVethName(hash: string): string {
  return `veth${hash.slice(0, 10)}`;
}
