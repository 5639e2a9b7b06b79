/**
 * `podman run --rm` through a real runtime: podman 4.3 with its CNI backend, runc, cgroupfs with a
 * `--cgroup-parent`, a busybox image, a bridge network (bridge + host-local + portmap), with no
 * published port and with `-p 18080:80`; Berth's plugins against the reference's (Debian's
 * containernetworking-plugins), side by side in one run, interleaved (each pair's order alternates),
 * in rounds. Every run is timed (spawn to exit) and its CPU counted (`perf stat -e task-clock`,
 * inherited: podman, the plugins, conmon and runc, every process that ends with the run).
 * Separate, untimed runs go through a copy of each plugin dir whose plugins are bash wrappers
 * logging `$EPOCHREALTIME` around the real plugin: the per-call breakdown (every plugin exec podman
 * makes, VERSION included, and its time). podman runs in a throwaway host netns (nsenter --net);
 * every path it writes is in a temp dir (test/helpers/podman.ts).
 *
 *   node --import tsx bench/podman.ts          (or `make bench`, `node --import tsx bench/main.ts podman`)
 *   BENCH_PODMAN_RUNS=4 BENCH_PODMAN_ROUNDS=1 node --import tsx bench/podman.ts   (a quicker run)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpPodman, importBusybox, LIMITS, podmanIn, withPodmanOutsideCleaned, type Podman } from '../test/helpers/podman';
import { breakdown, readCalls, tracedPluginDir, type Call } from './podman-trace';
import { BERTH_BIN, REFERENCE_BIN, ensurePackages, fmt, loadAverage, median, ratio, table, timeExec, runStandalone } from './util';

const RUNS = Number(process.env.BENCH_PODMAN_RUNS ?? 10);
const ROUNDS = Number(process.env.BENCH_PODMAN_ROUNDS ?? 2);
const TRACE_RUNS = Number(process.env.BENCH_PODMAN_TRACE_RUNS ?? 5);
/** The plugin dir Berth is compared against: the reference's, or another build of Berth's (an A/B of a change). */
const OTHER_BIN = process.env.BENCH_PODMAN_REFERENCE_BIN ?? REFERENCE_BIN;
const IMPLS = ['berth', 'reference'] as const;
type ImplName = (typeof IMPLS)[number];
const CASES = [
  { name: 'no published port', args: [] as string[] },
  { name: '`-p 18080:80`', args: ['-p', '18080:80'] },
];

interface Sample {
  ms: number;
  cpuMs: number;
}

/** Set by SIGINT or SIGTERM: the next run throws, so `finally` removes everything (a signal would skip it). */
let stopping = false;
/** The conflist podman reads: the same for both implementations but for its name, bridge and subnet. */
function conflist(name: string, bridge: string, subnet: string, dataDir: string): string {
  const gateway = subnet.replace(/0\/24$/, '1');
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: { type: 'host-local', dataDir, routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet, gateway }]] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** One `podman run --rm`, timed from spawn to exit, with the CPU of every process that ended with it. */
async function timedRun(podman: Podman, args: string[], scratch: string): Promise<Sample> {
  if (stopping) throw new Error('stopped by a signal');
  const out = join(scratch, 'perf.txt');
  const c = podman.command(...args);
  const r = await timeExec('perf', ['stat', '-x', ',', '-e', 'task-clock', '-o', out, '--', ...c.argv], {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    ...c.env,
  });
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const line = readFileSync(out, 'utf8')
    .split('\n')
    .find((l) => l.includes('task-clock'));
  return { ms: r.ms, cpuMs: Number(line?.split(',')[0]) };
}

/** Every cgroup under `parent` in each hierarchy, deepest first, removed (they are empty once podman is done). */
function removeCgroupTree(parent: string): void {
  const rm = (path: string) => {
    for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) rm(join(path, e.name));
    try {
      rmdirSync(path);
    } catch {
      /* still busy; reported by the leftover check of whoever runs this */
    }
  };
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const path = join('/sys/fs/cgroup', h, parent);
    if (existsSync(path)) rm(path);
  }
}

interface Output {
  rounds: Array<Record<string, Record<ImplName, Sample[]>>>;
  calls: Record<string, Record<ImplName, Call[][]>>;
}

