/** Creating a network: the plan, and its conflist written under the config dir's lock (netctl create, berth network create, the default bridge). */
import { loadNetworks, withConfigDirLock, writeConflistExclusive } from './config-dir.js';
import type { CommandContext } from './context.js';
import { renderConflist, type NetworkPlan } from './conflist.js';
import { Netlink, readHostPrefixes } from './host.js';
import { planCreate, type CreateRequest as PlanRequest } from './plan.js';
import { bridgeNameFor, validateInterfaceName, validateNetworkName } from './names.js';

/** What to create: the plan's request, less the creation time this stamps. */
export type CreateRequest = Omit<PlanRequest, 'created'>;

/** RFC 3339 in UTC, to the second. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Plans the network and writes its conflist (netctl create, berth network create). @returns the plan written */
export async function createNetwork(req: CreateRequest, ctx: CommandContext): Promise<NetworkPlan> {
  validateNetworkName(req.name);
  if (req.bridge !== undefined) validateInterfaceName(req.bridge, 'bridge');
  return withConfigDirLock(ctx.opts.configDir, async () => {
    const { networks, problems } = await loadNetworks(ctx.opts.configDir);
    for (const p of problems) ctx.warn(p);
    const nl = Netlink.open();
    let plan;
    try {
      const picks = req.subnets.length === 0 || (req.ipv6 === true && !req.subnets.some((s) => s.includes(':')));
      const hostPrefixes = picks ? await readHostPrefixes(nl) : undefined;
      const hostLink = await nl.getLink(req.bridge ?? bridgeNameFor(req.name));
      plan = planCreate({ ...req, created: now() }, { networks, hostPrefixes, hostHasLink: () => hostLink !== undefined });
    } finally {
      nl.close();
    }
    await writeConflistExclusive(ctx.opts.configDir, req.name, renderConflist(plan));
    return plan;
  });
}
