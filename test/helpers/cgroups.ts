/**
 * Real cgroups for integration tests: a Berth-named parent unique to the run, removed in finally
 * with whatever a test left in it, and plain processes started inside a container's cgroup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { openCgroup, type Cgroup } from '../../runtime/cgroup/index';
import { uniqueName } from './sandbox';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** Every dir of `path` that exists, one per mounted hierarchy (read from /sys, independent of the drivers). */
export function cgroupDirsOf(path: string): string[] {
  return readdirSync(CGROUP_ROOT)
    .map((h) => `${CGROUP_ROOT}/${h}${path}`)
    .filter((d) => existsSync(d));
}

/** The cgroup path of `cg` ("/berth-test-.../ID"), from its memory cgroup.procs file. */
export function pathOf(cg: Cgroup): string {
  const procs = cg.procsFiles()[0];
  return procs.slice(procs.indexOf('/', CGROUP_ROOT.length + 1), -'/cgroup.procs'.length);
}

/** Reads one file of a v1 hierarchy, trimmed. */
export function readV1(hierarchy: string, path: string, file: string): string {
  return readFileSync(`${CGROUP_ROOT}/${hierarchy}${path}/${file}`, 'utf8').trim();
}

/**
 * Runs `fn` with a fresh parent "/berth-test-<run prefix>N"; afterwards kills what is left in its
 * children, removes them and the parent in every hierarchy, and checks nothing remains.
 */
export async function withCgroupParent<T>(
  fn: (parent: string, open: (name?: string, warn?: (m: string) => void) => Cgroup) => Promise<T>,
): Promise<T> {
  const parent = `/berth-test-${uniqueName('cg')}`;
  const opened: Cgroup[] = [];
  const open = (name = uniqueName('c'), warn = (_: string) => {}) => {
    const cg = openCgroup({ parent, name, warn });
    opened.push(cg);
    return cg;
  };
  try {
    return await fn(parent, open);
  } finally {
    for (const cg of opened) await cg.destroy();
    for (const dir of cgroupDirsOf(parent)) rmdirSync(dir);
    if (cgroupDirsOf(parent).length > 0) throw new Error(`cgroup parent ${parent} is left behind`);
  }
}

/** A cgroup under a throwaway parent (withCgroupParent), created with `resources`; `fn` gets it and its path. */
export function withNewCgroup<T>(resources: Parameters<Cgroup['create']>[0], fn: (cg: Cgroup, path: string) => Promise<T>): Promise<T> {
  return withCgroupParent(async (_parent, open) => {
    const cg = open();
    await cg.create(resources);
    return fn(cg, pathOf(cg));
  });
}

/**
 * Starts `sh -c SCRIPT` inside the cgroup: the shell writes its own pid into every cgroup.procs
 * file before it runs SCRIPT (as a container's first process does), so all it starts is inside.
 */
export function startIn(cg: Cgroup, script: string): ChildProcess {
  const join = 'for f in "$@"; do echo $$ > "$f" || exit 99; done';
  return spawn('/bin/sh', ['-c', `${join}; ${script}`, 'sh', ...cg.procsFiles()], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Resolves when the child exits: its exit code or the signal that ended it. */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Polls until `check` holds (failing the test after `ms`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
}