async function measure(dir: string, ns: string): Promise<Output> {
  const conf = join(dir, 'net.d');
  mkdirSync(conf);
  const tag = String(process.pid % 100000);
  const nets: Record<ImplName, string> = { berth: `berth-bench-pb${tag}`, reference: `berth-bench-pr${tag}` };
  writeFileSync(join(conf, 'berth.conflist'), conflist(nets.berth, `bpb${tag}`, '192.0.2.0/24', join(dir, 'leases-berth')));
  writeFileSync(join(conf, 'reference.conflist'), conflist(nets.reference, `bpr${tag}`, '198.51.100.0/24', join(dir, 'leases-reference')));
  const log = join(dir, 'calls.log');
  const podmen = (pluginDirs: Record<ImplName, string>, suffix: string) =>
    Object.fromEntries(
      IMPLS.map((i) => [i, podmanIn({ ns, dir, confDir: conf, pluginDir: pluginDirs[i], confName: `containers-${i}${suffix}.conf` })]),
    ) as Record<ImplName, Podman>;
  const timed = podmen({ berth: BERTH_BIN, reference: OTHER_BIN }, '');
  const traced = podmen(
    {
      berth: tracedPluginDir(join(dir, 'traced-berth'), BERTH_BIN, log),
      reference: tracedPluginDir(join(dir, 'traced-reference'), OTHER_BIN, log),
    },
    '-traced',
  );
  try {
    const image = await importBusybox(timed.berth, dir);
    const runArgs = (impl: ImplName, extra: string[]) => [
      'run',
      '--rm',
      ...LIMITS,
      '--cgroup-parent',
      `/berth-bench-podman-${process.pid}`,
      '--network',
      nets[impl],
      ...extra,
      image,
      'true',
    ];
    for (const impl of IMPLS) for (const c of CASES) await timedRun(timed[impl], runArgs(impl, c.args), dir); // warm-up: image, network, caches
    const out: Output = { rounds: [], calls: {} };
    for (let round = 0; round < ROUNDS; round++) {
      const samples: Output['rounds'][number] = Object.fromEntries(CASES.map((c) => [c.name, { berth: [], reference: [] }]));
      for (let i = 0; i < RUNS; i++)
        for (const c of CASES)
          for (const impl of i % 2 ? [...IMPLS].reverse() : IMPLS)
            samples[c.name][impl].push(await timedRun(timed[impl], runArgs(impl, c.args), dir));
      out.rounds.push(samples);
    }
    for (const c of CASES) {
      out.calls[c.name] = { berth: [], reference: [] };
      for (let i = 0; i < TRACE_RUNS; i++)
        for (const impl of IMPLS) {
          rmSync(log, { force: true });
          await timedRun(traced[impl], runArgs(impl, c.args), dir);
          out.calls[c.name][impl].push(readCalls(log));
        }
    }
    return out;
  } finally {
    await cleanUpPodman(timed.berth, dir);
    removeCgroupTree(`/berth-bench-podman-${process.pid}`);
  }
}

function report(o: Output, seconds: number): string {
  const rows: string[][] = [];
  const goals: string[] = [];
  for (const c of CASES) {
    const all = (impl: ImplName) => o.rounds.flatMap((r) => r[c.name][impl]);
    o.rounds.forEach((r, k) => {
      const [b, ref] = IMPLS.map((i) => median(r[c.name][i].map((s) => s.ms)));
      rows.push([`${c.name}, round ${k + 1}`, fmt(b), fmt(ref), ratio(b, ref)]);
    });
    const [b, ref] = IMPLS.map((i) => median(all(i).map((s) => s.ms)));
    const [bc, rc] = IMPLS.map((i) => median(all(i).map((s) => s.cpuMs)));
    rows.push([`${c.name}, all rounds`, fmt(b), fmt(ref), ratio(b, ref)]);
    rows.push([`${c.name}, CPU (task-clock, all processes that ended with the run)`, fmt(bc), fmt(rc), ratio(bc, rc)]);
    goals.push(`${c.name}: Berth no slower than the reference: ${ratio(b, ref)} ${b <= ref ? 'met' : 'NOT met'} (CPU ${ratio(bc, rc)})`);
  }
  return [
    '### podman run --rm (podman 4.3, CNI backend, runc, --cgroup-parent, busybox `true`)',
    '',
    `Medians of ${RUNS} interleaved runs per round (wall, spawn to exit), ${ROUNDS} rounds; Berth = ${BERTH_BIN}, reference = ${OTHER_BIN}; run took ${seconds.toFixed(0)} s.`,
    '',
    table(['case', 'Berth', 'reference', 'Berth/reference'], rows),
    '',
    'Goals:',
    '',
    ...goals.map((g) => `- ${g}`),
    '',
    ...CASES.flatMap((c) => [
      `Per-call breakdown, ${c.name} (every plugin exec podman makes in one run, in order; median of ${TRACE_RUNS} traced runs, not among the timed ones; CPU = user + system of the plugin and its children; bridge includes its IPAM):`,
      '',
      breakdown(o.calls[c.name]),
      '',
    ]),
  ].join('\n');
}

/** Runs the benchmark and returns its markdown section, headed by when it ran and the load around it. */
export async function run(): Promise<string> {
  ensurePackages('podman', 'runc', 'busybox-static', 'containernetworking-plugins', 'iptables', 'linux-perf');
  const started = Date.now();
  const loadBefore = loadAverage();
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-podman-'));
  const ns = `berth-bench-podman-${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let out: Output | undefined;
  try {
    await withPodmanOutsideCleaned(async () => {
      out = await measure(dir, ns);
    });
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const text = report(out!, (Date.now() - started) / 1000);
  return `#### Run finished ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${loadBefore} before, ${loadAverage()} after)\n\n${text}`;
}

if (require.main === module) runStandalone('podman', run);
