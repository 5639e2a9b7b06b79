/**
 * The conflist runner: what a container runtime does with a `.conflist` (libcni's CNIConfig), for
 * `netctl`, the runtime shim and integration tests.
 *
 * @example
 * const list = await loadConfList('/etc/cni/net.d/10-web.conflist');
 * const opts = { cniPath: ['/opt/cni/bin'], cacheDir: '/var/lib/cni' };
 * const rt = { containerId: 'c1', netns: '/run/netns/c1', ifName: 'eth0', capabilityArgs: { portMappings: [] } };
 * const result = await addNetworkList(list, rt, opts); // then checkNetworkList, delNetworkList
 */
import { CniError, ErrCode, toCniError } from './errors.js';
import { combine, describeFailures, wrap, type Failure } from './runtime-failures.js';
import { execPlugin, findPlugin, type ExecOptions, type PluginEnv } from './invoke.js';
import {
  buildGcConfig,
  buildPluginConfig,
  buildStatusConfig,
  validateRuntimeConf,
  type NetworkConfigList,
  type PluginConf,
  type RuntimeConf,
} from './conflist.js';
import {
  DEFAULT_CACHE_DIR,
  deleteCacheEntry,
  listCachedAttachments,
  readCacheEntry,
  renderCacheEntry,
  writeCacheEntry,
  type CacheEntry,
} from './cache.js';
import type { Attachment, Result } from './types.js';
import { compareVersions, convertResult, parseResult } from './version.js';

export { loadConfList } from './conflist-file.js';
export { parseConfList, type NetworkConfigList, type PluginConf, type RuntimeConf } from './conflist.js';
export { decodeCachedConfig, DEFAULT_CACHE_DIR, listCachedAttachments, type CacheEntry } from './cache.js';

/** Where plugins and the cache are. */
export interface RuntimeOptions {
  /** CNI_PATH: directories searched, in order, for each plugin's `type`. */
  cniPath: readonly string[];
  /** The cache root (results go to `<cacheDir>/results`); default DEFAULT_CACHE_DIR, /var/lib/cni. */
  cacheDir?: string;
  /** Kill a plugin that runs longer than this (ms); no limit by default. */
  timeoutMs?: number;
  /** Extra env for every plugin (e.g. { BERTH_DEBUG: 'stderr' }); the caller's env is never passed on. */
  env?: Readonly<Record<string, string>>;
  /**
   * How one plugin is called, given the path findPlugin resolved; default execPlugin. netctl passes
   * one that runs Berth's own plugins in its own process (same skeleton, same stdin and stdout JSON).
   */
  callPlugin?: PluginCaller;
  /** Set: ADD hands over the result cache's flush to disk (cni/cache.ts) for the caller to await. */
  deferCacheFlush?: (flushed: Promise<void>) => void;
}

/** Calls the plugin at `path` for one command; same contract as execPlugin. */
export type PluginCaller = (path: string, env: PluginEnv, config: object, opts: ExecOptions) => Promise<Result | undefined>;

function call(opts: RuntimeOptions, path: string, env: PluginEnv, config: object): Promise<Result | undefined> {
  return (opts.callPlugin ?? execPlugin)(path, env, config, { timeoutMs: opts.timeoutMs, env: opts.env });
}

/** Finds and runs one plugin of the list for an attachment command. */
async function runOne(
  command: 'ADD' | 'DEL' | 'CHECK',
  list: NetworkConfigList,
  plugin: PluginConf,
  rt: RuntimeConf,
  prevResult: Result | undefined,
  opts: RuntimeOptions,
  path = findPlugin(plugin.type, opts.cniPath),
): Promise<Result | undefined> {
  const conf = buildPluginConfig(list, plugin, rt, prevResult);
  return call(
    opts,
    path,
    { command, containerId: rt.containerId, netns: rt.netns, ifName: rt.ifName, args: rt.args, path: opts.cniPath },
    conf,
  );
}

function attachmentName(list: NetworkConfigList, rt: RuntimeConf): string {
  return `${JSON.stringify(rt.containerId)} (${JSON.stringify(rt.ifName)}) on network ${JSON.stringify(list.name)}`;
}

/** The cached result of ADD for this attachment in the list's version, or undefined; `read`: its entry, if the caller has it. */
async function cachedResult(list: NetworkConfigList, rt: RuntimeConf, cacheDir: string, read?: CacheEntry): Promise<Result | undefined> {
  let entry: CacheEntry | undefined;
  try {
    entry = read ?? (await readCacheEntry(cacheDir, { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName }));
  } catch {
    return undefined; // unreadable: behave as libcni does and go on without it
  }
  if (!entry?.result) return undefined;
  try {
    return convertResult(parseResult(entry.result, 'cached result'), list.cniVersion);
  } catch {
    return undefined;
  }
}

