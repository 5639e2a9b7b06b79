/**
 * `berth` under test: its own --root and --state-dir in a temp dir, a busybox rootfs to run with
 * --rootfs, containers' cgroups under /berth-test-<RUN_PREFIX>. Everything is removed afterwards:
 * containers (rm -f), leftover supervisors (by PID, only ours), the cgroup parent in every hierarchy.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { isEnding, isEndingOrGone, pidsNaming } from './proc';
import { BIN_DIR, RUN_PREFIX, connectOutside, run, withNetns, withTempDir, type RunResult } from './sandbox';

export { isEnding };
export const BERTH = join(BIN_DIR, 'berth');
export const CGROUP_PARENT = `/berth-test-${RUN_PREFIX}`;

export interface Berth {
  root: string;
  stateDir: string;
  rootfs: string;
  /** The CNI config and cache dirs given to berth (with `hostNetns`). */
  cniConfigDir: string;
  cniCacheDir: string;
  /** Runs `berth --root R --state-dir S ARGS`; run/create get --cgroup-parent inserted. */
  (...args: string[]): Promise<RunResult>;
  /** The same with `input` on stdin. */
  withInput(input: string, ...args: string[]): Promise<RunResult>;
}

/** A busybox root: /bin with busybox's applets, /etc/passwd with root, nobody and app (1000), a file that is not executable. */
export function makeBusyboxRootfs(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const applets = runApplets();
  for (const name of applets.split('\n').filter(Boolean)) if (name !== 'busybox') symlinkSync('busybox', join(dir, 'bin', name));
  for (const sub of ['etc', 'tmp', 'root', 'home/app', 'data']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n',
  );
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'data/hello.txt'), 'hello from the image\n');
  writeFileSync(join(dir, 'bin/noexec'), '#!/bin/sh\necho no\n', { mode: 0o644 });
  return dir;
}

function runApplets(): string {
  return execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' });
}

/** Pids of Berth's processes whose command line names `dir`: supervisors, and exit commands they became (this test's only), but none already ending. */
export function shimsUnder(dir: string): number[] {
  return pidsNaming('berth', dir).filter((pid) => !isEndingOrGone(pid));
}

/** Every dir of the test's cgroup parent still present (in any hierarchy). */
export function cgroupLeftovers(): string[] {
  const out: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, CGROUP_PARENT);
    if (existsSync(dir))
      for (const child of readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) out.push(join(dir, child.name));
  }
  return out;
}

/**
 * A cgroup parent under the test's whose cpuset has CPU 0 only (the host has two or more), so that
 * a start with `--cpuset-cpus 1` passes create's check against the host and fails to make its
 * cgroup; `widen()` gives it every CPU. Removed with the test's parent.
 */
export function narrowCpusetParent(): { parent: string; widen(): void } {
  const root = '/sys/fs/cgroup/cpuset';
  const parent = `${CGROUP_PARENT}/one-cpu`;
  const set = (path: string, cpus: string) => {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'cpuset.cpus'), cpus);
    writeFileSync(join(root, path, 'cpuset.mems'), readFileSync(join(root, 'cpuset.mems'), 'utf8').trim());
  };
  const all = readFileSync(join(root, 'cpuset.cpus'), 'utf8').trim();
  set(CGROUP_PARENT, all);
  set(parent, '0');
  return { parent, widen: () => set(parent, all) };
}

/** Removes the test's cgroup parent everywhere; false while some dir is still busy. */
function removeCgroupParent(): boolean {
  let done = true;
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, CGROUP_PARENT);
    if (!existsSync(dir)) continue;
    for (const child of readdirSync(dir, { withFileTypes: true }))
      if (child.isDirectory())
        try {
          rmdirSync(join(dir, child.name));
        } catch {
          /* busy */
        }
    try {
      rmdirSync(dir);
    } catch {
      done = false;
    }
  }
  return done;
}

const pause = () => new Promise((r) => setTimeout(r, 50));

/** run/create without a --network flag: `--network none`, so no test makes a bridge in the machine's namespace. */
const hasNetworkFlag = (args: string[]) => args.some((a) => /^--net(work)?(=|$)/.test(a));

export interface BerthOptions {
  /** A throwaway netns (a name under /run/netns) that plays the host: berth runs inside it, with its own CNI dirs. */
  hostNetns?: string;
  /** Global options before every command (e.g. `--volume-plugin-dir DIR`). */
  globals?: string[];
}

export async function withBerth<T>(fn: (berth: Berth) => Promise<T>, opts: BerthOptions = {}): Promise<T> {
  return withTempDir(async (dir) => {
    const root = join(dir, 'root'),
      stateDir = join(dir, 'state');
    const rootfs = makeBusyboxRootfs(join(dir, 'rootfs'));
    const cni = opts.hostNetns ? ['--cni-config-dir', join(dir, 'net.d'), '--cni-cache-dir', join(dir, 'cni')] : [];
    const runArgs = (args: string[]) => [
      args[0],
      '--cgroup-parent',
      CGROUP_PARENT,
      ...(opts.hostNetns || hasNetworkFlag(args) ? [] : ['--network', 'none']),
      ...args.slice(1),
    ];
    const argv = (args: string[]) => [
      '--root',
      root,
      '--state-dir',
      stateDir,
      ...(opts.globals ?? []),
      ...cni,
      ...(args[0] === 'run' || args[0] === 'create' ? runArgs(args) : args),
    ];
    const exec = (args: string[], input?: string) =>
      opts.hostNetns
        ? run('nsenter', [`--net=/run/netns/${opts.hostNetns}`, BERTH, ...argv(args)], input === undefined ? {} : { input })
        : run(BERTH, argv(args), input === undefined ? {} : { input });
    const berth = ((...args: string[]) => exec(args)) as Berth;
    Object.assign(berth, {
      root,
      stateDir,
      rootfs,
      cniConfigDir: join(dir, 'net.d'),
      cniCacheDir: join(dir, 'cni'),
      withInput: (input: string, ...args: string[]) => exec(args, input),
    });
    try {
      return await fn(berth);
    } finally {
      const ids = (await berth('ps', '-aq', '--no-trunc')).stdout.split('\n').filter(Boolean);
      if (ids.length) await berth('rm', '-f', ...ids);
      // A supervisor's exit command may still be cleaning up: end them all (ours: they name our dir), then gc.
      for (let i = 0; i < 100 && shimsUnder(dir).length > 0; i++) {
        for (const pid of shimsUnder(dir))
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        await pause();
      }
      await berth('gc');
      for (let i = 0; i < 100 && !removeCgroupParent(); i++) await pause();
    }
  });
}

/**
 * withBerth() inside a throwaway host netns, so that berth's networks never touch the machine's; with
 * `outside`, a second netns linked to the host as the world beyond it (sandbox's connectOutside).
 */
export function withBerthInHost<T>(
  fn: (berth: Berth, host: string, outside: string) => Promise<T>,
  opts: { outside?: boolean } = {},
): Promise<T> {
  return withNetns(opts.outside ? 2 : 1, async (host, outside) => {
    if (opts.outside) connectOutside(host, outside);
    return withBerth((b) => fn(b, host, outside), { hostNetns: host });
  });
}

/** Asserts that a berth call exited 0 (showing its output otherwise); its stdout. */
export async function ok(call: Promise<RunResult>): Promise<string> {
  const r = await call;
  assert.is(r.code, 0, r.stdout + r.stderr);
  return r.stdout;
}
