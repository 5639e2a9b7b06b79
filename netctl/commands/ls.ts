/** `netctl ls`: every network in the config dir, with its attachment count. */
import { listCachedAttachments } from '../../cni/cache.js';
import { loadNetworks } from '../../network/config-dir.js';
import type { CommandContext } from '../../network/context.js';
import { renderTable } from '../../network/describe.js';
import { UsageError } from '../../network/errors.js';

export async function ls(args: { format: string; quiet: boolean }, ctx: CommandContext): Promise<void> {
  if (args.format !== 'table' && args.format !== 'json')
    throw new UsageError(`invalid format ${JSON.stringify(args.format)}: must be "table" or "json"`);
  const { networks, problems } = await loadNetworks(ctx.opts.configDir);
  for (const p of problems) ctx.warn(p);
  const counts = new Map<string, number>();
  for (const e of await listCachedAttachments(ctx.opts.cacheDir)) counts.set(e.networkName, (counts.get(e.networkName) ?? 0) + 1);
  if (args.quiet) {
    if (networks.length) ctx.out(networks.map((n) => n.name).join('\n'));
    return;
  }
  if (args.format === 'json') {
    ctx.out(
      JSON.stringify(
        networks.map((n) => ({
          name: n.name,
          driver: n.driver,
          bridge: n.bridge ?? null,
          subnets: n.subnets,
          gateways: n.gateways,
          internal: n.internal,
          isolate: n.isolate,
          labels: n.labels,
          containers: counts.get(n.name) ?? 0,
          file: n.file,
          ...(n.created && { created: n.created }),
        })),
        null,
        2,
      ),
    );
    return;
  }
  ctx.out(
    renderTable(
      ['NAME', 'DRIVER', 'BRIDGE', 'SUBNETS', 'CONTAINERS'],
      networks.map((n) => [n.name, n.driver, n.bridge ?? '-', n.subnets.join(',') || '-', String(counts.get(n.name) ?? 0)]),
    ),
  );
}
