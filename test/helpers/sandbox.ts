/**
 * The integration-test sandbox: throwaway network namespaces and temp dirs with a per-run prefix,
 * the built executables run through the CNI exec protocol, and `ip -j` as an independent oracle.
 * Everything made here is deleted in `finally` by the helpers themselves.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const isRoot = process.getuid?.() === 0;
export const ROOT_DIR = resolve(__dirname, '../..');
/** The executables under test: dist/bin, or BERTH_TEST_BIN_DIR (scripts/test.mjs sets it for the Node build of the plugins). */
export const BIN_DIR = process.env.BERTH_TEST_BIN_DIR ? resolve(process.env.BERTH_TEST_BIN_DIR) : join(ROOT_DIR, 'dist/bin');

/**
 * A short prefix unique to this test process, for namespace, link and dir names: "bt", the runner's
 * two hex digits (BERTH_TEST_RUN, so scripts/test.mjs finds only its own leftovers), two of its own.
 */
const RUNNER = /^[0-9a-f]{2}$/.test(process.env.BERTH_TEST_RUN ?? '') ? process.env.BERTH_TEST_RUN : randomBytes(1).toString('hex');
export const RUN_PREFIX = `bt${RUNNER}${randomBytes(1).toString('hex')}`;
/**
 * Installs the Debian packages a test needs when missing (scripts/ensure-packages.sh; as root only).
 * Each suite names all it uses beyond the Makefile's APT_PACKAGES: CI runs on a fresh machine, and
 * what an earlier suite happened to install must not be what makes a later one pass.
 */
export function ensurePackages(...packages: string[]): void {
  if (!isRoot) return;
  execFileSync(join(ROOT_DIR, 'scripts/ensure-packages.sh'), packages, { stdio: ['ignore', 'inherit', 'inherit'] });
}

let counter = 0;
/** A fresh unique name with the run prefix, e.g. "bt3fa2-h1". Keep `tag` short (link names max 15). */
export function uniqueName(tag: string): string {
  counter += 1;
  return `${RUN_PREFIX}${tag}${counter}`;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when empty/not JSON. */
  json?: any;
}

/** Runs a program with exactly `env` (no inherited variables but PATH), `input` on stdin. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string | Buffer; cwd?: string; argv0?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...opts.env },
      cwd: opts.cwd,
      argv0: opts.argv0,
    });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.stdin.on('error', () => {}); // a child that exits without reading its input is not a test failure (EPIPE)
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolvePromise({ code: code ?? -1, stdout, stderr, json });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The CNI_* variables of one call; `ns` names a namespace under /run/netns ('' sends CNI_NETNS empty). */
export function cniEnv(command: string, id: string, ns: string, ifName = 'eth0'): Record<string, string> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: ns && netnsPath(ns), CNI_IFNAME: ifName };
}

/** Execs dist/bin/<plugin> the way an orchestrator does: only PATH and the CNI_* variables. */
export function runPlugin(plugin: string, env: Record<string, string>, config: unknown): Promise<RunResult> {
  const input = typeof config === 'string' ? config : JSON.stringify(config);
  return run(join(BIN_DIR, plugin), [], { env: { CNI_PATH: BIN_DIR, ...env }, input });
}

/** Runs a command synchronously and returns stdout; throws with stderr on failure. */
export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

export function createNetns(name: string): string {
  sh('ip', ['netns', 'add', name]);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

export function deleteNetns(name: string): void {
  if (existsSync(netnsPath(name))) {
    try {
      sh('ip', ['netns', 'del', name]);
    } catch {
      /* already gone */
    }
  }
}

/** Makes `count` namespaces, runs `fn` with their names, deletes them all whatever happens. */
export async function withNetns<T>(count: number, fn: (...names: string[]) => Promise<T>): Promise<T> {
  const names: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const name = uniqueName('ns');
      createNetns(name);
      names.push(name);
    }
    return await fn(...names);
  } finally {
    for (const name of names) deleteNetns(name);
  }
}

/** A temp dir with the run prefix, removed after `fn`. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ip -j` inside a namespace (the oracle independent of Berth's netlink code). */
export function ipJson(netns: string, args: string[]): any[] {
  const out = sh('ip', ['-n', netns, '-j', ...args]);
  return out.trim() ? JSON.parse(out) : [];
}

export function linkOf(netns: string, name: string): any | undefined {
  try {
    return ipJson(netns, ['-d', 'link', 'show', 'dev', name])[0];
  } catch {
    return undefined;
  }
}

