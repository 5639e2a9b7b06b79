/**
 * Removing networks (`netctl rm`/`prune`, `berth network rm`/`prune`). Everything is checked before anything is
 * removed; the conflist goes last, so an interrupted rm can be run again.
 */
import { existsSync } from 'node:fs';
import { rm as rmPath } from 'node:fs/promises';
import { join } from 'node:path';
import { listCachedAttachments } from '../cni/cache.js';
import { DEFAULT_STATE_DIR, networkDir, stateDirForNetns } from '../firewall/records.js';
import { readLeases } from './attachments.js';
import { loadNetworks, removeConflist, withConfigDirLock, type LoadedNetwork } from './config-dir.js';
import type { CommandContext } from './context.js';
import { describeContainer } from './describe.js';
import { NetctlError } from './errors.js';
import { deleteBridge, Netlink, readBridgeState } from './host.js';
import { delAttachment } from './attach.js';

const quoteList = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Detaches (with --force) and removes one network: firewall state, bridge, leases, file. */
async function removeNetwork(
  net: LoadedNetwork,
  others: readonly LoadedNetwork[],
  force: boolean,
  nl: Netlink,
  ctx: CommandContext,
): Promise<void> {
  const action = `cannot remove network ${JSON.stringify(net.name)}`;
  const attached = await listCachedAttachments(ctx.opts.cacheDir, { networkName: net.name });
  if (attached.length > 0 && !force)
    throw new NetctlError(
      `${action}: ${plural(attached.length, 'container', 'containers')} attached: ${attached.map((e) => describeContainer(e.containerId, e.netns)).join(', ')}; detach them or use --force`,
    );
  const sharedBridge = net.bridge !== undefined && others.some((o) => o.bridge === net.bridge);
  const bridge = net.bridge && !sharedBridge ? await readBridgeState(nl, net.bridge) : undefined;
  if (!force) {
    const leases = net.leaseDir ? await readLeases(net.leaseDir, net.name) : [];
    if (leases.length > 0)
      throw new NetctlError(
        `${action}: ${plural(leases.length, 'address', 'addresses')} still leased (${leases.map((l) => `${JSON.stringify(l.ip)} to ${JSON.stringify(l.containerId)}`).join(', ')}); use --force`,
      );
    if (bridge?.ports.length)
      throw new NetctlError(`${action}: bridge ${JSON.stringify(net.bridge)} still has ports (${quoteList(bridge.ports)}); use --force`);
  }
  const failures: string[] = [];
  for (const e of attached) {
    try {
      await delAttachment(ctx, net.list, e.containerId, e.netns ?? '', e, e.ifName);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (failures.length) throw new NetctlError(`${action}: ${failures.join('; ')}`);
  await removeFirewallState(net);
  if (bridge?.exists) await deleteBridge(nl, net.bridge!);
  if (net.leaseDir) await rmPath(join(net.leaseDir, net.name), { recursive: true, force: true });
  await removeConflist(net.file);
}

/**
 * Berth's firewall state of the network: the elements and records of attachments other runtimes or
 * crashed ones left (masquerade, MAC spoof check, port mappings), its bridge's isolation and
 * internal drop, its subnets' chains, and Berth's tables once nothing uses them.
 */
async function removeFirewallState(net: LoadedNetwork): Promise<void> {
  // The default records' directory has a per-namespace subfolder outside the host's own netns (firewall/netns-dirs.ts).
  const dirs = net.firewallDirs.map((dir) => (dir === DEFAULT_STATE_DIR ? stateDirForNetns(dir) : dir));
  const withRecords = dirs.filter((dir) => existsSync(networkDir(dir, net.name)));
  // A network without a bridge (macvlan + portmap, say) may still hold port mapping records.
  if (net.bridge === undefined && withRecords.length === 0) return;
  const fw = await import('../firewall/index.js');
  for (const dir of withRecords) {
    await fw.gcFirewall(net.name, [], { stateDir: dir, features: ['masq', 'macspoof', 'portmap'] });
    await rmPath(networkDir(dir, net.name), { recursive: true, force: true });
  }
  if (net.bridge === undefined) return;
  if (net.isolate || net.internal) await fw.removeNetworkElements({ network: net.name, bridge: net.bridge });
  // The last network leaves no table, chain or set behind.
  if (dirs.length > 0) await fw.removeUnusedFirewall({ stateDir: dirs[0], subnets: net.subnets });
}

export async function rm(args: { names: string[]; force: boolean }, ctx: CommandContext): Promise<void> {
  await withConfigDirLock(ctx.opts.configDir, async () => {
    const { networks } = await loadNetworks(ctx.opts.configDir);
    // As `docker network rm`: each name on its own; the failures are reported together at the end.
    const failures: string[] = [];
    const nl = Netlink.open();
    try {
      for (const name of args.names) {
        const net = networks.find((x) => x.name === name);
        try {
          if (!net)
            throw new NetctlError(`cannot remove network ${JSON.stringify(name)}: not found in ${JSON.stringify(ctx.opts.configDir)}`);
          await removeNetwork(
            net,
            networks.filter((n) => n !== net),
            args.force,
            nl,
            ctx,
          );
          ctx.out(net.name);
        } catch (err) {
          if (!(err instanceof NetctlError)) throw err;
          failures.push(err.message);
        }
      }
    } finally {
      nl.close();
    }
    if (failures.length) throw new NetctlError(failures.join('; '));
  });
}

/** Removes every network netctl created that has nothing attached, nothing leased and no bridge port. */
export async function prune(_args: Record<string, never>, ctx: CommandContext): Promise<void> {
  await withConfigDirLock(ctx.opts.configDir, async () => {
    const { networks } = await loadNetworks(ctx.opts.configDir);
    const nl = Netlink.open();
    try {
      for (const net of networks.filter((n) => n.managed)) {
        try {
          await removeNetwork(
            net,
            networks.filter((n) => n !== net),
            false,
            nl,
            ctx,
          );
          ctx.out(net.name);
        } catch (err) {
          if (!(err instanceof NetctlError)) throw err; // in use: kept
        }
      }
    } finally {
      nl.close();
    }
  });
}
