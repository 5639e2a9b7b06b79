/**
 * Delegated IPAM (SPEC.md "Delegated plugins"): the plugin named by `ipam.type`, found in CNI_PATH,
 * gets the same config and env. When that resolves to Berth's own host-local (the one shipped next
 * to this executable), it runs in this process instead: same behaviour, one Node start-up less.
 */
import { CniError, ErrCode } from '../cni/errors.js';
import { untilNetns } from '../cni/netns-ready.js';
import type { PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { execPlugin, findPlugin } from '../cni/invoke.js';
import { isShippedBeside, selfDirOf } from '../cni/sibling.js';

export interface Ipam {
  add(): Promise<Result>;
  del(): Promise<void>;
  check(): Promise<void>;
  gc(): Promise<void>;
  status(): Promise<void>;
}

/** Berth's plugins that are not IPAM plugins: as `ipam.type` they would delegate to themselves. */
const NOT_IPAM = new Set(['bridge', 'portmap', 'loopback']);
/** How many plugins deep a delegation may go; a loop through other plugins stops here. */
export const MAX_DELEGATION_DEPTH = 4;
/** Counts delegation levels in the env of exec'd plugins (Go plugins pass their env on, so it crosses them too). */
export const DEPTH_VARIABLE = 'BERTH_CNI_DEPTH';

/** The delegation depth of this call. @throws {CniError} 7 for an IPAM type that is a Berth non-IPAM plugin, or too deep a chain */
export function delegationDepth(ctx: PluginContext, type: string): number {
  if (NOT_IPAM.has(type))
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      `invalid bridge configuration: "ipam.type" ${JSON.stringify(type)} is not an IPAM plugin`,
      'use an IPAM plugin such as "host-local"',
    );
  const depth = Number.parseInt(ctx.env[DEPTH_VARIABLE] ?? '0', 10) || 0;
  if (depth >= MAX_DELEGATION_DEPTH)
    throw new CniError(
      ErrCode.InvalidNetworkConfig,
      `cannot delegate to IPAM plugin ${JSON.stringify(type)}: ${depth} plugins deep already (limit ${MAX_DELEGATION_DEPTH}); does "ipam.type" lead back to this plugin?`,
    );
  return depth;
}

/**
 * The IPAM plugin for this call, in-process or exec'd.
 * @throws {CniError} 105 when not in CNI_PATH; 7 when `type` is not an IPAM plugin or delegation is too deep
 */
export async function openIpam(ctx: PluginContext, type: string): Promise<Ipam> {
  const depth = delegationDepth(ctx, type);
  const path = findPlugin(type, ctx.path);
  if (type === 'host-local' && isShippedBeside(path, selfDirOf())) {
    const { hostLocal } = await import('../ipam/host-local.js');
    return {
      add: async () => (await hostLocal('ADD', ctx))!,
      del: async () => {
        await hostLocal('DEL', ctx);
      },
      check: async () => {
        await hostLocal('CHECK', ctx);
      },
      gc: async () => {
        await hostLocal('GC', ctx);
      },
      status: async () => {
        await hostLocal('STATUS', ctx);
      },
    };
  }
  const env = { containerId: ctx.containerId, netns: ctx.netns, ifName: ctx.ifName, args: ctx.env.CNI_ARGS ?? '', path: ctx.path };
  const opts = { env: { [DEPTH_VARIABLE]: String(depth + 1) } };
  // An exec'd IPAM plugin (dhcp, say) may enter the netns: it starts once the netns is there.
  const call = async (command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS') => {
    await untilNetns(ctx.netnsReady, command);
    return execPlugin(path, { ...env, command }, ctx.stdin, opts);
  };
  return {
    add: async () => (await call('ADD'))!,
    del: async () => {
      await call('DEL');
    },
    check: async () => {
      await call('CHECK');
    },
    gc: async () => {
      await call('GC');
    },
    status: async () => {
      await call('STATUS');
    },
  };
}
