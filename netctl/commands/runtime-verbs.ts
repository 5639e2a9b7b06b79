/**
 * The runtime verbs, as cnitool has them: attach (ADD), detach (DEL), check (CHECK); the attach
 * and detach core is network/attach.ts, shared with the runtime.
 */
import type { CacheEntry } from '../../cni/cache.js';
import { checkNetworkList } from '../../cni/runtime.js';
import type { Result } from '../../cni/types.js';
import {
  attachContainer,
  detachOne,
  runtimeOptions,
  selectAttachments,
  type AttachRequest,
  type DetachArgs,
} from '../../network/attach.js';
import { findNetworkConfig } from '../../network/config-dir.js';
import type { CommandContext } from '../../network/context.js';
import { UsageError } from '../../network/errors.js';
import { describeMapping, parsePortSpec, type PortMapping } from '../../network/ports.js';

/** `netctl attach`'s arguments: the ports as written on the command line, and the output format. */
export type AttachArgs = Omit<AttachRequest, 'publish'> & { publish: string[]; format: string };

function describeResult(ifName: string, result: Result, mappings: readonly PortMapping[]): string {
  const own = result.interfaces?.findIndex((i) => i.name === ifName && i.sandbox) ?? -1;
  const addrs = (result.ips ?? []).filter((ip) => own < 0 || ip.interface === undefined || ip.interface === own).map((ip) => ip.address);
  return [`${ifName}  ${addrs.join('  ')}`.trimEnd(), ...mappings.map(describeMapping)].join('\n');
}

export async function attach(args: AttachArgs, ctx: CommandContext): Promise<void> {
  if (args.format !== 'text' && args.format !== 'json')
    throw new UsageError(`invalid format ${JSON.stringify(args.format)}: must be "text" or "json"`);
  const a = await attachContainer({ ...args, publish: args.publish.map(parsePortSpec) }, ctx);
  if (args.format === 'json')
    ctx.out(
      JSON.stringify(
        { network: args.network, containerId: a.id, ifName: a.ifName, netns: a.netns, portMappings: a.mappings, result: a.result },
        null,
        2,
      ),
    );
  else ctx.out(describeResult(a.ifName, a.result, a.mappings));
}

export async function detach(args: DetachArgs, ctx: CommandContext): Promise<void> {
  const { id, netns, entries } = await selectAttachments(ctx, args, 'detach');
  for (const e of entries) {
    await detachOne(ctx, args.network, id, netns, 'kind' in e ? (e as CacheEntry) : undefined, e.ifName);
    ctx.out(`${e.ifName}  detached`);
  }
}

export async function check(args: DetachArgs, ctx: CommandContext): Promise<void> {
  const { id, netns, entries } = await selectAttachments(ctx, args, 'check');
  const net = await findNetworkConfig(ctx.opts.configDir, args.network);
  for (const e of entries) {
    const entry = e as CacheEntry;
    await checkNetworkList(
      net.list,
      { containerId: id, netns, ifName: e.ifName, args: entry.cniArgs, capabilityArgs: entry.capabilityArgs },
      runtimeOptions(ctx),
    );
    ctx.out(`${e.ifName}  ok`);
  }
}
