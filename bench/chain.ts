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
  cleanEnv,
  ensurePackages,
  loadAverage,
  peakRssKb,
  timeExec,
  runWorkerInThrowawayHost,
  workerScratch,
  runStandalone,
} from './util';
import { report } from './chain-report';
import {
  IMPLS,
  LEVELS,
  PARALLEL,
  SAMPLES,
  bridgeConf,
  ifNameOf,
  nsPath,
  portOf,
  portmapConf,
  type Impl,
  type Output,
  type Sample,
} from './chain-setup';

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

/** Runs the benchmark and returns its markdown section, headed by when it ran and the load around it. */
export async function run(): Promise<string> {
  ensurePackages('containernetworking-plugins', 'iptables', 'time', 'strace', 'nftables');
  const started = Date.now();
  const loadBefore = loadAverage();
  const text = report(runWorkerInThrowawayHost<Output>(__filename, 'chain'), (Date.now() - started) / 1000);
  return `#### Run finished ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${loadBefore} before, ${loadAverage()} after)\n\n${text.replace(/^### .*\n\n/, '')}`;
}

if (require.main === module) runStandalone('chain', run, worker);
