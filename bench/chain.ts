/**
 * The CNI chain bridge + host-local + portmap (ipMasq, hairpin, one port mapping per container),
 * Berth against the reference plugins (Debian's containernetworking-plugins), side by side in one
 * run, inside throwaway "host" namespaces, one for each implementation (this process re-runs itself
 * in Berth's with `ip netns exec`, and forks the reference's plugins inside the other, so no wrapper
 * inflates the plugin times). Each plugin is exec'd with a clean environment (PATH and
 * CNI_* only), in chain order with prevResult, as a runtime does: ADD = bridge then portmap, DEL =
 * portmap then bridge. Reports ADD and DEL medians at 1, 100, 500 and 1000 containers already
 * attached, parallel ADD throughput (50 containers, 4 at a time), peak RSS of one plugin process,
 * how many processes one chain ADD starts, and the floor under Berth's figures: two bare start-ups
 * of the plugins' runtime (Bun, or Node), timed beside the samples. Prints a markdown section for
 * bench/README.md's latest table.
 *
 *   node --import tsx bench/chain.ts            (or `make bench`)
 *   BENCH_LEVELS=1,100 BENCH_SAMPLES=5 node --import tsx bench/chain.ts   (a quicker run)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inNetnsSync } from '../kernel/netns';
import {
  BERTH_BIN,
  REFERENCE_BIN,
  cleanEnv,
  ensurePackages,
  fmt,
  loadAverage,
  median,
  peakRssKb,
  ratio,
  referenceVersion,
  table,
  timeExec,
  runWorkerInThrowawayHost,
  workerScratch,
} from './util';

interface Impl {
  name: 'berth' | 'reference';
  bin: string;
}
const IMPLS: Impl[] = [
  { name: 'berth', bin: BERTH_BIN },
  { name: 'reference', bin: REFERENCE_BIN },
];

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,100,500,1000').split(',').map(Number);
const PARALLEL = { containers: 50, concurrency: 4, rounds: Number(process.env.BENCH_PARALLEL_ROUNDS ?? 5) };

const nsPath = (ns: string) => `/run/netns/${ns}`;
const ifNameOf = (impl: Impl) => `eth${IMPLS.indexOf(impl)}`;
/** Host ports: attached containers, measured containers and the parallel run never collide. */
const portOf = (impl: Impl, kind: 'fill' | 'sample' | 'par', i: number) =>
  (impl.name === 'berth' ? 10000 : 35000) + { fill: 0, sample: 15000, par: 20000 }[kind] + i;

function bridgeConf(impl: Impl, dir: string) {
  return {
    cniVersion: '1.0.0',
    name: `chain-${impl.name}`,
    type: 'bridge',
    bridge: `cb-${impl.name.slice(0, 8)}`,
    isGateway: true,
    ipMasq: true,
    hairpinMode: true,
    ...(impl.name === 'berth' && { firewallDir: join(dir, 'fw') }),
    ipam: {
      type: 'host-local',
      dataDir: join(dir, `leases-${impl.name}`),
      ranges: [[{ subnet: impl.name === 'berth' ? '10.210.0.0/16' : '10.211.0.0/16' }]],
    },
  };
}

function portmapConf(impl: Impl, dir: string, hostPort: number, prevResult?: unknown) {
  return {
    cniVersion: '1.0.0',
    name: `chain-${impl.name}`,
    type: 'portmap',
    capabilities: { portMappings: true },
    ...(impl.name === 'berth' && { firewallDir: join(dir, 'fw') }),
    runtimeConfig: { portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }] },
    ...(prevResult !== undefined && { prevResult }),
  };
}

/**
 * The runtime that runs Berth's plugins, with its start-up flag: Bun from the node_modules beside
 * dist/ when the plugins are compiled executables (ELF files), else the Node that the `#!` line of
 * the bridge launcher names, with its flag (scripts/build.mjs), else this process's Node.
 */
