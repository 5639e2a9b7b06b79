/**
 * `berth image load`: the first load of an image (every layer unpacked) against a second load of the
 * same archive into the same store (every layer present: nothing unpacked), and `berth images` as the
 * floor (a node start and a read of the store). Issue 17's goal: the second load under 0.1x the first.
 * The image is made here: the busybox root file system plus a layer of FILES files of SIZE bytes.
 * Standalone: `node --import tsx bench/image.ts`; also part of `make bench`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, tarDirectory } from '../test/helpers/rootfs';
import { dockerArchive, makeTar } from '../test/helpers/tar-writer';
import { BERTH_BIN, cleanEnv, fmt, loadAverage, median, ratio, table, timeExec, runStandalone } from './util';

const ROUNDS = Number(process.env.BENCH_IMAGE_ROUNDS ?? 5);
const FILES = Number(process.env.BENCH_IMAGE_FILES ?? 4000);
const SIZE = Number(process.env.BENCH_IMAGE_FILE_SIZE ?? 16384);

export async function run(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-image-'));
  try {
    const rootfs = readFileSync(tarDirectory(busyboxRootfs(join(dir, 'rootfs')), join(dir, 'rootfs.tar')));
    const data = makeTar(Array.from({ length: FILES }, (_, i) => ({ name: `data/${i % 64}/f${i}`, data: randomBytes(SIZE) })));
    const archive = join(dir, 'image.tar');
    writeFileSync(archive, dockerArchive([rootfs, data], { repoTags: ['bench/image:1'] }));
    const berth = join(BERTH_BIN, 'berth');
    const env = cleanEnv({});
    const first: number[] = [],
      again: number[] = [],
      floor: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const root = join(dir, `root${r}`);
      const load = () => timeExec(berth, [`--root=${root}`, 'image', 'load', '-i', archive], env);
      const a = await load();
      const b = await load();
      const c = await timeExec(berth, [`--root=${root}`, 'images', '-q'], env);
      for (const t of [a, b, c]) if (t.code !== 0) throw new Error(`berth failed: ${t.stderr}`);
      first.push(a.ms);
      again.push(b.ms);
      floor.push(c.ms);
      rmSync(root, { recursive: true, force: true });
    }
    const mb = ((rootfs.length + data.length) / 1e6).toFixed(0);
    return [
      `### image load (${ROUNDS} rounds, ${mb} MB in 2 layers: busybox and ${FILES} files of ${SIZE} bytes; load average ${loadAverage(3)})`,
      '',
      table(
        ['what', 'median', 'against the first load'],
        [
          ['`berth image load -i` into an empty store (both layers unpacked)', fmt(median(first)), '1.00x'],
          ['the same archive again (layers present, nothing unpacked)', fmt(median(again)), ratio(median(again), median(first))],
          ['`berth images -q` (node start and a read of the store)', fmt(median(floor)), ratio(median(floor), median(first))],
        ],
      ),
      '',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone('image', run);
