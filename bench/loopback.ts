/**
 * Start-up cost of a plugin process: dist/bin/loopback VERSION against `node -e 0` (hyperfine,
 * clean environment as an orchestrator execs plugins), and ADD / DEL whole-process times.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_BIN, cleanEnv, ensurePackages, fmt, median, ratio, sh, table, timeExec, runStandalone } from './util';

function hyperfineMedian(commands: string[], env: Record<string, string>): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  try {
    const out = join(dir, 'h.json');
    sh('env', [
      '-i',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      'hyperfine',
      '-N',
      '-w',
      '10',
      '-r',
      '100',
      '--export-json',
      out,
      ...commands,
    ]);
    return JSON.parse(readFileSync(out, 'utf8')).results.map((r: { median: number }) => r.median * 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  ensurePackages('hyperfine');
  const loopback = join(BERTH_BIN, 'loopback');
  const [node, version] = hyperfineMedian(['node -e 0', loopback], cleanEnv({ CNI_COMMAND: 'VERSION' }));
  const ns = `berth-bench-lo-${process.pid}`;
  sh('ip', ['netns', 'add', ns]);
  try {
    const conf = JSON.stringify({ cniVersion: '1.1.0', name: 'lo', type: 'loopback' });
    const env = (command: string) =>
      cleanEnv({ CNI_COMMAND: command, CNI_CONTAINERID: 'bench', CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'lo', CNI_PATH: BERTH_BIN });
    const adds: number[] = [],
      dels: number[] = [],
      nodes: number[] = [];
    for (let i = 0; i < 30; i++) {
      nodes.push((await timeExec('node', ['-e', '0'], cleanEnv({}))).ms);
      const a = await timeExec(loopback, [], env('ADD'), conf);
      if (a.code !== 0) throw new Error(`loopback ADD failed: ${a.stdout}`);
      adds.push(a.ms);
      dels.push((await timeExec(loopback, [], env('DEL'), conf)).ms);
    }
    return [
      '### loopback start-up (clean env: PATH + CNI_* only)',
      '',
      table(
        ['what', 'median', 'vs node -e 0'],
        [
          ['`node -e 0` (hyperfine)', fmt(node), '1.00x'],
          ['`loopback` VERSION (hyperfine)', fmt(version), ratio(version, node)],
          ['`node -e 0` (spawn from Node)', fmt(median(nodes)), '1.00x'],
          ['`loopback` ADD', fmt(median(adds)), ratio(median(adds), median(nodes))],
          ['`loopback` DEL', fmt(median(dels)), ratio(median(dels), median(nodes))],
        ],
      ),
      '',
    ].join('\n');
  } finally {
    sh('ip', ['netns', 'del', ns]);
  }
}

if (require.main === module) runStandalone('loopback', run);
