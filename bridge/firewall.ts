/**
 * The bridge's use of Berth's nftables firewall (firewall/): ipMasq, macspoofchk, isolate and internal.
 * The firewall code is imported only when a config asks for one of them (or on DEL/GC, which must
 * clean up whatever an earlier config asked for), so a plain bridge ADD never loads it.
 */
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
  check(req: FirewallRequest & { addresses: string[]; hostVeth: string; mac: string }): Promise<void>;
  gc(req: { network: string; conf: BridgeConf; valid: Attachment[] }): Promise<void>;
}

const wantsFirewall = (conf: BridgeConf) => conf.ipMasq || conf.macspoofchk || conf.isolate || conf.internal;

/**
 * The firewall for this config, or undefined when ADD/CHECK need none. With `forDelete` it is
 * always returned: DEL and GC remove what Berth's records say was added, whatever the config says now.
 */
export async function loadFirewall(conf: BridgeConf, opts: { forDelete?: boolean } = {}): Promise<BridgeFirewall | undefined> {
  if (!wantsFirewall(conf) && !opts.forDelete) return undefined;
  const fw = await import('../firewall/index.js');
  const stateDir = conf.firewallDir;
  const params = (req: FirewallRequest & { addresses: string[]; hostVeth: string; mac: string }) => ({
    containerId: req.containerId,
    ifName: req.ifName,
    network: req.network,
    stateDir,
    ...(conf.ipMasq && { ipMasq: { addresses: req.addresses } }),
    ...(conf.macspoofchk && { macSpoofCheck: { hostVeth: req.hostVeth, mac: req.mac } }),
    ...(conf.isolate && { isolation: { bridge: conf.bridge } }),
    ...(conf.internal && { internal: { bridge: conf.bridge } }),
  });
  return {
    add: (req) => fw.addBridgeFirewall(params(req)),
    del: (req) => fw.deleteBridgeFirewall({ containerId: req.containerId, ifName: req.ifName, network: req.network, stateDir }),
    check: (req) => fw.checkBridgeFirewall(params(req)),
    gc: (req) => fw.gcFirewall(req.network, req.valid, { stateDir, ...((conf.isolate || conf.internal) && { bridge: conf.bridge }) }),
  };
}
