/**
 * berth-volumed: Create, Get, Mount, Unmount and Remove latency over the unix socket with 10, 1,000
 * and 10,000 volumes present (p50 and p99, one request at a time on a keep-alive connection, as
 * dockerd sends them), daemon RSS and start-up with 10,000 volumes, and `docker volume create` +
 * `rm` through Berth against Docker's own `local` driver, side by side in one throwaway dockerd.
 * Standalone: `node --import tsx bench/volume.ts`; also part of `make bench`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './volume-client';
import { BERTH_BIN, loadAverage, median, percentile, table, runStandalone } from './util';
import { post } from '../test/helpers/volumed';
import { ensureDockerPackages, startDockerd } from '../test/helpers/dockerd';

const OPS = ['Create', 'Get', 'Mount', 'Unmount', 'Remove'] as const;
type Op = (typeof OPS)[number];
const SIZES = (process.env.BENCH_VOLUME_SIZES ?? '10,1000,10000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_VOLUME_SAMPLES ?? 500);
const DOCKER_ROUNDS = Number(process.env.BENCH_VOLUME_DOCKER_ROUNDS ?? 30);

interface Daemon {
  proc: ChildProcess;
  socket: string;
  agent: Agent;
}

export async function startVolumed(
  socket: string,
  root: string,
  logPath?: string,
  extraArgs: string[] = [],
): Promise<Daemon & { startMs: number }> {
  const start = process.hrtime.bigint();
  const stderr = logPath ? openSync(logPath, 'a') : 'ignore';
  const proc = spawn(join(BERTH_BIN, 'berth-volumed'), ['--socket', socket, '--root', root, ...extraArgs], {
    stdio: ['ignore', 'ignore', stderr],
  });
  if (typeof stderr === 'number') closeSync(stderr);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`berth-volumed exited ${proc.exitCode}`);
    if (
      existsSync(socket) &&
      (await post(socket, '/Plugin.Activate', '', agent).then(
        () => true,
        () => false,
      ))
    )
      break;
    if (i > 3000) throw new Error('berth-volumed did not start within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { proc, socket, agent, startMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

export async function stopVolumed(d: Daemon): Promise<void> {
  d.agent.destroy();
  if (d.proc.exitCode !== null) return;
  const exited = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill('SIGTERM');
  await exited;
}

async function call(d: Daemon, endpoint: string, body: unknown): Promise<number> {
  const start = process.hrtime.bigint();
  const r = await post(d.socket, endpoint, body, d.agent);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 200 || (r.body?.Err ?? '') !== '') throw new Error(`${endpoint} failed: ${r.text}`);
  return ms;
}

/** Creates volumes fill-<from>..fill-<to-1>, 32 requests in flight. */
async function fill(d: Daemon, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      await call(d, '/VolumeDriver.Create', { Name: `fill-${i}`, Opts: null });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

const CLIENT = process.env.BENCH_VOLUME_CLIENT === 'http' ? 'http' : 'raw';

async function measure(d: Daemon): Promise<Record<Op, number[]>> {
  const t: Record<Op, number[]> = { Create: [], Get: [], Mount: [], Unmount: [], Remove: [] };
  const raw = CLIENT === 'raw' ? await RawClient.open(d.socket) : undefined;
  const timed = async (endpoint: string, body: unknown): Promise<number> => {
    if (!raw) return call(d, endpoint, body);
    const r = await raw.post(endpoint, body);
    if (r.status !== 200 || (JSON.parse(r.text).Err ?? '') !== '') throw new Error(`${endpoint} failed: ${r.text}`);
    return r.ms;
  };
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const Name = `bench-${i}`;
      const ID = i.toString(16).padStart(64, '0');
      t.Create.push(await timed('/VolumeDriver.Create', { Name, Opts: null }));
      t.Get.push(await timed('/VolumeDriver.Get', { Name }));
      t.Mount.push(await timed('/VolumeDriver.Mount', { Name, ID }));
      t.Unmount.push(await timed('/VolumeDriver.Unmount', { Name, ID }));
      t.Remove.push(await timed('/VolumeDriver.Remove', { Name }));
    }
  } finally {
    raw?.close();
  }
  return t;
}

const f2 = (ms: number) => `${ms.toFixed(2)} ms`;

/** The daemon's own time for the last SAMPLES requests of each operation, from its request log. */
function daemonSide(logPath: string): Record<Op, number[]> {
  const lines = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l.includes(' name="bench-'));
  const out = {} as Record<Op, number[]>;
  for (const op of OPS)
    out[op] = lines
      .filter((l) => l.includes(`/VolumeDriver.${op} `))
      .slice(-SAMPLES)
      .map((l) => Number(/ (\d+\.\d+)ms/.exec(l)?.[1]));
  return out;
}

