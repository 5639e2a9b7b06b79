/** What every bridge command reads from its request: the CNI_ARGS it knows, the config, the attachment's hash. */
import { CniError, ErrCode } from '../cni/errors.js';
import { stableHash } from '../cni/hash.js';
import type { PluginContext } from '../cni/skel.js';
import { BRIDGE_SCHEMA, parseBridgeConf, type BridgeConf } from './config.js';

/** CNI_ARGS keys the bridge (and the IPAM it delegates to) understand. */
const KNOWN_ARGS = new Set(['IgnoreUnknown', 'MAC', 'IP']);

export function checkArgs({ args, argsError }: PluginContext): void {
  if (argsError) throw argsError;
  const ignore = ['1', 'true'].includes((args.get('IgnoreUnknown') ?? '').toLowerCase());
  if (ignore) return;
  for (const key of args.keys())
    if (!KNOWN_ARGS.has(key))
      throw new CniError(
        ErrCode.InvalidEnvironment,
        `unknown CNI_ARGS key ${JSON.stringify(key)}`,
        'set IgnoreUnknown=1 to ignore keys meant for other plugins',
      );
}

export function attachmentHash(ctx: PluginContext): string {
  return stableHash(`${ctx.containerId}\0${ctx.ifName}`);
}

export function loadConf(ctx: PluginContext): Promise<BridgeConf> {
  return parseBridgeConf(ctx.config, BRIDGE_SCHEMA);
}
