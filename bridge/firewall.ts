/**
 * The bridge's use of the firewall (ipMasq, macspoofchk, isolate). Loaded only when a config asks
 * for one of them, so a plain bridge ADD never loads the nftables code.
 */
import { CniError, ErrCode } from '../cni/errors.js';
import type { Attachment } from '../cni/types.js';
import type { BridgeConf } from './config.js';

export interface FirewallRequest {
  containerId: string;
  ifName: string;
  network: string;
  conf: BridgeConf;
}

export interface BridgeFirewall {
  add(req: FirewallRequest & { addresses: string[]; hostVeth: string; mac: string }): Promise<void>;
  del(req: FirewallRequest): Promise<void>;
  check(req: FirewallRequest & { addresses: string[] }): Promise<void>;
  gc(req: { network: string; conf: BridgeConf; valid: Attachment[] }): Promise<void>;
}

const wantsFirewall = (conf: BridgeConf) => conf.ipMasq || conf.macspoofchk || conf.isolate;

/**
 * The firewall for this config, or undefined when it needs none.
 * @throws {CniError} code 2 while the nftables layer has not landed and the config asks for it
 */
export async function loadFirewall(conf: BridgeConf, opts: { forDelete?: boolean } = {}): Promise<BridgeFirewall | undefined> {
  if (!wantsFirewall(conf)) return undefined;
  if (opts.forDelete) return undefined;
  const keys = (['ipMasq', 'macspoofchk', 'isolate'] as const).filter((k) => conf[k]);
  throw new CniError(ErrCode.UnsupportedField, `bridge ${keys.map((k) => JSON.stringify(k)).join(', ')} ${keys.length > 1 ? 'are' : 'is'} not supported yet`, 'the nftables firewall layer has not landed in this build');
}
