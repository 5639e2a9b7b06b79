/**
 * The default network, as Docker's docker0: a netctl network named `bridge` on the bridge device
 * berth0, 172.17.0.0/16 unless taken, else the next free subnet of Docker's default pools. Made on
 * first use, under the config dir lock netctl create holds, so two runs never make it twice.
 */
import { join } from 'node:path';
import { loadNetworks } from '../../network/config-dir.js';
import type { CommandContext } from '../../network/context.js';
import { NetctlError } from '../../network/errors.js';
import { DEFAULT_NETWORK, DOCKER_POOLS } from './plan.js';

export const DEFAULT_BRIDGE = 'berth0';

/** Makes the `bridge` network when the config dir has none. */
export async function ensureDefaultBridge(ctx: CommandContext, stateDir: string): Promise<void> {
  const has = async () => (await loadNetworks(ctx.opts.configDir)).networks.some((n) => n.name === DEFAULT_NETWORK);
  if (await has()) return;
  const { createNetwork } = await import('../../network/create.js');
  for (const [subnetPool, subnetSize] of DOCKER_POOLS) {
    try {
      await createNetwork(
        {
          name: DEFAULT_NETWORK,
          subnets: [],
          gateways: [],
          ipRanges: [],
          bridge: DEFAULT_BRIDGE,
          internal: false,
          isolate: true,
          masquerade: true,
          labels: [],
          subnetPool,
          subnetSize,
          leaseDir: join(ctx.opts.cacheDir, 'networks'),
          firewallDir: join(stateDir, 'firewall'),
        },
        ctx,
      );
      return;
    } catch (err) {
      if (await has()) return; // made meanwhile by another run
      if (!(err instanceof NetctlError && /no free/.test(err.message))) throw err;
    }
  }
  throw new Error('cannot create the default network "bridge": no free subnet in the default address pools');
}
