/**
 * `berth stats`: rows as `docker stats --no-stream` prints them (docker/cli formatter_stats.go,
 * go-units sizes, a tabwriter with minwidth 10 and padding 3), and a two-sample CPU % sampler.
 */
import type { Cgroup, CgroupStats } from './index.js';
import { bytesSize, humanSize } from '../../lib/go-units.js';
import { renderColumns } from '../../lib/format-rows.js';

export interface StatsRow {
  id: string;
  name: string;
  /** Percent of one CPU (200 = two CPUs busy), as docker computes it. */
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  /** Network bytes; zero until containers have networks. */
  netRx?: number;
  netTx?: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** The fields `docker stats --format` offers for a row (IDs cut to 12 characters unless `noTrunc`, names without a leading "/"). */
export function statsFields(r: StatsRow, noTrunc = false): Record<string, string> {
  const name = r.name.replace(/^\//, '');
  const id = r.id.replace(/^sha256:/, '');
  return {
    ID: noTrunc ? id : id.slice(0, 12),
    Container: name,
    Name: name,
    CPUPerc: `${r.cpuPercent.toFixed(2)}%`,
    MemUsage: `${bytesSize(r.memoryUsage)} / ${bytesSize(r.memoryLimit)}`,
    MemPerc: `${(r.memoryLimit > 0 ? (r.memoryUsage / r.memoryLimit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(r.netRx ?? 0)} / ${humanSize(r.netTx ?? 0)}`,
    BlockIO: `${humanSize(r.blockRead)} / ${humanSize(r.blockWrite)}`,
    PIDs: String(r.pids),
  };
}

/** `stats --format 'table ...'` headers by field, as Docker's. */
export const STATS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Container: 'CONTAINER',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};
const COLUMNS = ['ID', 'Name', 'CPUPerc', 'MemUsage', 'MemPerc', 'NetIO', 'BlockIO', 'PIDs'];
export const STATS_DEFAULT_FORMAT = `table ${COLUMNS.map((c) => `{{.${c}}}`).join('\t')}`;

/** The table `docker stats --no-stream` prints. */
export function formatStats(rows: readonly StatsRow[], noTrunc = false): string {
  return `${renderColumns([COLUMNS.map((c) => STATS_HEADERS[c]), ...rows.map((r) => COLUMNS.map((c) => statsFields(r, noTrunc)[c]))])}\n`;
}

/** One row from a sample pair: CPU % is the CPU time used over the wall time between them. */
export function statsRow(id: string, name: string, before: CgroupStats, after: CgroupStats, elapsedNs: number): StatsRow {
  const cpuDelta = after.cpuUsageNs - before.cpuUsageNs;
  return {
    id,
    name,
    cpuPercent: elapsedNs > 0 && cpuDelta > 0 ? (cpuDelta / elapsedNs) * 100 : 0,
    memoryUsage: after.memoryUsage,
    memoryLimit: after.memoryLimit,
    blockRead: after.blkioReadBytes,
    blockWrite: after.blkioWriteBytes,
    pids: after.pids,
  };
}

/** Samples every container twice, `intervalMs` apart (docker's daemon samples once a second). */
export async function sampleStats(
  containers: ReadonlyArray<{ id: string; name: string; cgroup: Cgroup }>,
  intervalMs = 1000,
): Promise<StatsRow[]> {
  const start = process.hrtime.bigint();
  const before = await Promise.all(containers.map((c) => c.cgroup.stats()));
  await new Promise((r) => setTimeout(r, intervalMs));
  const after = await Promise.all(containers.map((c) => c.cgroup.stats()));
  const elapsed = Number(process.hrtime.bigint() - start);
  return containers.map((c, i) => statsRow(c.id, c.name, before[i], after[i], elapsed));
}
