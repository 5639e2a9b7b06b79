/**
 * netctl attach + detach against the same plugin calls made directly (bridge ADD + portmap ADD, then
 * portmap DEL + bridge DEL, each exec'd with a clean env: PATH and CNI_* only), so the cost of the
 * front door shows: one more Node process (yargs, the conflist runner, the result cache, the netns's
 * `lo`). netctl runs with PATH as its only variable. Everything happens in a throwaway "host" netns:
 * this process re-runs itself inside it (`ip netns exec`). Samples alternate between the two ways.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPluginConfig, parseConfList } from '../cni/conflist';
import { parseResult } from '../cni/version';
import { BERTH_BIN, cleanEnv, fmt, median, ratio, table, timeExec, runWorkerInThrowawayHost, workerScratch, runStandalone } from './util';

const SAMPLES = 25;
const NETCTL = join(BERTH_BIN, 'netctl');

async function worker(): Promise<void> {
  const prefix = `bnw${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const { newNs, cleanUp } = workerScratch(dir);
  const g = ['--config-dir', join(dir, 'conf'), '--cache-dir', join(dir, 'cache')];
  const netctl = (...args: string[]) => timeExec(NETCTL, [...g, ...args], cleanEnv({}));
  const netctlExec = (...args: string[]) => timeExec(NETCTL, [...g, ...args], cleanEnv({ NETCTL_EXEC_PLUGINS: '1' }));
  const must = async (what: string, p: ReturnType<typeof timeExec>) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r;
  };
  try {
    await must('netctl create', netctl('create', 'bench', '--lease-dir', join(dir, 'leases'), '--firewall-dir', join(dir, 'fw')));
    const list = parseConfList(readFileSync(join(dir, 'conf/bench.conflist'), 'utf8'));
    const [bridge, portmap] = list.plugins;
    const times = {
      attach: [] as number[],
      detach: [] as number[],
      attachExec: [] as number[],
      detachExec: [] as number[],
      add: [] as number[],
      del: [] as number[],
      node: [] as number[],
    };
    for (let i = 0; i < SAMPLES; i++) {
      const port = String(20000 + i);
      // netctl: one process per verb.
      const ns1 = newNs(`${prefix}-n${i}`);
      const a = await must('netctl attach', netctl('attach', 'bench', ns1, '--id', `n${i}`, '-p', `${port}:80`));
      const d = await must('netctl detach', netctl('detach', 'bench', ns1, '--id', `n${i}`));
      times.attach.push(a.ms);
      times.detach.push(d.ms);
      // netctl with every plugin exec'd (NETCTL_EXEC_PLUGINS=1), for comparison.
      const ns3 = newNs(`${prefix}-x${i}`);
      times.attachExec.push(
        (await must('netctl attach (exec)', netctlExec('attach', 'bench', ns3, '--id', `x${i}`, '-p', `${Number(port) + 2000}:80`))).ms,
      );
      times.detachExec.push((await must('netctl detach (exec)', netctlExec('detach', 'bench', ns3, '--id', `x${i}`))).ms);
      // Direct: the plugins as netctl's runner execs them.
      const ns2 = newNs(`${prefix}-d${i}`);
      const rt = { capabilityArgs: { portMappings: [{ hostPort: Number(port) + 1000, containerPort: 80, protocol: 'tcp' }] } };
      const env = (command: string) =>
        cleanEnv({
          CNI_COMMAND: command,
          CNI_CONTAINERID: `d${i}`,
          CNI_NETNS: `/run/netns/${ns2}`,
          CNI_IFNAME: 'eth0',
          CNI_PATH: BERTH_BIN,
        });
      const b1 = await must(
        'bridge ADD',
        timeExec(join(BERTH_BIN, 'bridge'), [], env('ADD'), JSON.stringify(buildPluginConfig(list, bridge, rt))),
      );
      const prev = parseResult(JSON.parse(b1.stdout), 'result');
      const p1 = await must(
        'portmap ADD',
        timeExec(join(BERTH_BIN, 'portmap'), [], env('ADD'), JSON.stringify(buildPluginConfig(list, portmap, rt, prev))),
      );
      const p2 = await must(
        'portmap DEL',
        timeExec(join(BERTH_BIN, 'portmap'), [], env('DEL'), JSON.stringify(buildPluginConfig(list, portmap, rt, prev))),
      );
      const b2 = await must(
        'bridge DEL',
        timeExec(join(BERTH_BIN, 'bridge'), [], env('DEL'), JSON.stringify(buildPluginConfig(list, bridge, rt, prev))),
      );
      times.add.push(b1.ms + p1.ms);
      times.del.push(p2.ms + b2.ms);
      times.node.push((await timeExec(process.execPath, ['-e', '0'], cleanEnv({}))).ms);
    }
    process.stdout.write(JSON.stringify(times));
  } finally {
    cleanUp();
  }
}

export async function run(): Promise<string> {
  const t = runWorkerInThrowawayHost<Record<'attach' | 'detach' | 'attachExec' | 'detachExec' | 'add' | 'del' | 'node', number[]>>(
    __filename,
    'netctl',
  );
  const [attach, detach, add, del, node] = [median(t.attach), median(t.detach), median(t.add), median(t.del), median(t.node)];
  const [attachExec, detachExec] = [median(t.attachExec), median(t.detachExec)];
  const over = (a: number, b: number) =>
    `${a >= b ? '+' : '-'}${Math.abs(a - b).toFixed(1)} ms (${((a - b) / node).toFixed(2)} Node start-ups)`;
  return [
    `### netctl attach + detach vs the plugins driven directly (median of ${SAMPLES}, bridge + host-local + portmap, one published port, clean env)`,
    '',
    table(
      ['operation', 'netctl', 'plugins directly', 'netctl/direct', 'front-door cost'],
      [
        ['attach (ADD)', fmt(attach), fmt(add), ratio(attach, add), over(attach, add)],
        ['detach (DEL)', fmt(detach), fmt(del), ratio(detach, del), over(detach, del)],
        ["attach, plugins exec'd (NETCTL_EXEC_PLUGINS=1)", fmt(attachExec), fmt(add), ratio(attachExec, add), over(attachExec, add)],
        ["detach, plugins exec'd (NETCTL_EXEC_PLUGINS=1)", fmt(detachExec), fmt(del), ratio(detachExec, del), over(detachExec, del)],
      ],
    ),
    '',
    "netctl runs Berth's own plugins (found in CNI_PATH beside it) inside its own process through the same skeleton and protocol; other plugins are exec'd.",
    '',
    `One Node start-up (\`node -e 0\`, same env) on this machine now: ${fmt(node)}. Goal: the front-door cost at most one start-up.`,
    '',
  ].join('\n');
}

if (require.main === module) runStandalone('netctl', run, worker);
