/** The network-wide verbs, as cnitool has them: gc (GC) and status (STATUS), through the conflist runner. */
import { existsSync } from 'node:fs';
import { listCachedAttachments } from '../../cni/cache.js';
import { gcNetworkList, statusNetworkList } from '../../cni/runtime.js';
import { findNetwork, loadNetworks } from '../../network/config-dir.js';
import type { CommandContext } from '../../network/context.js';
import { NetctlError } from '../../network/errors.js';
import { runtimeOptions } from '../../network/attach.js';

/** GC of each network (all when none named): attachments whose cached netns is gone are stale. */
export async function gc(args: { networks: string[] }, ctx: CommandContext): Promise<void> {
  const { networks, problems } = await loadNetworks(ctx.opts.configDir);
  for (const p of problems) ctx.warn(p);
  const selected =
    args.networks.length === 0
      ? networks
      : args.networks.map((name) => {
          const n = networks.find((x) => x.name === name);
          if (!n) throw new NetctlError(`network ${JSON.stringify(name)} not found in ${JSON.stringify(ctx.opts.configDir)}`);
          return n;
        });
  const failures: string[] = [];
  for (const net of selected) {
    const entries = await listCachedAttachments(ctx.opts.cacheDir, { networkName: net.name });
    // An entry without a netns cannot be judged: keep it.
    const alive = entries.filter((e) => !e.netns || existsSync(e.netns));
    const stale = entries.filter((e) => !alive.includes(e));
    try {
      await gcNetworkList(
        net.list,
        alive.map((e) => ({ containerID: e.containerId, ifname: e.ifName })),
        runtimeOptions(ctx),
      );
      for (const e of stale) ctx.out(`${net.name}  ${e.containerId}  ${e.ifName}  removed`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (failures.length) throw new NetctlError(failures.join('; '));
}

export async function status(args: { network: string }, ctx: CommandContext): Promise<void> {
  const net = await findNetwork(ctx.opts.configDir, args.network);
  await statusNetworkList(net.list, runtimeOptions(ctx));
  ctx.out(`${net.name}  ready`);
}
