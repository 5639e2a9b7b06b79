/**
 * Delegated IPAM (SPEC.md "Delegated plugins"): the plugin named by `ipam.type`, found in CNI_PATH,
 * gets the same config and env. When that resolves to Berth's own host-local (the one shipped next
 * to this executable), it runs in this process instead: same behaviour, one Node start-up less.
 */
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

/** The IPAM plugin for this call, in-process or exec'd. @throws {CniError} 105 when not in CNI_PATH */
export async function openIpam(ctx: PluginContext, type: string): Promise<Ipam> {
  const path = findPlugin(type, ctx.path);
  if (type === 'host-local' && isShippedBeside(path, selfDirOf())) {
    const { hostLocal } = await import('../ipam/host-local.js');
    return {
      add: async () => (await hostLocal('ADD', ctx))!,
      del: async () => { await hostLocal('DEL', ctx); },
      check: async () => { await hostLocal('CHECK', ctx); },
      gc: async () => { await hostLocal('GC', ctx); },
      status: async () => { await hostLocal('STATUS', ctx); },
    };
  }
  const env = { containerId: ctx.containerId, netns: ctx.netns, ifName: ctx.ifName, args: ctx.env.CNI_ARGS ?? '', path: ctx.path };
  const call = (command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS') => execPlugin(path, { ...env, command }, ctx.stdin);
  return {
    add: async () => (await call('ADD'))!,
    del: async () => { await call('DEL'); },
    check: async () => { await call('CHECK'); },
    gc: async () => { await call('GC'); },
    status: async () => { await call('STATUS'); },
  };
}
