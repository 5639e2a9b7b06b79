/**
 * bridge + host-local ADD and DEL, Berth against the reference plugins (Debian's
 * containernetworking-plugins), side by side in one run, at 1 and 250 containers already on the
 * bridge. Each plugin is exec'd with a clean environment (PATH and CNI_* only), as an orchestrator
 * does. Everything happens in a throwaway "host" namespace: this process re-runs itself inside it
 * (`ip netns exec`), so no wrapper process inflates the plugin times.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BERTH_BIN,
  REFERENCE_BIN,
  cleanEnv,
  ensurePackages,
  fmt,
  median,
  peakRssKb,
  ratio,
  table,
  timeExec,
  runWorkerInThrowawayHost,
  workerScratch,
  runStandalone,
} from './util';

export interface Impl {
  name: string;
  bin: string;
}

export const IMPLS: Impl[] = [
  { name: 'berth', bin: BERTH_BIN },
  { name: 'reference', bin: REFERENCE_BIN },
];

const SAMPLES = 15;
const LEVELS = [1, 250];

function conf(impl: Impl, dataDir: string) {
  return {
    cniVersion: '1.0.0',
    name: `bench-${impl.name}`,
    type: 'bridge',
    bridge: `bb-${impl.name.slice(0, 8)}`,
    isGateway: true,
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: impl.name === 'berth' ? '10.201.0.0/16' : '10.202.0.0/16' }]] },
  };
}

const nsPath = (ns: string) => `/run/netns/${ns}`;
/** Both implementations attach to the same container namespaces, each under its own interface name. */
const ifNameOf = (impl: Impl) => `eth${IMPLS.indexOf(impl)}`;

/** Runs inside the throwaway host namespace: attaches, measures, detaches; prints JSON. */
async function worker(): Promise<void> {
  const prefix = `bbw${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const { newNs, cleanUp } = workerScratch(dataDir);
  const call = (impl: Impl, command: string, id: string, ns: string) =>
    timeExec(
      join(impl.bin, 'bridge'),
      [],
      cleanEnv({ CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: nsPath(ns), CNI_IFNAME: ifNameOf(impl), CNI_PATH: impl.bin }),
      JSON.stringify(conf(impl, dataDir)),
    );
  const out: Record<string, Record<number, { add: number[]; del: number[] }>> = {};
  try {
    let attached = 0;
    for (const level of LEVELS) {
      // Bring every implementation to `level` containers already attached.
      for (; attached < level; attached++) {
        const ns = newNs(`${prefix}-e${attached}`);
        for (const impl of IMPLS) {
          const r = await call(impl, 'ADD', `e${attached}`, ns);
          if (r.code !== 0) throw new Error(`${impl.name} ADD failed: ${r.stdout}${r.stderr}`);
        }
      }
      for (let i = 0; i < SAMPLES; i++) {
        const ns = newNs(`${prefix}-m${level}-${i}`);
        for (const impl of IMPLS) {
          const a = await call(impl, 'ADD', `m${level}-${i}`, ns);
          if (a.code !== 0) throw new Error(`${impl.name} ADD failed: ${a.stdout}${a.stderr}`);
          const d = await call(impl, 'DEL', `m${level}-${i}`, ns);
          if (d.code !== 0) throw new Error(`${impl.name} DEL failed: ${d.stdout}${d.stderr}`);
          const slot = ((out[impl.name] ??= {})[level] ??= { add: [], del: [] });
          slot.add.push(a.ms);
          slot.del.push(d.ms);
        }
      }
    }
    const rss: Record<string, number> = {};
    const ns = newNs(`${prefix}-rss`);
    for (const impl of IMPLS) {
      const env = (command: string) =>
        cleanEnv({ CNI_COMMAND: command, CNI_CONTAINERID: 'rss', CNI_NETNS: nsPath(ns), CNI_IFNAME: ifNameOf(impl), CNI_PATH: impl.bin });
      rss[impl.name] = peakRssKb(join(impl.bin, 'bridge'), [], env('ADD'), JSON.stringify(conf(impl, dataDir)));
      await timeExec(join(impl.bin, 'bridge'), [], env('DEL'), JSON.stringify(conf(impl, dataDir)));
    }
    process.stdout.write(JSON.stringify({ out, rss }));
  } finally {
    cleanUp();
  }
}

export async function run(): Promise<string> {
  ensurePackages('containernetworking-plugins', 'time');
  const { out, rss } = runWorkerInThrowawayHost<{
    out: Record<string, Record<number, { add: number[]; del: number[] }>>;
    rss: Record<string, number>;
  }>(__filename, 'bridge');
  const rows: string[][] = [];
  for (const level of LEVELS) {
    for (const op of ['add', 'del'] as const) {
      const b = median(out.berth[level][op]),
        ref = median(out.reference[level][op]);
      rows.push([`${op.toUpperCase()} at ${level}`, fmt(b), fmt(ref), ratio(b, ref)]);
    }
  }
  const b1 = median(out.berth[1].add),
    b250 = median(out.berth[250].add);
  const d1 = median(out.berth[1].del),
    d250 = median(out.berth[250].del);
  return [
    `### bridge + host-local (median of ${SAMPLES}, clean env, reference = Debian containernetworking-plugins)`,
    '',
    table(['operation', 'Berth', 'reference', 'Berth/reference'], rows),
    '',
    `Berth at 250 vs at 1: ADD ${ratio(b250, b1)}, DEL ${ratio(d250, d1)}. Peak RSS of one ADD: Berth ${(rss.berth / 1024).toFixed(1)} MiB, reference ${(rss.reference / 1024).toFixed(1)} MiB.`,
    '',
  ].join('\n');
}

if (require.main === module) runStandalone('bridge', run, worker);
