/**
 * The container runtime side by side with runc and podman (issue 17, "Speed and memory"):
 * `berth run --rm --network none IMAGE true` vs `runc run` (bundle prepared once), `berth exec` vs
 * `runc exec`, supervision PSS per idle container vs podman's conmon, `berth ps -a` at 200 vs 1.
 * Everything lives in a temp dir and the cgroup parent /berth-bench-<pid>, removed afterwards and
 * on SIGINT/SIGTERM. BENCH_RUNTIME_RUNS (default 10) interleaved runs per timing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, tarDirectory } from '../test/helpers/rootfs';
import { isEndingOrGone, pidsNaming, pssKb } from '../test/helpers/proc';
import { BERTH_BIN, cleanEnv, ensurePackages, fmt, loadAverage, median, ratio, settle, table, workerScratch, runStandalone } from './util';
import { cpuCounter } from './cpu-cgroup';

const RUNS = Number(process.env.BENCH_RUNTIME_RUNS ?? 10);
const IDLE = 20;
const MANY = 200;
const CGROUP_PARENT = `/berth-bench-${process.pid}`;
const ENV = cleanEnv({});
/** No single command may hang the bench (a signal waits until a spawnSync returns). */
const LIMIT = 300_000;

interface Sample {
  wall: number;
  cpu: number;
}

/** Made on first use: `run()` checks the packages first. */
let cpu: ReturnType<typeof cpuCounter> | undefined;

/**
 * Runs a command to completion twice: wall (ms, from the spawn to its exit and the end of its
 * output) from a plain run, as a shell runs it; then the user+system CPU (ms) of every process a
 * second run starts, counted in a cgroup of its own until the last one has ended
 * (bench/cpu-cgroup.ts). The wall does not come from the counted run: a caller in a cpuacct cgroup
 * of its own changed `runc run`'s wall by ~9 ms (docs/internals/speed.md).
 */
