/**
 * The plugin side of the CNI protocol: env + stdin -> handler -> stdout and exit code.
 * Every failure becomes the spec's error object on stdout and exit 1; no stack trace reaches the
 * user unless BERTH_DEBUG asks for a debug log.
 */
import { CniError, ErrCode, toCniError } from './errors.js';
import { parseCommand, parseEnv, type CniEnv } from './env.js';
import {
  compareVersions,
  convertResult,
  LATEST_VERSION,
  negotiateVersion,
  parseResult,
  PLUGIN_VERSIONS,
  versionReplyFor,
  type CniVersion,
  type PluginVersion,
} from './version.js';
import { renderResult020 } from './result-020.js';
export { processIO } from './process-io.js';
import type { NetConf, Result } from './types.js';
import { createLogger, type Logger } from './log.js';
import { MAX_JSON_DEPTH, parseJsonObject } from '../lib/json.js';
import { NETCONF_KEYS, normaliseKeys } from './keys.js';
import { debugSetting } from '../lib/debug.js';
import { untilNetns } from './netns-ready.js';

export interface PluginIO {
  env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<string>;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /** In-process calls only: settles once CNI_NETNS is a network namespace (see PluginContext). */
  netnsReady?: Promise<void>;
}

/** What a handler gets: the validated env, the parsed config and its negotiated version. */
export interface PluginContext extends CniEnv {
  cniVersion: PluginVersion;
  /** The config as parsed from stdin; each plugin validates its own keys with its schema. */
  config: NetConf;
  /** The config text, for plugins that delegate to another plugin with the same stdin. */
  stdin: string;
  prevResult?: Result;
  log: Logger;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Set only for a plugin whose Handlers say `awaitsNetns`, called in berth's process while the
   * supervisor still makes the netns: the plugin does what needs only the host first and awaits
   * this before it reaches into CNI_NETNS. It rejects when the netns will never come.
   */
  netnsReady?: Promise<void>;
}

