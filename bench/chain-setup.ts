/** What the chain bench (bench/chain.ts) runs: the two implementations, the sizes, the plugin configs, the result shapes. */
import { join } from 'node:path';
import { BERTH_BIN, REFERENCE_BIN } from './util';

export interface Impl {
  name: 'berth' | 'reference';
  bin: string;
  /** A build of Berth's: its configs carry a firewallDir in the run's temp dir. */
  berth: boolean;
}
/** The other side: the reference plugins, or another build of Berth's for an A/B of two builds. */
export const OTHER_BIN = process.env.BENCH_CHAIN_REFERENCE_BIN ?? REFERENCE_BIN;
export const IMPLS: Impl[] = [
  { name: 'berth', bin: BERTH_BIN, berth: true },
  { name: 'reference', bin: OTHER_BIN, berth: OTHER_BIN !== REFERENCE_BIN },
];

export const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
export const LEVELS = (process.env.BENCH_LEVELS ?? '1,100,500,1000').split(',').map(Number);
export const PARALLEL = { containers: 50, concurrency: 4, rounds: Number(process.env.BENCH_PARALLEL_ROUNDS ?? 5) };

export const nsPath = (ns: string) => `/run/netns/${ns}`;
export const ifNameOf = (impl: Impl) => `eth${IMPLS.indexOf(impl)}`;
/** Host ports: attached containers, measured containers and the parallel run never collide. */
export const portOf = (impl: Impl, kind: 'fill' | 'sample' | 'par', i: number) =>
  (impl.name === 'berth' ? 10000 : 35000) + { fill: 0, sample: 15000, par: 20000 }[kind] + i;

export function bridgeConf(impl: Impl, dir: string) {
  return {
    cniVersion: '1.0.0',
    name: `chain-${impl.name}`,
    type: 'bridge',
    bridge: `cb-${impl.name.slice(0, 8)}`,
    isGateway: true,
    ipMasq: true,
    hairpinMode: true,
    ...(impl.berth && { firewallDir: join(dir, `fw-${impl.name}`) }),
    ipam: {
      type: 'host-local',
      dataDir: join(dir, `leases-${impl.name}`),
      ranges: [[{ subnet: impl.name === 'berth' ? '10.210.0.0/16' : '10.211.0.0/16' }]],
    },
  };
}

export function portmapConf(impl: Impl, dir: string, hostPort: number, prevResult?: unknown) {
  return {
    cniVersion: '1.0.0',
    name: `chain-${impl.name}`,
    type: 'portmap',
    capabilities: { portMappings: true },
    ...(impl.berth && { firewallDir: join(dir, `fw-${impl.name}`) }),
    runtimeConfig: { portMappings: [{ hostPort, containerPort: 80, protocol: 'tcp' }] },
    ...(prevResult !== undefined && { prevResult }),
  };
}

/** One chain ADD and DEL; the parts are each plugin's own time, to show where a change comes from. */
export interface Sample {
  add: number;
  del: number;
  parts: { bridgeAdd: number; portmapAdd: number; portmapDel: number; bridgeDel: number };
}

export interface Output {
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
