/**
 * nftables backends for one small transaction (add table, add set, add one element with a
 * comment), in a throwaway netns: the `nft` program spawned per call vs libnftables in-process
 * (koffi), plus the first call in a fresh context, and reading one element back by netlink vs by
 * `nft get element` with N elements in the table. Numbers quoted in kernel/nft.ts and
 * kernel/nf-netlink.ts come from this.
 *
 *   node --import tsx bench/nft.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { median, table, runStandalone } from './util';
import { openNftIn } from '../kernel/nft';

const RUNS = 100;

export async function run(): Promise<string> {
  const ns = `berth-bench-nft-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const path = `/run/netns/${ns}`;
    let i = 0;
    const script = () =>
      `add table inet bench\nadd set inet bench s { type ipv4_addr; }\nadd element inet bench s { 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i++ & 255} comment "x" }\n`;
    const program: number[] = [];
    for (let k = 0; k < RUNS; k++) {
      const t = process.hrtime.bigint();
      const r = spawnSync('nsenter', [`--net=/run/netns/${ns}`, 'nft', '-f', '-'], { input: script() });
      if (r.status !== 0) throw new Error(String(r.stderr));
      program.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const inNetnsOnly: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = process.hrtime.bigint();
      spawnSync('nsenter', [`--net=/run/netns/${ns}`, 'true']);
      inNetnsOnly.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const first: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = process.hrtime.bigint();
      const nft = openNftIn(path);
      await nft.apply(script());
      first.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const nft = openNftIn(path);
    const lib: number[] = [];
    for (let k = 0; k < RUNS; k++) {
      const t = process.hrtime.bigint();
      await nft.apply(script());
      lib.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    // Reading one element back with 5000 elements in the set.
    const many = Array.from({ length: 5000 }, (_, k) => `add element inet bench s { 10.200.${k >> 8}.${k & 255} comment "x" }`).join('\n');
    await nft.apply(many + '\n');
    const key = { family: 'inet' as const, table: 'bench', set: 's', keyText: '10.200.0.5', keyBytes: Buffer.from([10, 200, 0, 5]) };
    const byNetlink: number[] = [];
    const byGet: number[] = [];
    for (let k = 0; k < 10; k++) {
      const fresh = openNftIn(path);
      let t = process.hrtime.bigint();
      await fresh.elementComments([key]);
      byNetlink.push(Number(process.hrtime.bigint() - t) / 1e6);
      const fresh2 = openNftIn(path);
      t = process.hrtime.bigint();
      await fresh2.read('get element inet bench s { 10.200.0.5 }');
      byGet.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return [
      '### nftables backends (one small transaction; medians)',
      '',
      table(
        ['what', 'median'],
        [
          ['`nft -f -` spawned per transaction (through `nsenter --net`)', `${median(program).toFixed(2)} ms`],
          ['`nsenter --net true` alone (the spawn and setns part of the line above)', `${median(inNetnsOnly).toFixed(2)} ms`],
          ['libnftables, fresh context + first transaction (library loaded)', `${median(first).toFixed(2)} ms`],
          ['libnftables, later transactions', `${median(lib).toFixed(3)} ms`],
          ['read one element back, 5000 in the set: netlink GETSETELEM (fresh context)', `${median(byNetlink).toFixed(3)} ms`],
          ['read one element back, 5000 in the set: libnftables `get element` (fresh context)', `${median(byGet).toFixed(2)} ms`],
        ],
      ),
      '',
    ].join('\n');
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

if (require.main === module) runStandalone('nft', run);
