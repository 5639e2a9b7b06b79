/**
 * berth-volumed's RSS with N volumes (BENCH_VOLUME_RSS_N, default 10,000): after filling the store and
 * 500 Create/Get/Mount/Unmount/Remove cycles, and right after a restart. Standalone:
 * `node --import tsx bench/volume-rss.ts` (as root; a throwaway root under the temp dir).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAverage } from './util';
import { startVolumed, stopVolumed } from './volume';
import { post } from '../test/helpers/volumed';

const N = Number(process.env.BENCH_VOLUME_RSS_N ?? 10_000);

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** The five mappings holding the most RSS (for finding where memory goes). */
function largestMappings(pid: number): string {
  const maps: Array<{ name: string; kb: number }> = [];
  for (const block of readFileSync(`/proc/${pid}/smaps`, 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const name = block.split('\n')[0];
    maps.push({ name, kb: Number(/\nRss:\s+(\d+)/.exec(block)?.[1] ?? 0) });
  }
  return maps
    .sort((x, y) => y.kb - x.kb)
    .slice(0, 5)
    .map((m) => `${(m.kb / 1024).toFixed(1)} MiB ${m.name}`)
    .join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-rss-'));
  try {
    const socket = join(dir, 'v.sock');
    const root = join(dir, 'root');
    const d = await startVolumed(socket, root, undefined, ['--log-level', 'error']);
    const call = async (endpoint: string, body: unknown) => {
      const r = await post(socket, endpoint, body, d.agent);
      if (r.status !== 200 || (r.body?.Err ?? '') !== '') throw new Error(`${endpoint}: ${r.text}`);
    };
    let rssRun = NaN;
    try {
      let next = 0;
      const worker = async () => {
        while (next < N)
          await call('/VolumeDriver.Create', {
            Name: `fill-${next++}`,
            Opts: null,
          });
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      const rssFilled = rssMiB(d.proc.pid!);
      for (let i = 0; i < 500; i++) {
        const Name = `bench-${i}`;
        const ID = i.toString(16).padStart(64, '0');
        await call('/VolumeDriver.Create', { Name, Opts: null });
        await call('/VolumeDriver.Get', { Name });
        await call('/VolumeDriver.Mount', { Name, ID });
        await call('/VolumeDriver.Unmount', { Name, ID });
        await call('/VolumeDriver.Remove', { Name });
      }
      await new Promise((r) => setTimeout(r, 2000));
      rssRun = rssMiB(d.proc.pid!);
      if (process.env.BENCH_VOLUME_RSS_MAPS) console.log(largestMappings(d.proc.pid!));
      console.log(`filled: ${rssFilled.toFixed(1)} MiB`);
    } finally {
      await stopVolumed(d);
    }
    const again = await startVolumed(socket, root, undefined, ['--log-level', 'error']);
    const rssRestart = rssMiB(again.proc.pid!);
    await stopVolumed(again);
    console.log(
      `RSS with ${N.toLocaleString('en')} volumes: ${rssRun.toFixed(1)} MiB after the runs, ${rssRestart.toFixed(1)} MiB after a restart; load ${loadAverage(3)} (${cpus().length} CPUs)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