/** DEL of `plugins` in reverse order, going on past failures; returns the failures. */
async function delPlugins(
  list: NetworkConfigList,
  plugins: readonly PluginConf[],
  rt: RuntimeConf,
  prevResult: Result | undefined,
  opts: RuntimeOptions,
): Promise<Array<{ plugin: PluginConf; err: unknown }>> {
  const failures: Array<{ plugin: PluginConf; err: unknown }> = [];
  // DEL got prevResult in 0.4.0 (libcni sends none below).
  if (compareVersions(list.cniVersion, '0.4.0') < 0) prevResult = undefined;
  for (const plugin of [...plugins].reverse()) {
    try {
      await runOne('DEL', list, plugin, rt, prevResult, opts);
    } catch (err) {
      failures.push({ plugin, err });
    }
  }
  return failures;
}

/**
 * Attaches a container: ADD through every plugin of the list in order, each getting the previous
 * plugin's result as `prevResult`, then caches the final result for DEL and CHECK.
 *
 * When a plugin fails, the plugins already run, the failed one included, get DEL in reverse order
 * (with the last good result as `prevResult` from 0.4.0) before the error is thrown, so a failed ADD leaves
 * nothing behind. libcni leaves this to its caller; the spec expects the runtime to do it.
 * @returns the final result, in the list's cniVersion
 * @throws {CniError} with the failing plugin's code, its message prefixed by the attachment and
 *   plugin; a failed clean-up is listed in `details`
 */
export async function addNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts: RuntimeOptions): Promise<Result> {
  validateRuntimeConf(rt, true);
  const action = `cannot add ${attachmentName(list, rt)}`;
  if (list.plugins.length === 0) throw new CniError(ErrCode.InvalidNetworkConfig, `${action}: the list has no plugins`);
  // Every plugin is found before the first ADD: a missing one fails with nothing to undo.
  const paths = list.plugins.map((plugin) => {
    try {
      return findPlugin(plugin.type, opts.cniPath);
    } catch (err) {
      throw wrap(action, plugin, err);
    }
  });
  let result: Result | undefined;
  for (let i = 0; i < list.plugins.length; i++) {
    const plugin = list.plugins[i];
    try {
      result = await runOne('ADD', list, plugin, rt, result, opts, paths[i]);
    } catch (err) {
      const undo = await delPlugins(list, list.plugins.slice(0, i + 1), rt, result, opts);
      throw wrap(action, plugin, err, undo.length ? `clean-up incomplete: ${describeFailures(undo)}` : '');
    }
  }
  const final = convertResult(result!, list.cniVersion);
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  try {
    await writeCacheEntry(
      cacheDir,
      renderCacheEntry(
        { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName },
        { config: list.bytes, netns: rt.netns, cniArgs: rt.args, capabilityArgs: rt.capabilityArgs, result: final },
      ),
      opts.deferCacheFlush,
    );
  } catch (err) {
    // Without a cached result DEL and CHECK would run blind: undo and report.
    const undo = await delPlugins(list, list.plugins, rt, final, opts);
    const e = toCniError(err);
    throw new CniError(
      ErrCode.IOFailure,
      `${action}: cannot write cached result in ${JSON.stringify(cacheDir)}: ${e.message}`,
      undo.length ? `clean-up incomplete: ${describeFailures(undo)}` : '',
    );
  }
  return final;
}

/**
 * Detaches a container: DEL through every plugin in reverse order with the cached ADD result as
 * `prevResult` (0.4.0 and later; none when nothing is cached). Goes on past failures and reports
 * them all; the cache entry is removed only when every plugin succeeded, so a retry still has it.
 * `rt.netns` may be empty. `entry`: this attachment's cache entry, when the caller has just read it.
 * @throws {CniError} the first failure's code; every failure in `details`
 */
export async function delNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts: RuntimeOptions, entry?: CacheEntry): Promise<void> {
  validateRuntimeConf(rt, false);
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const prev = compareVersions(list.cniVersion, '0.4.0') >= 0 ? await cachedResult(list, rt, cacheDir, entry) : undefined;
  const failures: Failure[] = await delPlugins(list, list.plugins, rt, prev, opts);
  if (failures.length === 0) {
    try {
      await deleteCacheEntry(cacheDir, { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName });
    } catch (err) {
      failures.push({ err: new CniError(ErrCode.IOFailure, (err as Error).message), what: 'cache' });
    }
  }
  if (failures.length > 0) throw combine(`cannot delete ${attachmentName(list, rt)}`, failures);
}

