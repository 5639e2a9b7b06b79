/**
 * The portmap plugin (chained): host ports DNATed to the container, from other hosts, from the
 * host itself (127.0.0.1 too) and from containers on the same bridge (hairpin), IPv4 and IPv6.
 * Its state is elements of Berth's nftables maps (firewall/), recorded per attachment, so DEL
 * needs neither runtimeConfig nor prevResult nor the netns.
 */
import validate from '../gen/portmap.js';
import { CniError, ErrCode } from '../cni/errors.js';
import type { Handlers, PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { CommandError, run } from '../kernel/exec.js';
import { openNft, type NftBackendChoice } from '../kernel/nft.js';
import { writeSysctl } from '../kernel/sysctl.js';
import { addAttachment, checkAttachment, deleteAttachment, gcNetwork, type AttachmentRef } from '../firewall/engine.js';
import { renderSchema } from '../firewall/layout.js';
import { DEFAULT_STATE_DIR, stateDirForNetns } from '../firewall/records.js';
import { parsePortMappings, parsePortmapConf, type PortMapping } from './config.js';
import { conntrackFlushArgs, containerAddrs, hostInterfaceOf, portmapChains, portmapElements } from './plan.js';

/** What a DEL needs later, kept in the attachment's record. */
interface PortmapData {
  mappings: PortMapping[];
  /** argv (after "conntrack") of each UDP flush. */
  conntrack: string[][];
}

const nftChoice = (ctx: PluginContext): NftBackendChoice => (ctx.env.BERTH_NFT === 'program' ? 'program' : 'auto');

/** firewallDir from the config (else the default for this netns) without validating the rest: DEL and GC must work with any config. */
function stateDirOf(ctx: PluginContext): string {
  const dir = ctx.config.firewallDir;
  return typeof dir === 'string' && dir !== '' ? dir : stateDirForNetns(DEFAULT_STATE_DIR);
}

const refOf = (ctx: PluginContext): AttachmentRef => ({ network: ctx.config.name, containerId: ctx.containerId, ifName: ctx.ifName, stateDir: stateDirOf(ctx) });

/**
 * Deletes stale UDP conntrack entries (a client that sent before the mapping existed, or to the
 * previous container, keeps its old entry until it times out). `conntrack` exits 1 when nothing
 * matched; a missing program is logged, never fatal.
 */
async function flushConntrack(ctx: PluginContext, argvs: readonly string[][]): Promise<void> {
  for (const args of argvs) {
    try {
      await run('conntrack', args);
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === null) {
        ctx.log.debug(`conntrack not available (${err.stderrLine}): stale UDP conntrack entries not flushed`);
        return;
      }
      if (err instanceof CommandError && /0 flow entries/.test(err.stderr)) continue;
      ctx.log.debug(`conntrack ${args.join(' ')} failed: ${(err as Error).message}`);
    }
  }
}

function requirePrev(ctx: PluginContext, command: string): Result {
  if (!ctx.prevResult) throw new CniError(ErrCode.InvalidNetworkConfig, `portmap ${command} needs prevResult: it must be chained after an interface plugin`);
  return ctx.prevResult;
}

async function add(ctx: PluginContext): Promise<Result> {
  const conf = parsePortmapConf(ctx.config, validate);
  const prev = requirePrev(ctx, 'ADD');
  const mappings = parsePortMappings(conf);
  if (mappings.length === 0) return prev; // nothing to map: pass the result through (reference)
  const addrs = containerAddrs(prev);
  const elements = portmapElements(mappings, addrs, { snat: conf.snat });
  if (elements.length === 0) return prev;
  // 127.0.0.1 → container: the kernel drops packets with a loopback source on a non-loopback
  // device unless route_localnet is set on it (the reference sets it on the bridge too).
  const hostIf = hostInterfaceOf(prev);
  if (conf.snat && addrs.v4 && hostIf) writeSysctl(['net', 'ipv4', 'conf', hostIf, 'route_localnet'], '1');
  else if (conf.snat && addrs.v4) ctx.log.debug('no host interface in prevResult: route_localnet not set, 127.0.0.1 cannot reach the mapped ports');
  const data: PortmapData = { mappings, conntrack: conntrackFlushArgs(mappings, addrs) };
  await addAttachment(openNft(nftChoice(ctx)), refOf(ctx), { features: ['portmap'], elements, data: { portmap: data }, schema: renderSchema() + portmapChains(elements, addrs) });
  await flushConntrack(ctx, data.conntrack);
  return prev;
}

async function del(ctx: PluginContext): Promise<void> {
  const rec = await deleteAttachment(() => openNft(nftChoice(ctx)), refOf(ctx), ['portmap']);
  const data = rec?.data?.portmap as PortmapData | undefined;
  if (data) await flushConntrack(ctx, data.conntrack);
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = parsePortmapConf(ctx.config, validate);
  const prev = requirePrev(ctx, 'CHECK');
  const mappings = parsePortMappings(conf);
  if (mappings.length === 0) return;
  const elements = portmapElements(mappings, containerAddrs(prev), { snat: conf.snat });
  if (elements.length > 0) await checkAttachment(openNft(nftChoice(ctx)), refOf(ctx), elements);
}

async function gc(ctx: PluginContext): Promise<void> {
  const valid = ctx.config['cni.dev/valid-attachments'] ?? ctx.config['cni.dev/attachments'] ?? [];
  const removed = await gcNetwork(() => openNft(nftChoice(ctx)), { stateDir: stateDirOf(ctx), network: ctx.config.name, valid, features: ['portmap'] });
  for (const rec of removed) {
    const data = rec.data?.portmap as PortmapData | undefined;
    if (data) await flushConntrack(ctx, data.conntrack);
  }
}

export const handlers: Handlers = {
  add,
  del,
  check,
  gc,
  async status() {}, // ready whenever nftables is: nothing to exhaust
};
