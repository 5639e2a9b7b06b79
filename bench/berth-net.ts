/**
 * Containers on networks (issue 18, "Speed"): `berth run --rm --network NET -p 8080:80 IMAGE true`
 * vs `podman run` with the same options (podman 4.3, CNI backend, the reference plugins) and vs
 * `berth run --network none`; and a start on a network with MANY running containers vs one on an
 * empty network. Everything runs in a throwaway host netns (nsenter --net), paths in a temp dir,
 * cgroups under /berth-bench-net-<pid>; all removed afterwards.
 *
 *   node --import tsx bench/berth-net.ts    (or `node --import tsx bench/main.ts berth-net`)
 *   BENCH_NET_RUNS=3 BENCH_NET_MANY=10 node --import tsx bench/berth-net.ts   (a smoke run)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpPodman, importBusybox, LIMITS, podmanIn, withPodmanOutsideCleaned } from '../test/helpers/podman';
import { BERTH_BIN, REFERENCE_BIN, ensurePackages, fmt, loadAverage, median, ratio, settle, table, runStandalone } from './util';

const RUNS = Number(process.env.BENCH_NET_RUNS ?? 10);
const MANY = Number(process.env.BENCH_NET_MANY ?? 200);
const CGROUP_PARENT = `/berth-bench-net-${process.pid}`;
const LIMIT = 300_000;

/** Runs argv to completion; its wall time in ms. @throws {Error} on failure */
function timed(argv: string[], env: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: LIMIT,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  return ms;
}

/** Interleaves the commands RUNS times after one warm-up each, each followed by a pause; their medians. */
function interleave(cmds: Record<string, () => number>): Record<string, number> {
  for (const f of Object.values(cmds)) f();
  const got: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [k, f] of Object.entries(cmds)) {
      got[k].push(f());
      settle();
    }
  return Object.fromEntries(Object.entries(got).map(([k, s]) => [k, median(s)]));
}

function removeCgroupTree(path: string): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, path);
    try {
      for (const c of readdirSync(dir, { withFileTypes: true })) if (c.isDirectory()) rmdirSync(join(dir, c.name));
      rmdirSync(dir);
    } catch {
      /* absent or busy */
    }
  }
}