export interface Handlers {
  /** The plugin awaits PluginContext.netnsReady itself; others are called once the netns is ready. */
  awaitsNetns?: boolean;
  add(ctx: PluginContext): Promise<Result>;
  del(ctx: PluginContext): Promise<void>;
  check(ctx: PluginContext): Promise<void>;
  gc?(ctx: PluginContext): Promise<void>;
  status?(ctx: PluginContext): Promise<void>;
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

/**
 * Decodes stdin into an object. Nesting deeper than MAX_JSON_DEPTH is refused before parsing.
 * @throws {CniError} code 6
 */
function decodeConfig(text: string): Record<string, unknown> {
  const parsed = parseJsonObject(text, MAX_JSON_DEPTH);
  if (!parsed.ok) {
    const what = 'cannot decode the network configuration on stdin';
    if (parsed.why === 'too-deep') throw new CniError(ErrCode.DecodeFailure, `${what}: nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (parsed.why === 'not-json') throw new CniError(ErrCode.DecodeFailure, `${what}: not valid JSON`, parsed.detail);
    throw new CniError(ErrCode.DecodeFailure, `${what}: not a JSON object`);
  }
  // "Name", "CNIVersion", "RuntimeConfig": matched as the reference's Go decoder matches them.
  return normaliseKeys(parsed.value, NETCONF_KEYS) as Record<string, unknown>;
}

/** The config on stdin, or undefined when it does not decode (VERSION and error objects do without). */
function tryDecodeConfig(text: string): Record<string, unknown> | undefined {
  try {
    return decodeConfig(text);
  } catch {
    return undefined;
  }
}

/**
 * The version to put into an error object: the request's (cniVersion, or the best of 1.1's
 * cniVersions) when Berth speaks it, else the latest.
 */
function errorVersion(raw: Record<string, unknown> | undefined): string {
  if (!raw) return LATEST_VERSION;
  try {
    return negotiateVersion(raw, PLUGIN_VERSIONS);
  } catch {
    return LATEST_VERSION;
  }
}

/** Runs one CNI command against `handlers`; returns the process exit code. */
export async function runPlugin(handlers: Handlers | (() => Promise<Handlers>), io: PluginIO): Promise<number> {
  const log = createLogger(debugSetting(io.env, 'BERTH_LOG'), io.writeStderr);
  let stdin = '';
  let raw: Record<string, unknown> | undefined;
  try {
    try {
      stdin = await io.readStdin();
    } catch (err) {
      throw new CniError(
        ErrCode.IOFailure,
        'cannot read the network configuration from stdin',
        err instanceof Error ? err.message : String(err),
      );
    }
    const command = parseCommand(io.env);
    if (command === 'VERSION') {
      io.writeStdout(versionReplyFor(stdin)); // the reference never fails VERSION on what stdin holds
      return 0;
    }
    raw = decodeConfig(stdin);
    const cniVersion = negotiateVersion(raw, PLUGIN_VERSIONS);
    const env = parseEnv(command, io.env);
    if (command === 'CHECK' && compareVersions(cniVersion, '0.4.0') < 0)
      throw new CniError(ErrCode.IncompatibleVersion, `CHECK is not supported in CNI version ${cniVersion}`, 'CHECK needs 0.4.0 or later');
    if ((command === 'GC' || command === 'STATUS') && compareVersions(cniVersion, '1.1.0') < 0)
      throw new CniError(ErrCode.IncompatibleVersion, `${command} is not supported in CNI version ${cniVersion}`, `${command} needs 1.1.0`);
    if (typeof raw.name !== 'string' || raw.name === '')
      throw new CniError(ErrCode.InvalidNetworkConfig, 'invalid network configuration: "name" is required');
    if (!NETWORK_NAME.test(raw.name))
      throw new CniError(
        ErrCode.InvalidNetworkConfig,
        `invalid network name ${JSON.stringify(raw.name)}: must match ${NETWORK_NAME.source}`,
      );
    const config = { ...raw, cniVersion } as NetConf;
    const prevResult = raw.prevResult === undefined || raw.prevResult === null ? undefined : parseResult(raw.prevResult);
    if (command === 'CHECK' && !prevResult)
      throw new CniError(ErrCode.InvalidNetworkConfig, 'CHECK needs prevResult in the network configuration');
    const h = typeof handlers === 'function' ? await handlers() : handlers;
    if (!h.awaitsNetns) await untilNetns(io.netnsReady, command);
    const ready = io.netnsReady && h.awaitsNetns ? { netnsReady: io.netnsReady } : {};
    const ctx: PluginContext = { ...env, cniVersion, config, stdin, prevResult, log, env: io.env, ...ready };
    log.debug(`${command} ${env.containerId} ${env.ifName} netns=${env.netns} network=${raw.name}`);
    switch (command) {
      case 'ADD': {
        const result = await h.add(ctx);
        const shaped =
          compareVersions(cniVersion, '0.3.0') < 0 ? renderResult020(result, cniVersion) : convertResult(result, cniVersion as CniVersion);
        io.writeStdout(JSON.stringify(shaped) + '\n');
        break;
      }
      case 'DEL':
        await h.del(ctx);
        break;
      case 'CHECK':
        await h.check(ctx);
        break;
      case 'GC':
        if (h.gc) await h.gc(ctx);
        break;
      case 'STATUS':
        if (h.status) await h.status(ctx);
        break;
    }
    return 0;
  } catch (err) {
    const cniErr = toCniError(err);
    log.error(err);
    io.writeStdout(JSON.stringify(cniErr.toResult(errorVersion(raw ?? tryDecodeConfig(stdin)))) + '\n');
    return 1;
  }
}

/** The result a chained plugin works on. @throws {CniError} 7 when there is none (the plugin is not chained after an interface plugin) */
export function requirePrevResult(ctx: PluginContext, plugin: string, command: string): Result {
  if (!ctx.prevResult)
    throw new CniError(ErrCode.InvalidNetworkConfig, `${plugin} ${command} needs prevResult: it must be chained after an interface plugin`);
  return ctx.prevResult;
}
