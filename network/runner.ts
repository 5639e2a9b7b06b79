/**
 * How netctl calls plugins: Berth's own plugins, when CNI_PATH resolves them to the executables
 * shipped beside netctl, run inside netctl's process through the same skeleton (same env, same stdin,
 * same stdout JSON) instead of being exec'd, so `netctl attach` costs one Node start-up, not one per
 * plugin. Any other plugin is exec'd. The chain itself (ADD with undo, DEL in reverse, CHECK, the
 * result cache) is cni/runtime.ts's, with this caller as its `callPlugin` hook.
 */
import { basename } from 'node:path';
import { isShippedBeside } from '../cni/sibling.js';
import { CniError, ErrCode } from '../cni/errors.js';
import type { PluginCaller } from '../cni/runtime.js';
import { execPlugin, parseErrorObject, renderPluginEnv, type ExecOptions, type PluginEnv } from '../cni/invoke.js';
import { untilNetns } from '../cni/netns-ready.js';
import type { Handlers } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { parseResult } from '../cni/version.js';
import { PLUGINS } from '../plugins/registry.js';

/**
 * A PluginCaller that runs Berth's own plugins beside `selfDir` in-process and execs the rest.
 * `netnsReady` (berth run: the netns is still being made): an exec'd plugin starts once it is
 * there (ADD; other commands once it is there or never will be), an in-process one gets it
 * (cni/skel.ts).
 */
export function pluginCaller(selfDir: string | undefined, netnsReady?: Promise<void>): PluginCaller {
  return async (path, env, config, opts) => {
    const own = Object.hasOwn(PLUGINS, basename(path)) ? PLUGINS[basename(path)] : undefined;
    if (own && isShippedBeside(path, selfDir)) return runInProcess(path, own, env, config, opts, netnsReady);
    await untilNetns(netnsReady, env.command);
    return execPlugin(path, env, config, opts);
  };
}

/** The skeleton's module, imported at the first call: an import() per call costs a module lookup each. */
let skeleton: Promise<typeof import('../cni/skel.js')> | undefined;

/** The skeleton with the exec protocol's inputs and outputs, in this process; failures read as execPlugin reads them. */
async function runInProcess(
  path: string,
  handlers: () => Promise<Handlers>,
  env: PluginEnv,
  config: object,
  opts: ExecOptions,
  netnsReady: Promise<void> | undefined,
): Promise<Result | undefined> {
  const { runPlugin } = await (skeleton ??= import('../cni/skel.js'));
  let stdout = '',
    stderr = '';
  const code = await runPlugin(handlers, {
    env: renderPluginEnv(env, opts.env),
    readStdin: async () => JSON.stringify(config),
    writeStdout: (t) => {
      stdout += t;
    },
    writeStderr: (t) => {
      stderr += t;
    },
    ...(netnsReady && { netnsReady }),
  });
  if (stderr && opts.env?.BERTH_DEBUG) process.stderr.write(stderr);
  const what = `plugin ${JSON.stringify(path)} ${env.command}`;
  if (code !== 0)
    throw (
      parseErrorObject(stdout) ??
      new CniError(ErrCode.PluginFailure, `${what} failed with exit code ${code}: ${stderr.trim().split('\n').pop() || 'no output'}`)
    );
  if (env.command !== 'ADD') return undefined;
  try {
    return parseResult(JSON.parse(stdout), 'result');
  } catch (err) {
    throw new CniError(ErrCode.PluginFailure, `${what} returned an invalid result: ${(err as Error).message}`);
  }
}

export { selfDirOf } from '../cni/sibling.js';
