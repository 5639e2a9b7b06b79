/**
 * netctl's conflist chain: ADD (with undo), DEL (reverse, keeps going) and CHECK, as cni/runtime.ts
 * runs them and with the same result cache, but with the plugin call as a parameter. Berth's own
 * plugins, when CNI_PATH resolves them to the executables shipped beside netctl, run inside netctl's
 * process through the same skeleton (same env, same stdin, same stdout JSON) instead of being exec'd:
 * `netctl attach` then costs one Node start-up, not one per plugin. Any other plugin is exec'd.
 * (The bridge does the same with host-local.) cni/runtime.ts always execs; TODO(issue 6): a call hook
 * in its RuntimeOptions would let netctl drop this copy of the chain.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CniError, ErrCode, toCniError } from '../cni/errors.js';
import { buildPluginConfig, validateRuntimeConf, type NetworkConfigList, type PluginConf, type RuntimeConf } from '../cni/conflist.js';
import { deleteCacheEntry, readCacheEntry, renderCacheEntry, writeCacheEntry } from '../cni/cache.js';
import { execPlugin, findPlugin, parseErrorObject, renderPluginEnv, type PluginEnv } from '../cni/invoke.js';
import type { Handlers } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { compareVersions, convertResult, parseResult } from '../cni/version.js';

/** Berth's plugins netctl can run in-process, by type. */
const OWN: Record<string, () => Promise<Handlers>> = {
  bridge: () => import('../bridge/bridge.js').then((m) => m.handlers),
  portmap: () => import('../portmap/portmap.js').then((m) => m.handlers),
  'host-local': () => import('../ipam/host-local.js').then((m) => m.handlers),
  loopback: () => import('../loopback/loopback.js').then((m) => m.handlers),
};

