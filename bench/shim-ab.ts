/**
 * An A/B of berth-shim alone, for two or more builds, taking turns: `berth-shim supervise` started
 * as `berth run --rm --network none IMAGE true` starts it (the same arguments, fd 3 a socket), timed
 * from the spawn to its Started frame, to its Exit frame and to its end. Without Bun's start and
 * berth's own work around it, a change of a fraction of a millisecond in the shim shows even on a
 * busy machine. The arguments come from a detached container of the first build (its supervisor's
 * command line), with a fresh container dir, state dir and cgroup per run. Standalone only; as root:
 *   BENCH_SHIM_BUILDS=/tmp/before-dist,dist BENCH_SHIM_RUNS=40 node --import tsx bench/shim-ab.ts
 * Everything lives in a temp dir and the cgroup parent /berth-shim-ab-<pid>, removed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Socket } from 'node:net';
import { FrameDecoder, Frame } from '../runtime/frames';
import { busyboxRootfs, tarDirectory } from '../test/helpers/rootfs';
import { cleanEnv, loadAverage, median, removeCgroupParent } from './util';

const RUNS = Number(process.env.BENCH_SHIM_RUNS ?? 30);
const BUILDS = (process.env.BENCH_SHIM_BUILDS ?? 'dist').split(',').map((b) => resolve(b.trim()));
const CGROUP_PARENT = `/berth-shim-ab-${process.pid}`;
const ENV = cleanEnv({});

interface Sample {
  started: number;
  exit: number;
  end: number;
}

function must(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout;
}

/** The supervisor's arguments of a detached `run --rm ... true` of `berth` (its exit command left out). */
function templateArgs(berth: string, globals: string[], stateDir: string): string[] {
  const id = must(berth, [
    ...globals,
    'run',
    '-d',
    '--rm',
    '--network',
    'none',
    '--cgroup-parent',
    CGROUP_PARENT,
    'ab/busybox:1',
    'sleep',
    '1000',
  ]).trim();
  try {
    const shim = JSON.parse(readFileSync(join(stateDir, 'containers', id, 'shim.json'), 'utf8')).shimPid as number;
    const argv = readFileSync(`/proc/${shim}/cmdline`, 'utf8').split('\0').slice(2, -1);
    const args: string[] = [];
    for (let i = 0; i < argv.length && argv[i] !== '--'; i++)
      if (argv[i] === '--exit-command') i++;
      else args.push(argv[i].replaceAll(id, 'ID'));
    return [...args, '--', 'true'];
  } finally {
    must(berth, [...globals, 'rm', '-f', id]);
  }
}

/**
 * The template made anew for run `n` under `runs`: its container dir (the bind sources in it), state
 * dir, socket and cgroup dirs.
 */
function prepare(template: string[], runs: string, n: number): { args: string[]; cgroups: string[] } {
  const name = `run${n}`;
  const at = (flag: string) => template.indexOf(flag) + 1;
  const bundle = join(runs, name, 'bundle');
  const args = template.map((a) => a.replaceAll(template[at('--bundle')], bundle).replaceAll('ID', name));
  args[at('--state')] = join(runs, name, 'state');
  args[at('--socket')] = join(runs, name, 'attach.sock');
  for (const d of ['diff', 'work', 'merged', '../state']) mkdirSync(join(bundle, d), { recursive: true });
  args.forEach((a, i) => args[i - 1] === '--bind' && writeFileSync(a.split(':')[0], ''));
  const cgroups = args.filter((a, i) => args[i - 1] === '--procs').map((p) => dirname(p));
  for (const c of cgroups) {
    mkdirSync(c, { recursive: true });
    if (c.includes('/cpuset/'))
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(c, f), readFileSync(join(dirname(c), f)));
  }
  return { args, cgroups };
}

function once(shim: string, args: string[]): Promise<Sample> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - start) / 1e6;
    const child = spawn(shim, ['supervise', ...args], { env: ENV, detached: true, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const got: Partial<Sample> = {};
    const decoder = new FrameDecoder();
    let stderr = '';
    child.stderr?.on('data', (c) => (stderr += c));
    (child.stdio[3] as Socket).on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === Frame.Started) got.started = since();
        if (f.type === Frame.Exit) got.exit = since();
        if (f.type === Frame.Error) fail(new Error(`berth-shim: ${f.data.toString()}`));
      }
    });
    child.on('exit', () => {
      if (got.started === undefined || got.exit === undefined) fail(new Error(`berth-shim ended without a start: ${stderr}`));
      else done({ started: got.started, exit: got.exit, end: since() });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-shim-ab-'));
  try {
    const rootfs = busyboxRootfs(join(dir, 'rootfs'));
    const globals = ['--root', join(dir, 'root'), '--state-dir', join(dir, 'state')];
    const berth = join(BUILDS[0], 'bin/berth');
    must(berth, [...globals, 'image', 'import', tarDirectory(rootfs, join(dir, 'rootfs.tar')), 'ab/busybox:1']);
    const template = templateArgs(berth, globals, join(dir, 'state'));
    // Each build's own copy of the shim, as a separate file (the builds may share an inode).
    const shims = BUILDS.map((b, i) => {
      const copy = join(dir, `shim${i}`);
      copyFileSync(join(b, 'lib/berth-shim'), copy);
      return copy;
    });
    const got = new Map<string, Sample[]>(BUILDS.map((b) => [b, []]));
    let n = 0;
    for (let r = 0; r <= RUNS; r++)
      for (let j = 0; j < shims.length; j++) {
        const k = (r + j) % shims.length;
        const { args, cgroups } = prepare(template, join(dir, 'runs'), n++);
        try {
          const s = await once(shims[k], args);
          if (r > 0) got.get(BUILDS[k])!.push(s); // round 0 warms up
        } finally {
          spawnSync('umount', ['-R', '-l', args[args.indexOf('--bundle') + 1] + '/merged']);
          for (const c of cgroups) if (existsSync(c)) rmdirSync(c);
          rmSync(join(dir, 'runs'), { recursive: true, force: true });
        }
      }
    console.log(
      `${RUNS} rounds, load average ${loadAverage(3)}; ms from the spawn (medians): Started frame, Exit frame, the shim's end; Exit - Started`,
    );
    for (const [build, s] of got) {
      const m = (f: (x: Sample) => number) => median(s.map(f)).toFixed(2);
      console.log(
        `${build}: started ${m((x) => x.started)}, exit ${m((x) => x.exit)}, end ${m((x) => x.end)}, exit - started ${m((x) => x.exit - x.started)}`,
      );
    }
  } finally {
    spawnSync('umount', ['-R', '-l', dir]);
    removeCgroupParent(CGROUP_PARENT);
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
