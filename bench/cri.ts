/**
 * Pods through containerd 1.6's CRI, the path kubelet uses, with Berth's plugins and with the
 * reference's (Debian containernetworking-plugins) side by side: one private containerd for each
 * (test/helpers/containerd.ts), each in a throwaway host namespace of its own, the same conflist
 * (bridge + host-local, portmap, loopback) and a pod with a hostPort.
 * RunPodSandbox, StopPodSandbox and RemovePodSandbox latencies are medians of interleaved samples
 * (the two taking turns to go first); then 20 pods started 4 at a time, median of rounds.
 * Standalone: `node --import tsx bench/cri.ts`; also part of `make bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_BIN, REFERENCE_BIN, ensurePackages, fmt, loadAverage, median, ratio, referenceVersion, table, runStandalone } from './util';
import { ensureContainerdPackages, podNetworkConflist, startContainerd, type Containerd } from '../test/helpers/containerd';
import type { PodSpec } from '../test/helpers/cri-client';
import { RUN_PREFIX, createNetns, deleteNetns, uniqueName } from '../test/helpers/sandbox';

const SAMPLES = Number(process.env.BENCH_CRI_SAMPLES ?? 15);
/** The other side: the reference plugins, or another Berth build's dist/bin for an A/B of two builds. */
const OTHER_BIN = process.env.BENCH_CRI_REFERENCE_BIN ?? REFERENCE_BIN;
const BATCH = { pods: Number(process.env.BENCH_CRI_PODS ?? 20), concurrency: 4, rounds: Number(process.env.BENCH_CRI_ROUNDS ?? 3) };
const IMPLS = ['berth', 'reference'] as const;
type Impl = (typeof IMPLS)[number];
type Op = 'run' | 'stop' | 'remove';

interface Node {
  impl: Impl;
  host: string;
  data: string;
  c?: Containerd;
}

let serial = 0;
const pod = (c: Containerd, ports = true): PodSpec => {
  serial += 1;
  const name = `${RUN_PREFIX}-bench-${serial}`;
  return {
    name,
    namespace: 'bench',
    uid: `uid-${name}`,
    cgroupParent: c.cgroupParent,
    logDirectory: join(c.dir, 'logs', name),
    portMappings: ports ? [{ protocol: 'TCP', container_port: 80, host_port: 8080 }] : [],
  };
};

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, value];
}

/** One pod's life: RunPodSandbox (with PodSandboxStatus, as kubelet reads the IP), Stop, Remove. */
async function podLife(c: Containerd): Promise<Record<Op | 'start', number>> {
  const [run, id] = await timed(() => c.cri.runPodSandbox(pod(c)));
  const [status] = await timed(() => c.cri.podSandboxStatus(id));
  const [stop] = await timed(() => c.cri.stopPodSandbox(id));
  const [remove] = await timed(() => c.cri.removePodSandbox(id));
  return { run, start: run + status, stop, remove };
}

/** `pods` pods (no hostPort: one host port cannot serve them all), `concurrency` at a time; wall ms. Then all removed. */
async function batch(c: Containerd): Promise<number> {
  const ids: string[] = [];
  let next = 0;
  const [ms] = await timed(() =>
    Promise.all(
      Array.from({ length: BATCH.concurrency }, async () => {
        while (next < BATCH.pods) {
          next += 1;
          ids.push(await c.cri.runPodSandbox(pod(c, false)));
        }
      }),
    ),
  );
  for (const id of ids) {
    await c.cri.stopPodSandbox(id);
    await c.cri.removePodSandbox(id);
  }
  return ms;
}

/** Runs the benchmark and returns its markdown section. */
export async function run(): Promise<string> {
  ensureContainerdPackages();
  ensurePackages('containernetworking-plugins', 'iptables');
  const began = Date.now();
  const nodes: Node[] = IMPLS.map((impl) => ({
    impl,
    host: uniqueName(impl === 'berth' ? 'cb' : 'cr'),
    data: mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-cribench-`)),
  }));
  const cleanUp = async () => {
    for (const n of nodes) {
      await n.c?.stop();
      n.c = undefined;
      deleteNetns(n.host);
      rmSync(n.data, { recursive: true, force: true });
    }
  };
  const onSignal = () => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const n of nodes) {
      createNetns(n.host);
      n.c = await startContainerd({
        hostNs: n.host,
        binDir: n.impl === 'berth' ? BERTH_BIN : OTHER_BIN,
        conflist: podNetworkConflist('bench', n.data),
      });
    }
    for (const n of nodes) await podLife(n.c!); // warm-up: image, snapshots, first plugin runs
    const samples: Record<Impl, Array<Record<Op | 'start', number>>> = { berth: [], reference: [] };
    for (let i = 0; i < SAMPLES; i++) for (const n of i % 2 === 0 ? nodes : [...nodes].reverse()) samples[n.impl].push(await podLife(n.c!));
    const batches: Record<Impl, number[]> = { berth: [], reference: [] };
    for (let i = 0; i < BATCH.rounds; i++)
      for (const n of i % 2 === 0 ? nodes : [...nodes].reverse()) batches[n.impl].push(await batch(n.c!));
    return report(samples, batches, (Date.now() - began) / 1000);
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(samples: Record<Impl, Array<Record<Op | 'start', number>>>, batches: Record<Impl, number[]>, seconds: number): string {
  const med = (impl: Impl, op: Op | 'start') => median(samples[impl].map((s) => s[op]));
  const rows: string[][] = [];
  const names: Record<Op | 'start', string> = {
    run: 'RunPodSandbox (with a hostPort)',
    start: 'pod start: RunPodSandbox + PodSandboxStatus',
    stop: 'StopPodSandbox',
    remove: 'RemovePodSandbox',
  };
  for (const op of ['run', 'start', 'stop', 'remove'] as const)
    rows.push([names[op], fmt(med('berth', op)), fmt(med('reference', op)), ratio(med('berth', op), med('reference', op))]);
  const b = median(batches.berth),
    r = median(batches.reference);
  rows.push([`${BATCH.pods} pods, ${BATCH.concurrency} at a time (wall, median of ${BATCH.rounds})`, fmt(b), fmt(r), ratio(b, r)]);
  const goals = (['run', 'stop', 'remove'] as const).map(
    (op) =>
      `${names[op]} no slower: ${ratio(med('berth', op), med('reference', op))} ${med('berth', op) <= med('reference', op) ? 'met' : 'NOT met'}`,
  );
  goals.push(
    `pod start within 0.8x of the reference's: ${ratio(med('berth', 'start'), med('reference', 'start'))} ${med('berth', 'start') <= 0.8 * med('reference', 'start') ? 'met' : 'NOT met'}`,
  );
  return [
    '### CRI (containerd 1.6, the path kubelet uses)',
    '',
    `Median of ${SAMPLES} interleaved pod lives per implementation, one private containerd each in its own host namespace, the same conflist (bridge + host-local, portmap, loopback); reference = ${OTHER_BIN === REFERENCE_BIN ? `Debian containernetworking-plugins ${referenceVersion()}` : OTHER_BIN}. Run took ${seconds.toFixed(0)} s on ${new Date().toISOString().slice(0, 10)}, load ${loadAverage(3)}.`,
    '',
    table(['measure', 'Berth', 'reference', 'Berth/reference'], rows),
    '',
    ...goals.map((g) => `- ${g}`),
    '',
  ].join('\n');
}

if (require.main === module) runStandalone('cri', run);
