/**
 * An A/B of `berth run --rm --network none IMAGE true` for two or more builds of Berth, with
 * `runc run` of a prepared bundle as in bench/runtime.ts, taking turns (each round starts with the
 * next one). Wall from here, CPU as `perf stat -e task-clock` counts it (the command and every
 * process it starts: the shim and the container too). Standalone only; as root:
 *   BENCH_AB_BUILDS=/tmp/before-dist,dist BENCH_AB_RUNS=30 node --import tsx bench/run-ab.ts
 * A build may carry `run` flags after spaces: BENCH_AB_BUILDS='dist,dist --security-opt seccomp=unconfined'.
 * Everything lives in a temp dir and the cgroup parent /berth-ab-<pid>, removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { busyboxRootfs, tarDirectory } from '../test/helpers/rootfs';
import { cleanEnv, ensurePackages, loadAverage, median, percentile, removeCgroupParent } from './util';

const RUNS = Number(process.env.BENCH_AB_RUNS ?? 20);
const BUILDS = (process.env.BENCH_AB_BUILDS ?? 'dist').split(',').map((b) => {
  const [dir, ...flags] = b.trim().split(/\s+/);
  return { dir: resolve(dir), flags };
});
const CGROUP_PARENT = `/berth-ab-${process.pid}`;
const ENV = cleanEnv({});

interface Sample {
  wall: number;
  cpu: number;
}

function timed(cmd: string, args: string[]): Sample {
  const start = process.hrtime.bigint();
  const r = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', cmd, ...args], { env: ENV, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  const line = r.stderr.split('\n').find((l) => l.includes('task-clock'));
  return { wall, cpu: Number(line?.split(',')[0]) };
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 300)}`);
}

function main(): void {
  ensurePackages('runc', 'linux-perf');
  const dir = mkdtempSync(join(tmpdir(), 'berth-run-ab-'));
  try {
    const rootfs = busyboxRootfs(join(dir, 'rootfs'));
    const tar = tarDirectory(rootfs, join(dir, 'rootfs.tar'));
    const cmds = new Map<string, () => Sample>();
    BUILDS.forEach(({ dir: build, flags }, i) => {
      const berth = join(build, 'bin/berth');
      const globals = ['--root', join(dir, `root${i}`), '--state-dir', join(dir, `state${i}`)];
      must(berth, [...globals, 'image', 'import', tar, 'ab/busybox:1']);
      const args = [...globals, 'run', '--rm', '--network', 'none', '--cgroup-parent', CGROUP_PARENT, ...flags, 'ab/busybox:1', 'true'];
      cmds.set(`berth ${[build, ...flags].join(' ')}`, () => timed(berth, args));
    });
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    must('runc', ['spec', '--bundle', bundle]);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    spec.root.path = rootfs;
    spec.process.args = ['true'];
    spec.process.terminal = false;
    spec.linux.cgroupsPath = `${CGROUP_PARENT}/runc`;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    let n = 0;
    cmds.set('runc run', () => timed('runc', ['--root', join(dir, 'runc-state'), 'run', '--bundle', bundle, `ab-${n++}`]));
    for (const f of cmds.values()) f(); // one warm-up each
    const names = [...cmds.keys()];
    const got = new Map<string, Sample[]>(names.map((k) => [k, []]));
    for (let r = 0; r < RUNS; r++)
      for (let j = 0; j < names.length; j++) {
        const name = names[(r + j) % names.length];
        got.get(name)!.push(cmds.get(name)!());
      }
    console.log(`${RUNS} rounds, load average ${loadAverage(3)}; wall in ms (median, p25, min), CPU task-clock median`);
    for (const [name, s] of got) {
      const wall = s.map((x) => x.wall);
      const line = [median(wall), percentile(wall, 25), Math.min(...wall)].map((x) => x.toFixed(1)).join(' / ');
      console.log(`${name}: wall ${line}, CPU ${median(s.map((x) => x.cpu)).toFixed(1)}`);
    }
  } finally {
    spawnSync('umount', ['-R', '-l', dir]);
    removeCgroupParent(CGROUP_PARENT);
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
