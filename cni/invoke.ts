/**
 * The runtime side of the CNI exec protocol (SPEC.md "Protocol"): find a plugin in CNI_PATH, exec it
 * with the CNI_* variables and the config on stdin, and read its result or error object.
 * Used by the conflist runner and by plugins that delegate (bridge -> IPAM).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrCode } from './errors.js';
import type { Command } from './env.js';
import type { Result } from './types.js';
import { parseResult } from './version.js';
import { tryParseJsonObject } from '../lib/json.js';

/** The CNI_* parameters of one call. Empty or absent values are not put into the plugin's env. */
export interface PluginEnv {
  command: Command;
  containerId?: string;
  netns?: string;
  ifName?: string;
  /** CNI_ARGS, either as the raw "K=V;K2=V2" text or as pairs. */
  args?: string | ReadonlyArray<readonly [string, string]>;
  /** CNI_PATH directories, passed on so the plugin can delegate. */
  path: readonly string[];
}

export interface ExecOptions {
  /** Kill the plugin (SIGKILL) after this many milliseconds. No limit by default. */
  timeoutMs?: number;
  /** Extra variables for the plugin's env (e.g. BERTH_DEBUG); the caller's own env is never passed. */
  env?: Readonly<Record<string, string>>;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Keep at most this much of a plugin's stderr: only its last line is reported. */
const STDERR_LIMIT = 64 * 1024;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the plugin named `type`: the first executable regular file of that name in `paths`.
 * @throws {CniError} ErrCode.PluginFailure (105) naming the type and the directories searched
 * @example findPlugin('host-local', ['/opt/cni/bin']) // "/opt/cni/bin/host-local"
 */
export function findPlugin(type: string, paths: readonly string[]): string {
  // The type comes from a config file; never let it name a path outside CNI_PATH.
  if (type === '' || type === '.' || type === '..' || type.includes('/') || type.includes('\0'))
    throw new CniError(ErrCode.PluginFailure, `cannot find plugin ${JSON.stringify(type)}: not a valid plugin name`);
  const dirs = paths.filter((p) => p !== '');
  if (dirs.length === 0) throw new CniError(ErrCode.PluginFailure, `cannot find plugin ${JSON.stringify(type)}: CNI_PATH is empty`);
  for (const dir of dirs) {
    const candidate = join(dir, type);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new CniError(ErrCode.PluginFailure, `cannot find plugin ${JSON.stringify(type)} in CNI_PATH ${JSON.stringify(dirs.join(':'))}`);
}

function renderCniArgs(args: PluginEnv['args']): string {
  if (args === undefined) return '';
  if (typeof args === 'string') return args;
  return args.map(([k, v]) => `${k}=${v}`).join(';');
}

/** The plugin's whole env: the CNI_* variables and PATH, nothing inherited from the caller. */
export function renderPluginEnv(env: PluginEnv, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = { ...extra, PATH: process.env.PATH || DEFAULT_PATH, CNI_COMMAND: env.command };
  if (env.containerId) out.CNI_CONTAINERID = env.containerId;
  if (env.netns) out.CNI_NETNS = env.netns;
  if (env.ifName) out.CNI_IFNAME = env.ifName;
  const args = renderCniArgs(env.args);
  if (args) out.CNI_ARGS = args;
  out.CNI_PATH = env.path.join(':');
  return out;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.at(-1) ?? '';
}

/** Reads a CNI error object from a failed plugin's stdout, or undefined when it is not one. */
export function parseErrorObject(stdout: string): CniError | undefined {
  const raw = tryParseJsonObject(stdout);
  if (!raw) return undefined;
  const { code, msg, details } = raw;
  if (typeof code !== 'number' || !Number.isInteger(code) || typeof msg !== 'string') return undefined;
  return new CniError(code, msg, typeof details === 'string' ? details : '');
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnPlugin(path: string, env: Record<string, string>, input: string, timeoutMs?: number): Promise<Exited> {
  return new Promise((resolve, reject) => {
    // node:child_process is loaded on the first exec only: a plugin that never execs does not pay its load.
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(path, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      if (err.length > STDERR_LIMIT) err = err.slice(-STDERR_LIMIT);
    });
    // A plugin may exit without reading its stdin (e.g. on an env error): EPIPE is not our failure.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(new CniError(ErrCode.PluginFailure, `cannot exec plugin ${JSON.stringify(path)}: ${e.code ?? e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
    child.stdin.end(input);
  });
}

/**
 * Execs the plugin at `path` with the CNI_* variables of `env` (plus PATH; nothing else of the
 * caller's env) and `config` on stdin.
 * @returns the result for ADD (read from any supported version into the 1.1.0 shape, with the
 *   plugin's `cniVersion` kept), undefined for every other command
 * @throws {CniError} the plugin's own code, msg and details when it fails with a CNI error object;
 *   ErrCode.PluginFailure (105) with the last line of stderr when it fails without one, cannot be
 *   executed, or answers ADD with something that is not a result
 */
export async function execPlugin(
  path: string,
  env: PluginEnv,
  config: string | object,
  opts: ExecOptions = {},
): Promise<Result | undefined> {
  const input = typeof config === 'string' ? config : JSON.stringify(config);
  const done = await spawnPlugin(path, renderPluginEnv(env, opts.env), input, opts.timeoutMs);
  const what = `plugin ${JSON.stringify(path)} ${env.command}`;
  if (done.code !== 0) {
    const fromPlugin = parseErrorObject(done.stdout);
    if (fromPlugin) throw fromPlugin;
    const how = done.signal ? `was killed by ${done.signal}` : `failed with exit code ${done.code}`;
    const why = lastLine(done.stderr) || lastLine(done.stdout) || 'no output';
    throw new CniError(ErrCode.PluginFailure, `${what} ${how}: ${why}`);
  }
  if (env.command !== 'ADD') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(done.stdout);
  } catch {
    const shown = done.stdout.trim() === '' ? 'no output' : `not JSON: ${JSON.stringify(done.stdout.trim().slice(0, 200))}`;
    throw new CniError(ErrCode.PluginFailure, `${what} returned no result: ${shown}`);
  }
  try {
    return parseResult(raw, 'result');
  } catch (err) {
    throw new CniError(ErrCode.PluginFailure, `${what} returned an invalid result: ${(err as Error).message}`);
  }
}

/**
 * Asks a plugin which spec versions it speaks (the VERSION command).
 * @throws {CniError} as execPlugin, or 105 when the answer has no `supportedVersions` list
 */
export async function getPluginVersions(path: string, cniVersion: string, opts: ExecOptions = {}): Promise<string[]> {
  const done = await spawnPlugin(
    path,
    renderPluginEnv({ command: 'VERSION', path: [] }, opts.env),
    JSON.stringify({ cniVersion }),
    opts.timeoutMs,
  );
  if (done.code !== 0) {
    throw (
      parseErrorObject(done.stdout) ??
      new CniError(
        ErrCode.PluginFailure,
        `plugin ${JSON.stringify(path)} VERSION failed with exit code ${done.code}: ${lastLine(done.stderr) || 'no output'}`,
      )
    );
  }
  try {
    const versions = (JSON.parse(done.stdout) as { supportedVersions?: unknown }).supportedVersions;
    if (Array.isArray(versions) && versions.every((v) => typeof v === 'string')) return versions as string[];
  } catch {
    /* reported below */
  }
  throw new CniError(ErrCode.PluginFailure, `plugin ${JSON.stringify(path)} VERSION returned no "supportedVersions" list`);
}