function berthRuntime(): { node: string; flags: string[] } {
  const bridge = readFileSync(join(BERTH_BIN, 'bridge'));
  if (bridge.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1')))
    return { node: join(BERTH_BIN, '../../node_modules/@oven/bun-linux-x64/bin/bun'), flags: [] };
  const first = bridge.toString('utf8').split('\n', 1)[0];
  const m = /^#!(\/\S+)(?: (\S+))?$/.exec(first);
  return m ? { node: m[1], flags: m[2] ? [m[2]] : [] } : { node: process.execPath, flags: [] };
}

/** One chain ADD and DEL; the parts are each plugin's own time, to show where a change comes from. */
interface Sample {
  add: number;
  del: number;
  parts: { bridgeAdd: number; portmapAdd: number; portmapDel: number; bridgeDel: number };
}

/**
 * user+sys CPU ms of one plugin process and every process it waited for, from bash's `times`
 * (children line, millisecond precision; GNU time rounds to 10 ms), and its result.
 */
function cpuExec(
  cmd: string,
  env: Record<string, string>,
  input: string,
  args: readonly string[] = [],
): { cpu: number; stdout: string; code: number } {
  const r = spawnSync('bash', ['-c', '"$0" "$@"; rc=$?; times >&2; exit $rc', cmd, ...args], { env, input, encoding: 'utf8' });
  const lines = r.stderr.trim().split('\n');
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(lines[lines.length - 1] ?? '');
  return {
    cpu: m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : NaN,
    stdout: r.stdout,
    code: r.status ?? -1,
  };
}

/**
 * Who goes first in sample `i`: Berth, then the reference, then the other way round (A B, B A, A B, ...).
 * An operation leaves kernel work behind it (RCU callbacks, nf_tables' deferred frees, a reference
 * ADD at 1000 containers rewrites iptables chains of ~1000 rules) that runs on while the next
 * operation is timed. With a fixed order, each implementation always followed the other one.
 */
const turnOrder = (i: number): Impl[] => (i % 2 === 0 ? IMPLS : [...IMPLS].reverse());

/** Runs inside the throwaway host namespace; prints JSON results on stdout. */
async function worker(): Promise<void> {
  const prefix = `bcw${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const { newNs, cleanUp } = workerScratch(dir);
  const env = (impl: Impl, command: string, id: string, ns: string) =>
    cleanEnv({ CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: nsPath(ns), CNI_IFNAME: ifNameOf(impl), CNI_PATH: impl.bin });
  const results = new Map<string, unknown>(); // container id + impl → chained result, for DEL's prevResult
  // Each implementation has a host namespace of its own, so "N attached" means N of its own
  // containers: in one shared host (runs 1-36), an ADD at level N also paid for the other's N
  // interfaces, addresses, routes and rules. Berth's host is this process's namespace; the
  // reference's is entered around each spawn (the child is forked inside it, on this thread).
  const refHost = newNs(`${prefix}-refhost`);
  execFileSync('ip', ['-n', refHost, 'link', 'set', 'lo', 'up']);
  const inHostOf = <T>(impl: Impl, fn: () => T): T => (impl.name === 'reference' ? inNetnsSync(nsPath(refHost), fn) : fn());
  /** One plugin call of `impl` in its host, timed (wall ms). */
  const timePlugin = (impl: Impl, plugin: string, command: string, id: string, ns: string, conf: unknown) =>
    inHostOf(impl, () => timeExec(join(impl.bin, plugin), [], env(impl, command, id, ns), JSON.stringify(conf)));
  /** One plugin call of `impl` in its host, its CPU counted (cpuExec). */
  const cpuPlugin = (impl: Impl, plugin: string, command: string, id: string, ns: string, conf: unknown) =>
    inHostOf(impl, () => cpuExec(join(impl.bin, plugin), env(impl, command, id, ns), JSON.stringify(conf)));
  // Two bare start-ups of the plugins' runtime (`bun -e 0`, or `node -e 0` with the launchers' flag, same clean
  // env): the floor under every Berth chain operation, which starts two processes. Timed beside the samples,
  // so the same load applies.
  const { node, flags } = berthRuntime();
  const bare = [...flags, '-e', '0'];
  const floorEnv = cleanEnv({});
  async function floorMs(): Promise<number> {
    let ms = 0;
    for (let k = 0; k < 2; k++) {
      const r = await timeExec(node, bare, floorEnv);
      if (r.code !== 0) throw new Error(`${[node, ...bare].join(' ')} failed: ${r.stderr}`);
      ms += r.ms;
    }
    return ms;
  }
  const floor: Output['floor'] = { command: [basename(node), ...bare].join(' '), ms: [], cpu: [] };

  async function add(impl: Impl, id: string, ns: string, hostPort: number): Promise<{ ms: number; bridge: number; portmap: number }> {
    const b = await timePlugin(impl, 'bridge', 'ADD', id, ns, bridgeConf(impl, dir));
    if (b.code !== 0) throw new Error(`${impl.name} bridge ADD ${id} failed: ${b.stdout}${b.stderr}`);
    const prev = JSON.parse(b.stdout);
    const p = await timePlugin(impl, 'portmap', 'ADD', id, ns, portmapConf(impl, dir, hostPort, prev));
    if (p.code !== 0) throw new Error(`${impl.name} portmap ADD ${id} failed: ${p.stdout}${p.stderr}`);
    results.set(`${impl.name}/${id}`, JSON.parse(p.stdout));
    return { ms: b.ms + p.ms, bridge: b.ms, portmap: p.ms };
  }

  async function del(impl: Impl, id: string, ns: string, hostPort: number): Promise<{ ms: number; bridge: number; portmap: number }> {
    const prev = results.get(`${impl.name}/${id}`);
    const p = await timePlugin(impl, 'portmap', 'DEL', id, ns, portmapConf(impl, dir, hostPort, prev));
    if (p.code !== 0) throw new Error(`${impl.name} portmap DEL ${id} failed: ${p.stdout}${p.stderr}`);
    const b = await timePlugin(impl, 'bridge', 'DEL', id, ns, { ...bridgeConf(impl, dir), prevResult: prev });
    if (b.code !== 0) throw new Error(`${impl.name} bridge DEL ${id} failed: ${b.stdout}${b.stderr}`);
    results.delete(`${impl.name}/${id}`);
    return { ms: b.ms + p.ms, bridge: b.ms, portmap: p.ms };
  }

  try {
    // Processes per chain ADD (execve count under strace -f), then peak RSS of one plugin process.
    const procs: Record<string, number> = {};
    const rss: Record<string, Record<string, number>> = {};
    {
      const ns = newNs(`${prefix}-probe`);
      for (const impl of IMPLS) {
        const trace = join(dir, `trace-${impl.name}`);
        const b = inHostOf(impl, () =>
          spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', trace, join(impl.bin, 'bridge')], {
            env: env(impl, 'ADD', 'probe', ns),
            input: JSON.stringify(bridgeConf(impl, dir)),
            encoding: 'utf8',
          }),
        );
        const prev = JSON.parse(b.stdout);
        const p = inHostOf(impl, () =>
          spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', `${trace}-pm`, join(impl.bin, 'portmap')], {
            env: env(impl, 'ADD', 'probe', ns),
            input: JSON.stringify(portmapConf(impl, dir, portOf(impl, 'sample', 9999), prev)),
            encoding: 'utf8',
          }),
        );
        if (b.status !== 0 || p.status !== 0) throw new Error(`${impl.name} probe ADD failed: ${b.stdout}${p.stdout}${p.stderr}`);
        const execs = (file: string) =>
          readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => /execve\(/.test(l) && !/= -1 /.test(l)).length;
        procs[impl.name] = execs(trace) + execs(`${trace}-pm`);
        results.set(`${impl.name}/probe`, JSON.parse(p.stdout));
        await del(impl, 'probe', ns, portOf(impl, 'sample', 9999));
        const id = 'rss';
        const rb = inHostOf(impl, () =>
          spawnSync(join(impl.bin, 'bridge'), [], {
            env: env(impl, 'ADD', id, ns),
            input: JSON.stringify(bridgeConf(impl, dir)),
            encoding: 'utf8',
          }),
        );
        const prevRss = JSON.parse(rb.stdout);
        rss[impl.name] = {
          portmap: inHostOf(impl, () =>
            peakRssKb(
              join(impl.bin, 'portmap'),
              [],
              env(impl, 'ADD', id, ns),
              JSON.stringify(portmapConf(impl, dir, portOf(impl, 'sample', 9998), prevRss)),
            ),
          ),
        };
        results.set(`${impl.name}/${id}`, prevRss);
        await del(impl, id, ns, portOf(impl, 'sample', 9998));
        rss[impl.name].bridge = inHostOf(impl, () =>
          peakRssKb(join(impl.bin, 'bridge'), [], env(impl, 'ADD', id, ns), JSON.stringify(bridgeConf(impl, dir))),
        );
        await timePlugin(impl, 'bridge', 'DEL', id, ns, bridgeConf(impl, dir));
      }
    }

    // Parallel ADD throughput on an empty host: 50 containers, 4 at a time; the median of a few
    // rounds, the two implementations taking turns to go first: one round lasts 2-4 s, and a burst
    // of CPU steal on this shared VM (top showed 100% st after run 33) decided a single-round figure.
    const parallelRounds: Record<string, number[]> = { berth: [], reference: [] };
    {
      const nss = Array.from({ length: PARALLEL.containers }, (_, i) => newNs(`${prefix}-par${i}`));
      for (let round = 0; round < PARALLEL.rounds; round++) {
        for (const impl of round % 2 === 0 ? IMPLS : [...IMPLS].reverse()) {
          let next = 0;
          const start = process.hrtime.bigint();
          await Promise.all(
            Array.from({ length: PARALLEL.concurrency }, async () => {
              while (next < nss.length) {
                const i = next++;
                await add(impl, `par${i}`, nss[i], portOf(impl, 'par', i));
              }
            }),
          );
          const s = Number(process.hrtime.bigint() - start) / 1e9;
          parallelRounds[impl.name].push(PARALLEL.containers / s);
          for (let i = 0; i < nss.length; i++) await del(impl, `par${i}`, nss[i], portOf(impl, 'par', i));
        }
      }
    }

    // ADD and DEL of one more container at each level of containers already attached.
    const levels: Record<string, Record<number, Sample[]>> = { berth: {}, reference: {} };
    let attached = 0;
    for (const level of LEVELS) {
      for (; attached < level; attached++) {
        const ns = newNs(`${prefix}-e${attached}`);
        for (const impl of IMPLS) await add(impl, `e${attached}`, ns, portOf(impl, 'fill', attached));
      }
      for (let i = 0; i < SAMPLES; i++) {
        const ns = newNs(`${prefix}-m${level}-${i}`);
        for (const impl of turnOrder(i)) {
          const id = `m${level}-${i}`;
          const a = await add(impl, id, ns, portOf(impl, 'sample', i));
          const d = await del(impl, id, ns, portOf(impl, 'sample', i));
          (levels[impl.name][level] ??= []).push({
            add: a.ms,
            del: d.ms,
            parts: { bridgeAdd: a.bridge, portmapAdd: a.portmap, portmapDel: d.portmap, bridgeDel: d.bridge },
          });
        }
        floor.ms.push(await floorMs());
      }
      process.stderr.write(`level ${level} done\n`);
    }

    // CPU time (user+sys of every process a chain operation starts): what the machine pays,
    // insensitive to other load on it. At the last level, 5 chain ADD+DEL per implementation.
    const cpu: Record<string, { add: number[]; del: number[] }> = { berth: { add: [], del: [] }, reference: { add: [], del: [] } };
    for (let i = 0; i < 5; i++) {
      const ns = newNs(`${prefix}-cpu${i}`);
      for (const impl of turnOrder(i)) {
        const id = `cpu${i}`,
          port = portOf(impl, 'sample', 100 + i);
        const b = cpuPlugin(impl, 'bridge', 'ADD', id, ns, bridgeConf(impl, dir));
        const prev = JSON.parse(b.stdout);
        const p = cpuPlugin(impl, 'portmap', 'ADD', id, ns, portmapConf(impl, dir, port, prev));
        const pd = cpuPlugin(impl, 'portmap', 'DEL', id, ns, portmapConf(impl, dir, port, prev));
        const bd = cpuPlugin(impl, 'bridge', 'DEL', id, ns, { ...bridgeConf(impl, dir), prevResult: prev });
        if ([b, p, pd, bd].some((r) => r.code !== 0)) throw new Error(`${impl.name} CPU probe failed`);
        cpu[impl.name].add.push(b.cpu + p.cpu);
        cpu[impl.name].del.push(pd.cpu + bd.cpu);
      }
      floor.cpu.push(cpuExec(node, floorEnv, '', bare).cpu + cpuExec(node, floorEnv, '', bare).cpu);
    }
    process.stdout.write(JSON.stringify({ levels, parallelRounds, rss, procs, cpu, floor, cores: availableParallelism() }));
  } finally {
    cleanUp();
  }
}

interface Output {
  levels: Record<string, Record<number, Sample[]>>;
  /** Chain ADDs per second of each round, in order (the figure is their median). */
  parallelRounds: Record<string, number[]>;
  rss: Record<string, Record<string, number>>;
  procs: Record<string, number>;
  cpu: Record<string, { add: number[]; del: number[] }>;
  /** Two bare start-ups (`command`) per sample: wall ms at every level, CPU ms in the CPU rows. */
  floor: { command: string; ms: number[]; cpu: number[] };
  cores: number;
}

function report(o: Output, seconds: number): string {
  const parallel = { berth: median(o.parallelRounds.berth), reference: median(o.parallelRounds.reference) };
  const rows: string[][] = [];
  for (const level of LEVELS)
    for (const op of ['add', 'del'] as const) {
      const b = median(o.levels.berth[level].map((s) => s[op]));
      const r = median(o.levels.reference[level].map((s) => s[op]));
      rows.push([`${op.toUpperCase()} at ${level} attached`, fmt(b), fmt(r), ratio(b, r)]);
    }
  rows.push([
    `parallel ADD throughput (${PARALLEL.containers} containers, ${PARALLEL.concurrency} at a time, median of ${PARALLEL.rounds} rounds)`,
    `${parallel.berth.toFixed(1)} /s`,
    `${parallel.reference.toFixed(1)} /s`,
    ratio(parallel.berth, parallel.reference),
  ]);
  rows.push([
    'peak RSS, one portmap ADD process',
    `${(o.rss.berth.portmap / 1024).toFixed(1)} MiB`,
    `${(o.rss.reference.portmap / 1024).toFixed(1)} MiB`,
    ratio(o.rss.berth.portmap, o.rss.reference.portmap),
  ]);
  rows.push([
    'peak RSS, one bridge ADD process',
    `${(o.rss.berth.bridge / 1024).toFixed(1)} MiB`,
    `${(o.rss.reference.bridge / 1024).toFixed(1)} MiB`,
    ratio(o.rss.berth.bridge, o.rss.reference.bridge),
  ]);
  for (const op of ['add', 'del'] as const)
    rows.push([
      `CPU (user+sys, all processes) per chain ${op.toUpperCase()} at ${LEVELS[LEVELS.length - 1]}`,
      fmt(median(o.cpu.berth[op])),
      fmt(median(o.cpu.reference[op])),
      ratio(median(o.cpu.berth[op]), median(o.cpu.reference[op])),
    ]);
  rows.push([
    `floor: two \`${o.floor.command}\` (the plugins' runtime, as bare as it starts; a Berth chain operation starts two processes), wall`,
    fmt(median(o.floor.ms)),
    '',
    '',
  ]);
  rows.push([`floor: two \`${o.floor.command}\`, CPU (user+sys)`, fmt(median(o.floor.cpu)), '', '']);
  rows.push([
    'processes started by one chain ADD',
    String(o.procs.berth),
    String(o.procs.reference),
    ratio(o.procs.berth, o.procs.reference),
  ]);
  const addAt = (impl: string, level: number) => median(o.levels[impl][level].map((s) => s.add));
  const delAt = (impl: string, level: number) => median(o.levels[impl][level].map((s) => s.del));
  const first = LEVELS[0],
    last = LEVELS[LEVELS.length - 1];
  const goals: string[] = [
    `ADD at ${last} within 1.2x of ADD at ${first}: ${ratio(addAt('berth', last), addAt('berth', first))} ${addAt('berth', last) <= 1.2 * addAt('berth', first) ? 'met' : 'NOT met'}`,
  ];
  if (LEVELS.includes(500))
    goals.push(
      `ADD at 500 at least 4x faster than the reference: ${(addAt('reference', 500) / addAt('berth', 500)).toFixed(2)}x ${addAt('reference', 500) >= 4 * addAt('berth', 500) ? 'met' : 'NOT met'}`,
    );
  goals.push(
    `DEL at most half the reference's at every level: ${LEVELS.map((l) => ratio(delAt('berth', l), delAt('reference', l))).join(', ')} ${LEVELS.every((l) => delAt('berth', l) <= 0.5 * delAt('reference', l)) ? 'met' : 'NOT met'}`,
  );
  goals.push(
    `parallel throughput at least 2x the reference: ${ratio(parallel.berth, parallel.reference)} ${parallel.berth >= 2 * parallel.reference ? 'met' : 'NOT met'}`,
  );
  goals.push(
    `ADD at 1 no slower than the reference (stretch): ${ratio(addAt('berth', first), addAt('reference', first))} ${addAt('berth', first) <= addAt('reference', first) ? 'met' : 'NOT met'}`,
  );
  // What the runtime's start-up alone allows: no Berth code at all would still cost the floor.
  const floorMs = median(o.floor.ms),
    floorCpu = median(o.floor.cpu);
  const bounds = [
    `DEL at ${first}: the floor alone is ${ratio(floorMs, delAt('reference', first))} of the reference's DEL; Berth's own part (DEL minus the floor) ${fmt(delAt('berth', first) - floorMs)}, against ${fmt(0.5 * delAt('reference', first) - floorMs)} the goal leaves it`,
    `ADD at ${first}: Berth's own part ${fmt(addAt('berth', first) - floorMs)}, against ${fmt(addAt('reference', first) - floorMs)} the stretch goal leaves it`,
    `parallel rounds (ADDs/s): Berth ${o.parallelRounds.berth.map((x) => x.toFixed(1)).join(', ')}; reference ${o.parallelRounds.reference.map((x) => x.toFixed(1)).join(', ')}`,
    `parallel: ${o.cores} cores / the floor's CPU = at most ${(o.cores / (floorCpu / 1000)).toFixed(1)} chain ADDs/s with no Berth code at all, against the goal's ${(2 * parallel.reference).toFixed(1)} /s`,
  ];
  // Each plugin's own median, so a change between levels shows which process it comes from.
  // And the floor timed beside that level's samples: what the machine itself did meanwhile.
  const partRows: string[][] = [];
  LEVELS.forEach((level, at) =>
    partRows.push([
      String(level),
      ...(['berth', 'reference'] as const).flatMap((impl) =>
        (['bridgeAdd', 'portmapAdd', 'portmapDel', 'bridgeDel'] as const).map((k) =>
          median(o.levels[impl][level].map((s) => s.parts[k])).toFixed(1),
        ),
      ),
      median(o.floor.ms.slice(at * SAMPLES, (at + 1) * SAMPLES)).toFixed(1),
    ]),
  );
  return [
    `### CNI chain bridge + host-local + portmap (ipMasq, hairpin, one port mapping per container)`,
    '',
    `Median of ${SAMPLES} per level (ADD = bridge + portmap process times, DEL = portmap + bridge), Berth and the reference taking turns to go first, clean env, a throwaway host netns for each (since run 37; one shared before); reference = Debian containernetworking-plugins ${referenceVersion()}. Run took ${seconds.toFixed(0)} s on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    table(['measure', 'Berth', 'reference', 'Berth/reference'], rows),
    '',
    'Each plugin process alone (median ms; ADD = bridge + portmap, DEL = portmap + bridge):',
    '',
    table(
      [
        'attached',
        'Berth bridge ADD',
        'Berth portmap ADD',
        'Berth portmap DEL',
        'Berth bridge DEL',
        'ref bridge ADD',
        'ref portmap ADD',
        'ref portmap DEL',
        'ref bridge DEL',
        `floor (two \`${o.floor.command}\`)`,
      ],
      partRows,
    ),
    '',
    'Goals:',
    '',
    ...goals.map((g) => `- ${g}`),
    '',
    'What the floor (two bare start-ups of the runtime, timed beside the samples) leaves:',
    '',
    ...bounds.map((b) => `- ${b}`),
    '',
  ].join('\n');
}

/** Runs the benchmark and returns its markdown section, headed by when it ran and the load around it. */
export async function run(): Promise<string> {
  ensurePackages('containernetworking-plugins', 'iptables', 'time', 'strace', 'nftables');
  const started = Date.now();
  const loadBefore = loadAverage();
  const text = report(runWorkerInThrowawayHost<Output>(__filename, 'chain'), (Date.now() - started) / 1000);
  return `#### Run finished ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${loadBefore} before, ${loadAverage()} after)\n\n${text.replace(/^### .*\n\n/, '')}`;
}

if (require.main === module) {
  if (process.argv.includes('--worker'))
    worker().catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
  else
    run()
      .then((text) => console.log(text))
      .catch((err) => {
        console.error(`bench: ${err.message}`);
        process.exitCode = 1;
      });
}