/**
 * Verifies an attachment: CHECK through every plugin in order, each with the cached ADD result as
 * `prevResult`. Does nothing when the list sets `disableCheck`.
 * @throws {CniError} ErrCode.IncompatibleVersion below 0.4.0; ErrCode.UnknownContainer when no
 *   result is cached; else the first failing plugin's error
 */
export async function checkNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts: RuntimeOptions): Promise<void> {
  const action = `cannot check ${attachmentName(list, rt)}`;
  if (compareVersions(list.cniVersion, '0.4.0') < 0)
    throw new CniError(
      ErrCode.IncompatibleVersion,
      `${action}: CHECK needs CNI version 0.4.0 or later, the list speaks ${JSON.stringify(list.cniVersion)}`,
    );
  if (list.disableCheck) return;
  validateRuntimeConf(rt, true);
  const prev = await cachedResult(list, rt, opts.cacheDir ?? DEFAULT_CACHE_DIR);
  if (!prev) throw new CniError(ErrCode.UnknownContainer, `${action}: no cached result`, `the attachment was never added, or was deleted`);
  for (const plugin of list.plugins) {
    try {
      await runOne('CHECK', list, plugin, rt, prev, opts);
    } catch (err) {
      throw wrap(action, plugin, err);
    }
  }
}

/**
 * Garbage-collects a network, as libcni's GCNetworkList: first DEL of every cached attachment of
 * this network that is not in `validAttachments` (with its cached netns, args and capability args),
 * then, for 1.1.0 lists, GC to each plugin once with `cni.dev/valid-attachments` (no container,
 * netns or interface in its env). Does nothing when the list sets `disableGC`. Goes on past failures.
 * @throws {CniError} the first failure's code; every failure in `details`
 */
export async function gcNetworkList(list: NetworkConfigList, validAttachments: readonly Attachment[], opts: RuntimeOptions): Promise<void> {
  if (list.disableGC) return;
  const failures: Failure[] = [];
  const valid = new Set(validAttachments.map((a) => `${a.containerID}\0${a.ifname}`));
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  let stale: CacheEntry[] = [];
  try {
    stale = (await listCachedAttachments(cacheDir, { networkName: list.name })).filter((e) => !valid.has(`${e.containerId}\0${e.ifName}`));
  } catch (err) {
    failures.push({ err, what: 'cache' });
  }
  for (const entry of stale) {
    const rt: RuntimeConf = {
      containerId: entry.containerId,
      netns: entry.netns ?? '',
      ifName: entry.ifName,
      args: entry.cniArgs,
      capabilityArgs: entry.capabilityArgs,
    };
    try {
      await delNetworkList(list, rt, opts);
    } catch (err) {
      failures.push({ err, what: `stale attachment ${JSON.stringify(entry.containerId)} (${JSON.stringify(entry.ifName)})` });
    }
  }
  if (compareVersions(list.cniVersion, '1.1.0') >= 0) {
    for (const plugin of list.plugins) {
      try {
        const path = findPlugin(plugin.type, opts.cniPath);
        await call(opts, path, { command: 'GC', path: opts.cniPath }, buildGcConfig(list, plugin, validAttachments));
      } catch (err) {
        failures.push({ plugin, err });
      }
    }
  }
  if (failures.length > 0) throw combine(`cannot garbage-collect network ${JSON.stringify(list.name)}`, failures);
}

/**
 * Asks every plugin of a 1.1.0 list whether it is ready for ADD (STATUS), stopping at the first that
 * is not. Lists below 1.1.0 have no STATUS and count as ready (libcni's GetStatusNetworkList).
 * @throws {CniError} the plugin's own code (50 not available, 51 also degraded, ...)
 */
export async function statusNetworkList(list: NetworkConfigList, opts: RuntimeOptions): Promise<void> {
  if (compareVersions(list.cniVersion, '1.1.0') < 0) return;
  for (const plugin of list.plugins) {
    try {
      const path = findPlugin(plugin.type, opts.cniPath);
      await call(opts, path, { command: 'STATUS', path: opts.cniPath }, buildStatusConfig(list, plugin));
    } catch (err) {
      throw wrap(`network ${JSON.stringify(list.name)} is not ready`, plugin, err);
    }
  }
}

/** The cached ADD result of an attachment in the list's version, or undefined (libcni's GetNetworkListCachedResult). */
export async function getCachedResult(
  list: NetworkConfigList,
  rt: Pick<RuntimeConf, 'containerId' | 'ifName'>,
  opts: Pick<RuntimeOptions, 'cacheDir'>,
): Promise<Result | undefined> {
  return cachedResult(list, { ...rt, netns: '' }, opts.cacheDir ?? DEFAULT_CACHE_DIR);
}