/** Addresses of a link as CIDR strings, in kernel order (e.g. ["127.0.0.1/8", "::1/128"]). */
export function addrsOf(netns: string, dev: string): string[] {
  const [link] = ipJson(netns, ['addr', 'show', 'dev', dev]);
  return (link?.addr_info ?? []).map((a: any) => `${a.local}/${a.prefixlen}`);
}

/** Rejects unless the promise rejects (uvu's assert.throws is synchronous). */
export async function rejects(p: Promise<unknown>, pattern?: RegExp): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (pattern && !pattern.test(String((err as Error)?.message ?? err)))
      throw new Error(`rejected with ${String(err)}, expected ${pattern}`);
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

/** Execs dist/bin/<plugin> inside the "host" namespace `hostNs`, with only PATH and CNI_* in its env. */
export function runPluginIn(hostNs: string, plugin: string, env: Record<string, string>, config: unknown): Promise<RunResult> {
  const input = typeof config === 'string' ? config : JSON.stringify(config);
  return run('ip', ['netns', 'exec', hostNs, join(BIN_DIR, plugin)], { env: { CNI_PATH: BIN_DIR, ...env }, input });
}

/**
 * runPluginIn() by nsenter, as a runtime in that namespace would run it: only the network namespace
 * changes (`ip netns exec` also remounts /sys). `cniPath` is where the plugin finds its delegates.
 */
export function runPluginByNsenter(
  hostNs: string,
  plugin: string,
  env: Record<string, string>,
  config: unknown,
  cniPath = BIN_DIR,
): Promise<RunResult> {
  return run('nsenter', [`--net=${netnsPath(hostNs)}`, join(BIN_DIR, plugin)], {
    env: { CNI_PATH: cniPath, ...env },
    input: JSON.stringify(config),
  });
}

/** Runs a command inside a namespace and returns its exit code and output (never throws). */
export function runIn(ns: string, cmd: string, args: string[]): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/** Asserts a run exited 0, showing its output otherwise; the run. */
export function succeeded(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** One ping from netns `from` to `to`; true when answered. */
export async function pings(from: string, to: string): Promise<boolean> {
  return (await runIn(from, 'ping', ['-c', '1', '-W', '1', to])).code === 0;
}

/**
 * Starts a one-connection TCP server in `ns` on `port`, runs `connect()` (which should make a
 * client connect to it), and returns the source address the server saw ("" if none came in 3 s).
 * The server is a child process this helper started and kills by PID.
 */
export async function sourceSeenBy(ns: string, port: number, connect: () => Promise<unknown>): Promise<string> {
  const script = `const s=require('net').createServer(c=>{process.stdout.write('peer '+c.remoteAddress.replace(/^::ffff:/,'')+'\\n');c.end();s.close();});s.listen(${port},'::',()=>process.stdout.write('ready\\n'));setTimeout(()=>process.exit(0),3000);`;
  const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { env: { PATH: process.env.PATH ?? '' } });
  let out = '';
  try {
    await new Promise<void>((resolveReady, reject) => {
      server.stdout.on('data', (c) => {
        out += c;
        if (out.includes('ready')) resolveReady();
      });
      server.on('error', reject);
      server.on('close', () => resolveReady());
    });
    await connect();
    await new Promise<void>((resolveDone) => {
      if (server.exitCode !== null || out.includes('peer ')) return resolveDone();
      server.on('close', () => resolveDone());
      server.stdout.on('data', () => {
        if (out.includes('peer ')) resolveDone();
      });
    });
    return /peer (\S+)/.exec(out)?.[1] ?? '';
  } finally {
    if (server.exitCode === null && server.pid) process.kill(server.pid, 'SIGKILL');
  }
}

/** Joins `host` and a new "outside" netns by a veth: host 198.51.100.1/24, outside 198.51.100.2/24 (and 2001:db8:51::1/2). */
export function connectOutside(host: string, outside: string): void {
  const [h, o] = [`${RUN_PREFIX}ho`, `${RUN_PREFIX}oh`];
  sh('ip', ['-n', host, 'link', 'add', h, 'type', 'veth', 'peer', 'name', o, 'netns', outside]);
  sh('ip', ['-n', host, 'addr', 'add', '198.51.100.1/24', 'dev', h]);
  sh('ip', ['-n', host, 'addr', 'add', '2001:db8:51::1/64', 'dev', h, 'nodad']);
  sh('ip', ['-n', host, 'link', 'set', h, 'up']);
  sh('ip', ['-n', outside, 'addr', 'add', '198.51.100.2/24', 'dev', o]);
  sh('ip', ['-n', outside, 'addr', 'add', '2001:db8:51::2/64', 'dev', o, 'nodad']);
  sh('ip', ['-n', outside, 'link', 'set', o, 'up']);
}