export interface RunnerOptions {
  cniPath: readonly string[];
  cacheDir: string;
  /** Extra env for every plugin (BERTH_LOG). */
  env: Readonly<Record<string, string>>;
  /** The directory of the running netctl executable; its siblings are run in-process. */
  selfDir?: string;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Runs plugin `type` for one command: in-process when it is Berth's own beside netctl, else exec'd. */
export async function callPlugin(type: string, env: PluginEnv, config: object, opts: RunnerOptions): Promise<Result | undefined> {
  const path = findPlugin(type, opts.cniPath);
  const own = OWN[type];
  if (own && opts.selfDir && realpathOrUndefined(path) === realpathOrUndefined(join(opts.selfDir, type))) return runInProcess(path, own, env, config, opts);
  return execPlugin(path, env, config, { env: opts.env });
}

/** The skeleton with the exec protocol's inputs and outputs, in this process; failures read as execPlugin reads them. */
async function runInProcess(path: string, handlers: () => Promise<Handlers>, env: PluginEnv, config: object, opts: RunnerOptions): Promise<Result | undefined> {
  const { runPlugin } = await import('../cni/skel.js');
  let stdout = '', stderr = '';
  const code = await runPlugin(handlers, {
    env: renderPluginEnv(env, opts.env),
    readStdin: async () => JSON.stringify(config),
    writeStdout: (t) => { stdout += t; },
    writeStderr: (t) => { stderr += t; },
  });
  if (stderr && opts.env.BERTH_LOG) process.stderr.write(stderr);
  const what = `plugin ${JSON.stringify(path)} ${env.command}`;
  if (code !== 0) throw parseErrorObject(stdout) ?? new CniError(ErrCode.PluginFailure, `${what} failed with exit code ${code}: ${stderr.trim().split('\n').pop() || 'no output'}`);
  if (env.command !== 'ADD') return undefined;
  try {
    return parseResult(JSON.parse(stdout), 'result');
  } catch (err) {
    throw new CniError(ErrCode.PluginFailure, `${what} returned an invalid result: ${(err as Error).message}`);
  }
}

/** The directory of the running executable (argv[1]), resolved through links. */
export function selfDirOf(argv1: string | undefined): string | undefined {
  const real = argv1 ? realpathOrUndefined(argv1) : undefined;
  return real ? dirname(real) : undefined;
}

const name = (list: NetworkConfigList, rt: RuntimeConf) => `${JSON.stringify(rt.containerId)} (${JSON.stringify(rt.ifName)}) on network ${JSON.stringify(list.name)}`;
const describe = (plugin: PluginConf, err: unknown) => {
  const e = toCniError(err);
  return `plugin ${JSON.stringify(plugin.type)}: ${e.message}${e.details ? ` (${e.details})` : ''}`;
};

function one(command: 'ADD' | 'DEL' | 'CHECK', list: NetworkConfigList, plugin: PluginConf, rt: RuntimeConf, prev: Result | undefined, opts: RunnerOptions) {
  return callPlugin(plugin.type, { command, containerId: rt.containerId, netns: rt.netns, ifName: rt.ifName, args: rt.args, path: opts.cniPath },
    buildPluginConfig(list, plugin, rt, prev), opts);
}

/** DEL of `plugins` in reverse, going on past failures; returns them described, first one's code kept. */
async function delPlugins(list: NetworkConfigList, plugins: readonly PluginConf[], rt: RuntimeConf, prev: Result | undefined, opts: RunnerOptions): Promise<string[] & { code?: number }> {
  const failures: string[] & { code?: number } = [];
  for (const plugin of [...plugins].reverse()) {
    try {
      await one('DEL', list, plugin, rt, prev, opts);
    } catch (err) {
      failures.code ??= toCniError(err).code;
      failures.push(describe(plugin, err));
    }
  }
  return failures;
}

/** ADD through the list, undoing on failure, then the result cached (libcni's layout). As runtime.ts addNetworkList. */
export async function addList(list: NetworkConfigList, rt: RuntimeConf, opts: RunnerOptions): Promise<Result> {
  validateRuntimeConf(rt, true);
  const action = `cannot add ${name(list, rt)}`;
  // Every plugin is found before the first ADD: a missing one fails with nothing to undo.
  for (const plugin of list.plugins) {
    try {
      findPlugin(plugin.type, opts.cniPath);
    } catch (err) {
      const e = toCniError(err);
      throw new CniError(e.code, `${action}: ${e.message}`, e.details);
    }
  }
  let result: Result | undefined;
  for (let i = 0; i < list.plugins.length; i++) {
    const plugin = list.plugins[i];
    try {
      result = await one('ADD', list, plugin, rt, result, opts);
    } catch (err) {
      const undo = await delPlugins(list, list.plugins.slice(0, i + 1), rt, result, opts);
      const e = toCniError(err);
      throw new CniError(e.code, `${action}: plugin ${JSON.stringify(plugin.type)} failed: ${e.message}`,
        [e.details, undo.length ? `clean-up incomplete: ${undo.join('; ')}` : ''].filter((d) => d !== '').join('; '));
    }
  }
  const final = convertResult(result!, list.cniVersion);
  try {
    await writeCacheEntry(opts.cacheDir, renderCacheEntry({ networkName: list.name, containerId: rt.containerId, ifName: rt.ifName },
      { config: list.bytes, netns: rt.netns, cniArgs: rt.args, capabilityArgs: rt.capabilityArgs, result: final }));
  } catch (err) {
    const undo = await delPlugins(list, list.plugins, rt, final, opts);
    throw new CniError(ErrCode.IOFailure, `${action}: cannot write cached result in ${JSON.stringify(opts.cacheDir)}: ${(err as Error).message}`,
      undo.length ? `clean-up incomplete: ${undo.join('; ')}` : '');
  }
  return final;
}

async function cached(list: NetworkConfigList, rt: RuntimeConf, opts: RunnerOptions): Promise<Result | undefined> {
  try {
    const entry = await readCacheEntry(opts.cacheDir, { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName });
    return entry?.result ? convertResult(parseResult(entry.result, 'cached result'), list.cniVersion) : undefined;
  } catch {
    return undefined;
  }
}

/** DEL through the list in reverse with the cached result; the cache entry goes only when all succeeded. As runtime.ts delNetworkList. */
export async function delList(list: NetworkConfigList, rt: RuntimeConf, opts: RunnerOptions): Promise<void> {
  validateRuntimeConf(rt, false);
  const prev = compareVersions(list.cniVersion, '0.4.0') >= 0 ? await cached(list, rt, opts) : undefined;
  const failures = await delPlugins(list, list.plugins, rt, prev, opts);
  if (failures.length === 0) await deleteCacheEntry(opts.cacheDir, { networkName: list.name, containerId: rt.containerId, ifName: rt.ifName });
  else throw new CniError(failures.code ?? ErrCode.PluginFailure, `cannot delete ${name(list, rt)}: ${failures.join('; ')}`);
}

/** CHECK through the list with the cached result. As runtime.ts checkNetworkList. */
export async function checkList(list: NetworkConfigList, rt: RuntimeConf, opts: RunnerOptions): Promise<void> {
  const action = `cannot check ${name(list, rt)}`;
  if (compareVersions(list.cniVersion, '0.4.0') < 0)
    throw new CniError(ErrCode.IncompatibleVersion, `${action}: CHECK needs CNI version 0.4.0 or later, the list speaks ${JSON.stringify(list.cniVersion)}`);
  if (list.disableCheck) return;
  validateRuntimeConf(rt, true);
  const prev = await cached(list, rt, opts);
  if (!prev) throw new CniError(ErrCode.UnknownContainer, `${action}: no cached result`);
  for (const plugin of list.plugins) {
    try {
      await one('CHECK', list, plugin, rt, prev, opts);
    } catch (err) {
      const e = toCniError(err);
      throw new CniError(e.code, `${action}: plugin ${JSON.stringify(plugin.type)} failed: ${e.message}`, e.details);
    }
  }
}