async function socketLatency(dir: string): Promise<string[]> {
  const logPath = join(dir, 'volumed.log');
  const d = await startVolumed(join(dir, 'bench.sock'), join(dir, 'root'), logPath);
  const results = new Map<number, Record<Op, number[]>>();
  const inDaemon = new Map<number, Record<Op, number[]>>();
  let rss10k = NaN;
  try {
    let present = 0;
    for (const n of SIZES) {
      await fill(d, present, n);
      present = n;
      await measure(d); // warm-up at this size (JIT, page cache), not counted
      results.set(n, await measure(d));
      inDaemon.set(n, daemonSide(logPath));
      if (n === SIZES[SIZES.length - 1]) rss10k = rssKb(d.proc.pid!);
    }
  } finally {
    await stopVolumed(d);
  }
  const restart = await startVolumed(join(dir, 'bench.sock'), join(dir, 'root'));
  const startMs = restart.startMs;
  const rssAfterStart = rssKb(restart.proc.pid!);
  await stopVolumed(restart);
  const rows: string[][] = [];
  for (const op of OPS) {
    const at = (n: number) => results.get(n)![op];
    const p50 = (n: number) => percentile(at(n), 50);
    const p99 = (n: number) => percentile(at(n), 99);
    const [first, last] = [SIZES[0], SIZES[SIZES.length - 1]];
    rows.push([
      op,
      ...SIZES.flatMap((n) => [f2(p50(n)), f2(p99(n))]),
      `${(p50(last) / p50(first)).toFixed(2)}x`,
      `${(p99(last) / p99(first)).toFixed(2)}x`,
    ]);
  }
  const daemonRows = OPS.map((op) => [
    op,
    ...SIZES.flatMap((n) => [f2(percentile(inDaemon.get(n)![op], 50)), f2(percentile(inDaemon.get(n)![op], 99))]),
  ]);
  return [
    `#### Latency over the socket (${SAMPLES} samples per operation and size, sequential, keep-alive, ${CLIENT === 'raw' ? 'lean client' : 'node:http client'})`,
    '',
    table(
      [
        'operation',
        ...SIZES.flatMap((n) => [`p50 @${n.toLocaleString('en')}`, `p99 @${n.toLocaleString('en')}`]),
        `p50 ${SIZES[SIZES.length - 1].toLocaleString('en')}/${SIZES[0]}`,
        `p99 ${SIZES[SIZES.length - 1].toLocaleString('en')}/${SIZES[0]}`,
      ],
      rows,
    ),
    '',
    'The same requests timed inside the daemon (its request log: body read to reply written), which leaves out the client and the scheduling of two processes:',
    '',
    table(['operation', ...SIZES.flatMap((n) => [`p50 @${n.toLocaleString('en')}`, `p99 @${n.toLocaleString('en')}`])], daemonRows),
    '',
    `Daemon RSS with ${SIZES[SIZES.length - 1].toLocaleString('en')} volumes: ${(rss10k / 1024).toFixed(1)} MiB after the runs, ${(rssAfterStart / 1024).toFixed(1)} MiB right after a restart; the restart (loading every volume.json) took ${startMs.toFixed(0)} ms to the first answer. Load average at the end: ${loadAverage(3)} (${cpus().length} CPUs).`,
    '',
  ];
}

async function dockerSideBySide(dir: string): Promise<string[]> {
  ensureDockerPackages();
  const dk = await startDockerd();
  const name = `berth-bench-${process.pid}`;
  let plugin: Daemon | undefined;
  try {
    mkdirSync('/run/docker/plugins', { recursive: true });
    plugin = await startVolumed(`/run/docker/plugins/${name}.sock`, join(dir, 'docker-root'));
    const timed = async (args: string[]) => {
      const start = process.hrtime.bigint();
      await dk.dockerOk(args);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const berth: number[] = [],
      local: number[] = [];
    await timed(['volume', 'create', '-d', name, 'warm']); // first use: Activate + Capabilities
    await timed(['volume', 'rm', 'warm']);
    for (let i = 0; i < DOCKER_ROUNDS; i++) {
      // Alternate which goes first so drift in the machine's load hits both alike.
      const pair = [
        async () => berth.push((await timed(['volume', 'create', '-d', name, `b${i}`])) + (await timed(['volume', 'rm', `b${i}`]))),
        async () => local.push((await timed(['volume', 'create', `l${i}`])) + (await timed(['volume', 'rm', `l${i}`]))),
      ];
      if (i % 2) pair.reverse();
      for (const step of pair) await step();
    }
    const [b, l] = [median(berth), median(local)];
    return [
      `#### \`docker volume create\` + \`docker volume rm\` (Debian docker ${await dk.dockerOk(['version', '--format', '{{.Server.Version}}'])}, ${DOCKER_ROUNDS} rounds, interleaved)`,
      '',
      table(
        ['driver', 'median', 'p90', 'vs local'],
        [
          ['Berth (`-d berth`)', f2(b), f2(percentile(berth, 90)), `${(b / l).toFixed(2)}x`],
          ["Docker's `local`", f2(l), f2(percentile(local, 90)), '1.00x'],
        ],
      ),
      '',
    ];
  } finally {
    if (plugin) await stopVolumed(plugin);
    await dk.stop();
  }
}

export async function run(): Promise<string> {
  if (!existsSync(join(BERTH_BIN, 'berth-volumed'))) throw new Error('dist/bin/berth-volumed is missing: run make build');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-vol-'));
  try {
    const lines = ['### berth-volumed', '', ...(await socketLatency(dir)), ...(DOCKER_ROUNDS > 0 ? await dockerSideBySide(dir) : [])];
    return lines.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone('volume', run);
