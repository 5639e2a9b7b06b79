/** Shared benchmark helpers: clean-env process timing, medians, tables. Never used by tests. */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
/** Berth's executables; BENCH_BERTH_BIN points at another build (e.g. a copy made before a rebuild). */
export const BERTH_BIN = process.env.BENCH_BERTH_BIN ?? resolve(ROOT, 'dist/bin');
export const REFERENCE_BIN = '/usr/lib/cni';

/** The environment an orchestrator gives a plugin: PATH and the CNI_* variables only. */
export function cleanEnv(cni: Record<string, string>): Record<string, string> {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...cni };
}

export interface Timed {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
  maxRssKb?: number;
}

/** Runs one process to completion and measures its wall time (spawn to exit). */
export function timeExec(cmd: string, args: string[], env: Record<string, string>, input = ''): Promise<Timed> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', fail);
    // A child that exits without reading its input makes the write fail with EPIPE: its exit code tells.
    child.stdin.on('error', () => {});
    child.on('close', (code) => done({ ms: Number(process.hrtime.bigint() - start) / 1e6, code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Peak RSS of one run, via GNU time's %M (kB). */
export function peakRssKb(cmd: string, args: string[], env: Record<string, string>, input = ''): number {
  // GNU time prints %M on stderr after the program's own stderr: its last line.
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env, input, encoding: 'utf8' });
  return Number(r.stderr.trim().split('\n').pop());
}

/** The load averages (1, 5, 15 minutes; the first `count`): the machine is shared, and every figure should say how busy it was. */
export function loadAverage(count = 1): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, count).join(' ');
}

/** Removes the cgroup `parent` (e.g. /berth-ab-PID) and the cgroups in it, in every hierarchy where it is. */
export function removeCgroupParent(parent: string): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, parent);
    if (!existsSync(dir)) continue;
    for (const c of readdirSync(dir, { withFileTypes: true })) if (c.isDirectory()) rmdirSync(join(dir, c.name));
    rmdirSync(dir);
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return lines.join('\n');
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/** The Debian version of the reference plugins (containernetworking-plugins). */
export function referenceVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'containernetworking-plugins'], { encoding: 'utf8' });
  } catch {
    return '(version unknown)';
  }
}

/** Installs Debian packages when missing (the benchmark's own needs, e.g. hyperfine, the reference plugins). */
export function ensurePackages(...pkgs: string[]): void {
  execFileSync(resolve(ROOT, 'scripts/ensure-packages.sh'), pkgs, { stdio: 'inherit' });
}

/**
 * Runs `file --worker` inside a throwaway "host" network namespace (loopback up), so the plugins it
 * times run there without a wrapper process, and returns the JSON the worker printed on stdout.
 * The namespace is deleted whatever happens.
 */
export function runWorkerInThrowawayHost<T>(file: string, name: string): T {
  const host = `berth-bench-${name}-${process.pid}`;
  // Ctrl-C (or pkill -f) also reaches the worker, which deletes its own namespaces and ends
  // (workerScratch); this process must outlive it to delete the host below. Without a handler
  // Node would die at once; with one, the signal waits until spawnSync returns.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  execFileSync('ip', ['netns', 'add', host]);
  try {
    execFileSync('ip', ['-n', host, 'link', 'set', 'lo', 'up']);
    const r = spawnSync('ip', ['netns', 'exec', host, process.execPath, '--import', 'tsx', file, '--worker'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.status !== 0)
      throw new Error(
        `${name} benchmark worker ${r.signal ? `ended by ${r.signal}` : 'failed'}: ${r.stderr.trim().split('\n').slice(-5).join(' ')}`,
      );
    return JSON.parse(r.stdout) as T;
  } finally {
    spawnSync('ip', ['netns', 'del', host]);
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
}

/**
 * A worker's scratch: `newNs` makes a namespace, `cleanUp` deletes every one made and the temp dir
 * `dir` (idempotent; call it in `finally`). It also runs on SIGINT or SIGTERM, then ends the
 * process: a signal skips `finally`, and the namespaces would stay behind.
 */
export function workerScratch(dir: string): { newNs: (name: string) => string; cleanUp: () => void } {
  const made: string[] = [];
  const cleanUp = () => {
    for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    newNs: (name) => {
      execFileSync('ip', ['netns', 'add', name]);
      made.push(name);
      return name;
    },
    cleanUp,
  };
}

/**
 * A bench file run on its own: with `--worker` its `worker` (the part inside the throwaway host),
 * else `run`, whose markdown section goes to stdout. A failure sets exit status 1 and says why on stderr.
 */
export function runStandalone(name: string, run: () => Promise<string>, worker?: () => Promise<void>): void {
  const fail = (err: unknown, prefix: string) => {
    console.error(prefix ? `${prefix}: ${err instanceof Error ? err.message : String(err)}` : err);
    process.exitCode = 1;
  };
  if (worker && process.argv.includes('--worker')) worker().catch((err) => fail(err, ''));
  else
    run().then(
      (text) => console.log(text),
      (err) => fail(err, `bench ${name}`),
    );
}

/**
 * The pause after each timed command, so that what it leaves to finish (a process's teardown, the
 * kernel's work on a namespace) does not run into the next command's time (docs/internals/speed.md).
 */
export function settle(ms = 25): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
