/** `netctl inspect NAME...`: config plus live state (bridge, attachments, leases), as JSON. */
import { findNetwork } from '../../network/config-dir.js';
import type { CommandContext } from '../../network/context.js';
import { readAttachments, readLeases } from '../../network/attachments.js';
import { renderInspect, type BridgeView } from '../../network/describe.js';
import { Netlink, readBridgeState } from '../../network/host.js';

export async function inspect(args: { names: string[] }, ctx: CommandContext): Promise<void> {
  const out: unknown[] = [];
  let nl: Netlink | undefined;
  try {
    for (const name of args.names) {
      const net = await findNetwork(ctx.opts.configDir, name);
      let bridge: BridgeView | undefined;
      if (net.bridge) {
        nl ??= Netlink.open();
        bridge = { name: net.bridge, ...(await readBridgeState(nl, net.bridge)) };
        delete (bridge as { kind?: string }).kind;
      }
      const attachments = (await readAttachments(ctx.opts.cacheDir, name)).map((a) => a.view);
      const leases = net.leaseDir ? await readLeases(net.leaseDir, name) : [];
      out.push(renderInspect(net, net.raw, { bridge, attachments, leases }));
    }
  } finally {
    nl?.close();
  }
  ctx.out(JSON.stringify(out, null, 2));
}
