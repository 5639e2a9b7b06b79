/**
 * The CPU of single plugin calls of several Berth builds: `perf stat -e task-clock,page-faults`
 * around bridge ADD, portmap ADD (one port mapping), portmap DEL and bridge DEL, one chain per
 * build in turn (the order reversed every other chain), each build in a throwaway host namespace of
 * its own and each chain in a fresh container namespace. Medians per call; ratios to the first
 * build. For an A/B of start-up changes, where the chain bench's wall times move with the load.
 *
 *   BENCH_CALLS_BUILDS=before=/tmp/a/dist/bin,after=dist/bin node --import tsx bench/calls.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeConf, nsPath, portmapConf, type Impl } from './chain-setup';
import { BERTH_BIN, cleanEnv, ensurePackages, loadAverage, median, runStandalone, table } from './util';

const CHAINS = Number(process.env.BENCH_CALLS_CHAINS ?? 30);
const BUILDS = (process.env.BENCH_CALLS_BUILDS ?? `berth=${BERTH_BIN}`).split(',').map((spec) => {
  const [label, bin] = spec.split('=');
  return { label, bin };
});
const CALLS = ['bridge ADD', 'portmap ADD', 'portmap DEL', 'bridge DEL'] as const;
type Call = (typeof CALLS)[number];

export async function run(): Promise<string> {
  ensurePackages('linux-perf');
  const prefix = `berth-bench-calls-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const made: string[] = [];
  const newNs = (name: string) => {
    execFileSync('ip', ['netns', 'add', name]);
    made.push(name);
    return name;
  };
  const samples = BUILDS.map(() => new Map<Call, { ms: number[]; faults: number[] }>(CALLS.map((c) => [c, { ms: [], faults: [] }])));
  const load = [loadAverage()];
  try {
    const hosts = BUILDS.map((_, k) => newNs(`${prefix}-h${k}`));
    /** One plugin call in build k's host, under perf stat; its stdout. */
    const call = (k: number, call: Call, id: string, ns: string, conf: unknown): string => {
      const [plugin, command] = call.split(' ');
      const out = join(dir, 'perf.csv');
      const env = cleanEnv({
        CNI_COMMAND: command,
        CNI_CONTAINERID: id,
        CNI_NETNS: nsPath(ns),
        CNI_IFNAME: 'eth0',
        CNI_PATH: BUILDS[k].bin,
      });
      const perf = ['perf', 'stat', '-x,', '-e', 'task-clock,page-faults', '-o', out, '--', join(BUILDS[k].bin, plugin)];
      const r = spawnSync('ip', ['netns', 'exec', hosts[k], ...perf], { env, input: JSON.stringify(conf) });
      if (r.status !== 0) throw new Error(`${BUILDS[k].label} ${call}: ${r.stdout}${r.stderr}`);
      const [ms, faults] = ['task-clock', 'page-faults'].map((event) =>
        Number(
          readFileSync(out, 'utf8')
            .split('\n')
            .find((line) => line.includes(event))
            ?.split(',')[0],
        ),
      );
      samples[k].get(call)!.ms.push(ms);
      samples[k].get(call)!.faults.push(faults);
      return r.stdout.toString();
    };
    for (let i = 0; i < CHAINS; i++) {
      const order = BUILDS.map((_, k) => k);
      for (const k of i % 2 ? order.reverse() : order) {
        const impl: Impl = { name: 'berth', bin: BUILDS[k].bin, berth: true };
        const buildDir = join(dir, `b${k}`);
        const ns = newNs(`${prefix}-c${k}-${i}`);
        const id = `calls${i}b${k}`;
        const bridge = bridgeConf(impl, buildDir);
        const prevResult = JSON.parse(call(k, 'bridge ADD', id, ns, bridge));
        const portmap = portmapConf(impl, buildDir, 20000 + i, prevResult);
        call(k, 'portmap ADD', id, ns, portmap);
        call(k, 'portmap DEL', id, ns, portmap);
        call(k, 'bridge DEL', id, ns, bridge);
      }
    }
  } finally {
    for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
  load.push(loadAverage());
  const head = [
    'call',
    ...BUILDS.map((b) => `${b.label}: task-clock ms (page faults)`),
    ...BUILDS.slice(1).map((b) => `${b.label}/${BUILDS[0].label}`),
  ];
  const medians = (k: number, c: Call) => median(samples[k].get(c)!.ms);
  const rows = CALLS.map((c) => [
    c,
    ...BUILDS.map((_, k) => `${medians(k, c).toFixed(2)} (${median(samples[k].get(c)!.faults)})`),
    ...BUILDS.slice(1).map((_, k) => `${(medians(k + 1, c) / medians(0, c)).toFixed(3)}x`),
  ]);
  const sums = BUILDS.map((_, k) => CALLS.reduce((sum, c) => sum + medians(k, c), 0));
  rows.push(['sum of the medians', ...sums.map((s) => s.toFixed(2)), ...sums.slice(1).map((s) => `${(s / sums[0]).toFixed(3)}x`)]);
  return [
    `### calls\n`,
    `Median of ${CHAINS} interleaved chains per build, \`perf stat\` around each plugin process (load average ${load.join(' before, ')} after).\n`,
    table(head, rows),
  ].join('\n');
}

if (require.main === module) runStandalone('calls', run);