async function measure(dir: string, ns: string): Promise<string> {
  const enter = ['nsenter', `--net=/run/netns/${ns}`];
  const conf = join(dir, 'net.d');
  const berth = (...args: string[]) => [
    ...enter,
    join(BERTH_BIN, 'berth'),
    ...['--root', join(dir, 'root'), '--state-dir', join(dir, 'state'), '--cni-config-dir', conf, '--cni-cache-dir', join(dir, 'cni')],
    ...args,
  ];
  const netctl = (...args: string[]) =>
    timed([...enter, join(BERTH_BIN, 'netctl'), '--config-dir', conf, '--cache-dir', join(dir, 'cni'), ...args]);
  const fw = ['--firewall-dir', join(dir, 'state/firewall'), '--lease-dir', join(dir, 'cni/networks')];
  netctl('create', 'bench', '--subnet', '10.93.0.0/24', ...fw);
  netctl('create', 'many', '--subnet', '10.93.2.0/23', ...fw);
  netctl('create', 'empty', '--subnet', '10.93.4.0/23', ...fw);
  // podman's network: the same kind of conflist, run by the reference plugins.
  const podConf = join(dir, 'podman-net.d');
  timed([
    ...enter,
    join(BERTH_BIN, 'netctl'),
    '--config-dir',
    podConf,
    '--cache-dir',
    join(dir, 'podman-cni'),
    'create',
    'pbench',
    '--subnet',
    '10.93.8.0/24',
    '--lease-dir',
    join(dir, 'podman-cni/networks'),
  ]);
  mkdirSync(join(dir, 'podman'), { recursive: true });
  const podman = podmanIn({ ns, dir: join(dir, 'podman'), confDir: podConf, pluginDir: REFERENCE_BIN });
  const image = await importBusybox(podman, join(dir, 'podman'));
  timed(berth('image', 'import', join(dir, 'podman', 'rootfs.tar'), 'berth-bench/busybox:latest'));
  const bimg = 'berth-bench/busybox:latest';
  const cg = ['--cgroup-parent', CGROUP_PARENT];
  try {
    const pc = podman.command(
      'run',
      '--rm',
      ...LIMITS,
      '--cgroup-parent',
      CGROUP_PARENT,
      '--network',
      'pbench',
      '-p',
      '8080:80',
      image,
      'true',
    );
    const one = interleave({
      berthNet: () => timed(berth('run', '--rm', ...cg, '--network', 'bench', '-p', '8080:80', bimg, 'true')),
      podman: () => timed(pc.argv, pc.env),
      berthNone: () => timed(berth('run', '--rm', ...cg, '--network', 'none', bimg, 'true')),
    });
    for (let i = 0; i < MANY; i++) timed(berth('run', '-d', ...cg, '--network', 'many', bimg, 'sleep', '100000'));
    const scale = interleave({
      many: () => timed(berth('run', '--rm', ...cg, '--network', 'many', bimg, 'true')),
      empty: () => timed(berth('run', '--rm', ...cg, '--network', 'empty', bimg, 'true')),
    });
    const rows = [
      ['`berth run --rm --network bench -p 8080:80 IMAGE true`', fmt(one.berthNet), ''],
      ['`podman run --rm --network pbench -p 8080:80 IMAGE true` (reference plugins)', fmt(one.podman), ratio(one.berthNet, one.podman)],
      ['`berth run --rm --network none IMAGE true`', fmt(one.berthNone), ratio(one.berthNet, one.berthNone)],
      [`\`berth run --rm --network many IMAGE true\`, ${MANY} running on it`, fmt(scale.many), ''],
      ['`berth run --rm --network empty IMAGE true`, none on it', fmt(scale.empty), ratio(scale.many, scale.empty)],
    ];
    return [
      table(['command', 'median wall', 'ratio'], rows),
      '',
      'Goals:',
      '',
      `- network run within 0.25x of podman's: ${ratio(one.berthNet, one.podman)} ${one.berthNet <= one.podman * 1.25 ? 'met' : 'NOT met'}`,
      `- network run within 1.5x of --network none: ${ratio(one.berthNet, one.berthNone)} ${one.berthNet <= one.berthNone * 1.5 ? 'met' : 'NOT met'}`,
      `- start with ${MANY} on the network within 1.2x of an empty one: ${ratio(scale.many, scale.empty)} ${scale.many <= scale.empty * 1.2 ? 'met' : 'NOT met'}`,
    ].join('\n');
  } finally {
    const exec = (argv: string[]) =>
      spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: LIMIT });
    const ids = (exec(berth('ps', '-aq', '--no-trunc')).stdout ?? '').split('\n').filter(Boolean);
    if (ids.length) exec(berth('rm', '-f', ...ids));
    exec(berth('gc'));
    await cleanUpPodman(podman, join(dir, 'podman'));
  }
}

export async function run(): Promise<string> {
  ensurePackages('podman', 'runc', 'busybox-static', 'containernetworking-plugins', 'iptables');
  const loadBefore = loadAverage();
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-net-'));
  const ns = `berth-bench-net-${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  let text = '';
  try {
    await withPodmanOutsideCleaned(async () => {
      text = await measure(dir, ns);
    });
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    for (const line of spawnSync('cat', ['/proc/mounts'], { encoding: 'utf8' }).stdout.split('\n').reverse()) {
      const target = line.split(' ')[1];
      if (target?.startsWith(dir)) spawnSync('umount', ['-l', target]);
    }
    rmSync(dir, { recursive: true, force: true });
    removeCgroupTree(CGROUP_PARENT);
  }
  return [
    `### berth on networks (load average ${loadBefore} before, ${loadAverage()} after; medians of ${RUNS} interleaved runs; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    '',
    text,
    '',
  ].join('\n');
}

if (require.main === module) runStandalone('berth-net', run);
