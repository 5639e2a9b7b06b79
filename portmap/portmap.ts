/**
 * The portmap plugin (chained): host ports DNATed to the container, from other hosts, from the
 * host itself (127.0.0.1 too) and from containers on the same bridge (hairpin), IPv4 and IPv6.
 * Its state is elements of Berth's nftables maps (firewall/), recorded per attachment, so DEL
 * needs neither runtimeConfig nor prevResult nor the netns.
 */
import { lenientString } from '../cni/keys.js';
import { validAttachments } from '../cni/valid-attachments.js';
import fastPortmap from '../gen/portmap.fast.js';
import { requirePrevResult, type Handlers, type PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { deleteUdpFlows, type UdpFlows } from '../kernel/conntrack.js';
import { openNft, type NftBackendChoice } from '../kernel/nft.js';
import { setIpv4ConfByName } from '../kernel/link-conf.js';
import { IPV4_DEVCONF } from '../kernel/rtnl-requests.js';
import { addAttachment, checkAttachment, deleteAttachment, type AttachmentRef } from '../firewall/engine.js';
import { gcNetwork } from '../firewall/gc.js';
import { renderSchema } from '../firewall/layout.js';
import { removeDeadNetnsDirs, stateDirForNetns } from '../firewall/netns-dirs.js';
import { DEFAULT_STATE_DIR } from '../firewall/records.js';
import { PORTMAP_SCHEMA, parsePortMappings, parsePortmapConf, type PortMapping } from './config.js';
import { containerAddrs, hostInterfaceOf, portmapChains, portmapElements, udpFlushes } from './plan.js';

/** What a DEL needs later, kept in the attachment's record. */
interface PortmapData {
  mappings: PortMapping[];
  /** The conntrack flushes of the UDP mappings (records of earlier versions lack it: see flushesOf). */
  udpFlushes?: UdpFlows[];
}

/** A record's flushes; for a record written before they were kept, both families (a flush that matches nothing is harmless). */
const flushesOf = (data: PortmapData): UdpFlows[] => data.udpFlushes ?? udpFlushes(data.mappings, { v4: true, v6: true });

const nftChoice = (ctx: PluginContext): NftBackendChoice => (ctx.env.BERTH_NFT === 'program' ? 'program' : 'auto');

/**
 * firewallDir from the config without validating the rest: DEL and GC must work with any config.
 * Its key is matched as ADD matches it (cni/keys.ts).
 */
const firewallDirOf = (ctx: PluginContext): string | undefined => lenientString(ctx.config, fastPortmap.keys, 'firewallDir');

/** firewallDir, else the default for this netns. */
const stateDirOf = (ctx: PluginContext): string => firewallDirOf(ctx) ?? stateDirForNetns(DEFAULT_STATE_DIR);

const refOf = (ctx: PluginContext): AttachmentRef => ({
  network: ctx.config.name,
  containerId: ctx.containerId,
  ifName: ctx.ifName,
  stateDir: stateDirOf(ctx),
});

/**
 * Deletes stale UDP conntrack entries (a client that sent before the mapping existed, or to the
 * previous container, keeps its old entry until it times out), over ctnetlink (kernel/conntrack.ts).
 * A failure is logged, never fatal: the mapping itself is in place.
 */
function flushConntrack(ctx: PluginContext, flushes: readonly UdpFlows[]): void {
  try {
    const n = deleteUdpFlows(flushes);
    if (n > 0) ctx.log.debug(`deleted ${n} stale conntrack entries of UDP ports ${flushes.map((f) => f.port).join(', ')}`);
  } catch (err) {
    ctx.log.debug(`conntrack flush failed: ${(err as Error).message}`);
  }
}

async function add(ctx: PluginContext): Promise<Result> {
  const conf = await parsePortmapConf(ctx.config, PORTMAP_SCHEMA);
  const prev = requirePrevResult(ctx, 'portmap', 'ADD');
  const mappings = parsePortMappings(conf);
  if (mappings.length === 0) return prev; // nothing to map: pass the result through (reference)
  const addrs = containerAddrs(prev);
  const elements = portmapElements(mappings, addrs, { snat: conf.snat });
  if (elements.length === 0) return prev;
  // 127.0.0.1 → container: the kernel drops packets with a loopback source on a non-loopback
  // device unless route_localnet is set on it (the reference sets it on the bridge too).
  const hostIf = hostInterfaceOf(prev);
  // Over rtnetlink, not /proc/sys (why: Netlink.setIpv4Conf); the link named in the one request.
  if (conf.snat && addrs.v4 && hostIf) setIpv4ConfByName(hostIf, [[IPV4_DEVCONF.ROUTE_LOCALNET, 1]]);
  else if (conf.snat && addrs.v4)
    ctx.log.debug('no host interface in prevResult: route_localnet not set, 127.0.0.1 cannot reach the mapped ports');
  const data: PortmapData = { mappings, udpFlushes: udpFlushes(mappings, { v4: !!addrs.v4, v6: !!addrs.v6 }) };
  await addAttachment(openNft(nftChoice(ctx)), refOf(ctx), {
    features: ['portmap'],
    elements,
    data: { portmap: data },
    schema: () => renderSchema() + portmapChains(elements, addrs),
  });
  flushConntrack(ctx, flushesOf(data));
  return prev;
}

async function del(ctx: PluginContext): Promise<void> {
  const rec = await deleteAttachment(() => openNft(nftChoice(ctx)), refOf(ctx), ['portmap']);
  const data = rec?.data?.portmap as PortmapData | undefined;
  if (data) flushConntrack(ctx, flushesOf(data));
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = await parsePortmapConf(ctx.config, PORTMAP_SCHEMA);
  const prev = requirePrevResult(ctx, 'portmap', 'CHECK');
  const mappings = parsePortMappings(conf);
  if (mappings.length === 0) return;
  const elements = portmapElements(mappings, containerAddrs(prev), { snat: conf.snat });
  if (elements.length > 0) await checkAttachment(openNft(nftChoice(ctx)), refOf(ctx), elements);
}

async function gc(ctx: PluginContext): Promise<void> {
  const valid = validAttachments(ctx.config);
  if (firewallDirOf(ctx) === undefined) removeDeadNetnsDirs(DEFAULT_STATE_DIR); // records of namespaces that no longer exist
  const removed = await gcNetwork(() => openNft(nftChoice(ctx)), {
    stateDir: stateDirOf(ctx),
    network: ctx.config.name,
    valid,
    features: ['portmap'],
  });
  for (const rec of removed) {
    const data = rec.data?.portmap as PortmapData | undefined;
    if (data) flushConntrack(ctx, flushesOf(data));
  }
}

export const handlers: Handlers = {
  add,
  del,
  check,
  gc,
  async status() {}, // ready whenever nftables is: nothing to exhaust
};
