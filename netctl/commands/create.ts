/** `netctl create NAME`: plans the network and writes NAME.conflist. */
import type { CommandContext } from '../../network/context.js';
import { createNetwork, type CreateRequest } from '../../network/create.js';
import { formatPrefix } from '../../cni/ip.js';

export async function create(req: CreateRequest, ctx: CommandContext): Promise<void> {
  const plan = await createNetwork(req, ctx);
  ctx.out(`${plan.name}  ${plan.bridge}  ${plan.ranges.map((r) => formatPrefix(r.subnet)).join(',')}`);
}