function timed(cmd: string, args: string[], env: Record<string, string> = ENV): Sample {
  cpu ??= cpuCounter(CGROUP_PARENT);
  const spawn = () => {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: LIMIT });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${`${r.stdout} ${r.stderr}`.trim().slice(0, 300)}`);
  };
  const start = process.hrtime.bigint();
  spawn();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  settle();
  const { cpuMs } = cpu.count(spawn);
  settle();
  return { wall, cpu: cpuMs };
}

function must(cmd: string, args: string[], env: Record<string, string> = ENV): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: LIMIT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout.trim();
}

/** Interleaves the named commands RUNS times (one warm-up each) and gives their median samples. */
function interleave(cmds: Record<string, () => Sample>): Record<string, Sample> {
  for (const f of Object.values(cmds)) f();
  const got: Record<string, Sample[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) for (const [k, f] of Object.entries(cmds)) got[k].push(f());
  return Object.fromEntries(
    Object.entries(got).map(([k, s]) => [k, { wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)) }]),
  );
}

/** Every pid in the bench's cgroup parent (the containers' own processes), from the pids hierarchy. */
function containerPids(): Set<number> {
  const out = new Set<number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) out.add(Number(p));
    for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) walk(join(dir, d.name));
  };
  walk(join('/sys/fs/cgroup/pids', CGROUP_PARENT));
  return out;
}

/** Removes the bench's cgroup parent (and children) in every hierarchy; best effort. */
function removeCgroups(): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const rm = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) rm(join(dir, d.name));
      try {
        rmdirSync(dir);
      } catch {
        /* busy or not a cgroup dir */
      }
    };
    rm(join('/sys/fs/cgroup', h, CGROUP_PARENT));
  }
}

/** `berth` with its own --root and --state-dir. */
function berthIn(dir: string) {
  const bin = join(BERTH_BIN, 'berth');
  const argv = (args: string[]) => ['--root', join(dir, 'root'), '--state-dir', join(dir, 'state'), ...args];
  return { bin, argv, must: (...args: string[]) => must(bin, argv(args)), timed: (...args: string[]) => timed(bin, argv(args)) };
}

/** A runc bundle on `rootfs` (read-only, as runc spec makes it) whose process is `args`, in our cgroup parent. */
function runcBundle(dir: string, rootfs: string, args: string[], name: string): string {
  mkdirSync(dir, { recursive: true });
  must('runc', ['spec', '--bundle', dir]);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  spec.root.path = rootfs;
  spec.process.args = args;
  spec.process.terminal = false;
  spec.linux.cgroupsPath = `${CGROUP_PARENT}/${name}`;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

/** A private podman (runtime.md): cgroupfs, runc, file events, private storage and tmp under `dir`. */
function podmanIn(dir: string) {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'containers.conf'),
    storage = join(dir, 'storage.conf');
  writeFileSync(
    conf,
    `[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\ntmp_dir = "${dir}/tmp"\nvolume_path = "${dir}/volumes"\n` +
      `[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "${dir}/cni"\n`,
  );
  writeFileSync(storage, `[storage]\ndriver = "vfs"\nrunroot = "${dir}/run"\ngraphroot = "${dir}/graph"\n`);
  writeFileSync(join(dir, 'registries.conf'), '');
  const env = { ...ENV, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf') };
  return {
    must: (...args: string[]) => must('podman', args, env),
    run: (...args: string[]) => spawnSync('podman', args, { env, stdio: 'ignore' }),
  };
}

/** Unmounts whatever is still mounted under `dir` (podman's shm mounts), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m?.startsWith(dir + '/'));
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m]);
}

export async function run(): Promise<string> {
  ensurePackages('runc', 'crun', 'podman', 'conmon');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-runtime-'));
  const podmanDir = join(dir, 'podman');
  const cleanUpOwn = () => {
    for (const sub of ['b', 'many', 'one']) {
      const x = berthIn(join(dir, sub));
      const ids =
        spawnSync(x.bin, x.argv(['ps', '-aq', '--no-trunc']), { encoding: 'utf8' })
          .stdout?.split('\n')
          .filter(Boolean) ?? [];
      for (let i = 0; i < ids.length; i += 50) spawnSync(x.bin, x.argv(['rm', '-f', ...ids.slice(i, i + 50)]), { stdio: 'ignore' });
    }
    for (const id of ['bench-exec']) spawnSync('runc', ['--root', join(dir, 'runc-state'), 'delete', '-f', id], { stdio: 'ignore' });
    if (existsSync(podmanDir)) podmanIn(podmanDir).run('rm', '-a', '-f', '-t', '0');
    for (const pid of pidsNaming(dir))
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    unmountUnder(dir);
    removeCgroups();
  };
  // Registered before workerScratch's handler, so it runs first on a signal.
  const onSignal = () => cleanUpOwn();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { cleanUp } = workerScratch(dir);
  try {
    const rootfs = busyboxRootfs(join(dir, 'rootfs'));
    const tar = tarDirectory(rootfs, join(dir, 'rootfs.tar'));
    const b = berthIn(join(dir, 'b'));
    b.must('image', 'import', tar, 'berth-bench/busybox:latest');
    const image = 'berth-bench/busybox:latest';
    const runcRoot = ['--root', join(dir, 'runc-state')];
    const trueBundle = runcBundle(join(dir, 'bundle-true'), rootfs, ['true'], 'runc-true');
    const sleepBundle = runcBundle(join(dir, 'bundle-sleep'), rootfs, ['sleep', '100000'], 'runc-exec');
    const crunBundle = runcBundle(join(dir, 'bundle-crun'), rootfs, ['true'], 'crun-true');
    // crun 1.8 refuses hybrid cgroups: it runs in a private mount namespace without the unified mount (unshare, sh and umount: a wrapper it pays for).
    const crun = (id: string) =>
      timed('unshare', [
        '-m',
        'sh',
        '-c',
        `umount /sys/fs/cgroup/unified && exec crun --root ${join(dir, 'crun-state')} run --bundle ${crunBundle} ${id}`,
      ]);
    const cg = ['--cgroup-parent', CGROUP_PARENT];
    let n = 0;
    const start = interleave({
      berth: () => b.timed('run', '--rm', '--network', 'none', ...cg, image, 'true'),
      runc: () => timed('runc', [...runcRoot, 'run', '--bundle', trueBundle, `bench-run-${n++}`]),
      crun: () => crun(`bench-run-${n++}`),
    });

    const ctr = b.must('run', '-d', '--network', 'none', ...cg, image, 'sleep', '100000');
    // Detached, the container keeps runc's stdio: /dev/null, or a pipe would never reach EOF.
    if (
      spawnSync('runc', [...runcRoot, 'run', '-d', '--bundle', sleepBundle, 'bench-exec'], { env: ENV, stdio: 'ignore', timeout: LIMIT })
        .status !== 0
    )
      throw new Error('runc run -d failed');
    const exec = interleave({
      berth: () => b.timed('exec', ctr, 'true'),
      runc: () => timed('runc', [...runcRoot, 'exec', 'bench-exec', 'true']),
    });
    b.must('rm', '-f', ctr);
    spawnSync('runc', [...runcRoot, 'delete', '-f', 'bench-exec']);

    // Supervision memory: IDLE detached containers each; Berth's own processes vs podman's conmons.
    for (let i = 0; i < IDLE; i++) b.must('run', '-d', '--network', 'none', ...cg, image, 'sleep', '100000');
    const inCtr = containerPids();
    // A berth command's Bun program may still be dying after the command returned (plugins/front/berth-wait.c).
    const berthPids = pidsNaming(join(dir, 'b')).filter((p) => !inCtr.has(p) && !isEndingOrGone(p));
    const berthPss = pssKb(berthPids);
    const podman = podmanIn(podmanDir);
    for (let i = 0; i < IDLE; i++)
      podman.must('run', '-d', '--network', 'none', '--cgroup-parent', `${CGROUP_PARENT}/podman`, '--rootfs', rootfs, 'sleep', '100000');
    const conmons = pidsNaming('conmon', podmanDir);
    const conmonPss = pssKb(conmons);
    podman.run('rm', '-a', '-f', '-t', '0');
    const ids = b.must('ps', '-aq', '--no-trunc').split('\n').filter(Boolean);
    b.must('rm', '-f', ...ids);

    // ps -a: a root with MANY created containers against one with 1.
    const many = berthIn(join(dir, 'many')),
      one = berthIn(join(dir, 'one'));
    for (const x of [many, one]) x.must('image', 'import', tar, image);
    one.must('create', '--network', 'none', ...cg, image, 'true');
    for (let i = 0; i < MANY; i++) many.must('create', '--network', 'none', ...cg, image, 'true');
    const ps = interleave({ many: () => many.timed('ps', '-a'), one: () => one.timed('ps', '-a') });

    const row = (what: string, a: Sample, r: Sample, goal: string) => [
      what,
      `${fmt(a.wall)} (CPU ${fmt(a.cpu)})`,
      `${fmt(r.wall)} (CPU ${fmt(r.cpu)})`,
      ratio(a.wall, r.wall),
      goal,
    ];
    return [
      `### runtime (load average ${loadAverage(3)}; medians of ${RUNS} interleaved runs; CPU = user+system of every process the command started, from a cgroup of its own)\n`,
      table(
        ['what', 'berth', 'reference', 'ratio (wall)', 'goal'],
        [
          row('`berth run --rm --network none IMAGE true` vs `runc run` (prepared bundle)', start.berth, start.runc, '<= 1.0x'),
          row(
            "the same `berth run` vs `crun run` (stretch; under `unshare -m sh -c 'umount unified; exec crun'`)",
            start.berth,
            start.crun,
            '<= 1.0x',
          ),
          row('`berth exec CTR true` vs `runc exec`', exec.berth, exec.runc, '<= 1.0x'),
          row(`\`berth ps -a\`, ${MANY} containers vs 1`, ps.many, ps.one, '<= 1.2x'),
          [
            `supervision PSS per idle container (${IDLE})`,
            `${(berthPss / IDLE).toFixed(0)} kB (${berthPids.length} processes)`,
            `${(conmonPss / IDLE).toFixed(0)} kB (conmon, ${conmons.length} processes)`,
            ratio(berthPss, conmonPss),
            '<= 1.0x',
          ],
        ],
      ),
    ].join('\n');
  } finally {
    cleanUpOwn();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanUp();
  }
}

if (require.main === module) runStandalone('runtime', run);
