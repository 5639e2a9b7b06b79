/**
 * `make demo`: Berth's plugins at work in throwaway namespaces, printing each step.
 * Everything it makes carries the prefix "bdemo" and is removed at the end, whatever happens.
 */
import { getFromOutside, linkOutside } from './demo-net';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { containerDemo } from './demo-containers';

const BIN = resolve(__dirname, '../dist/bin');
const tag = `bdemo${process.pid.toString(36)}`;
const made: string[] = [];
const dirs: string[] = [];

const say = (text: string) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

function netns(name: string): string {
  const full = `${tag}-${name}`;
  ip('netns', 'add', full);
  made.push(full);
  return full;
}

/** Execs a plugin the way an orchestrator does (clean env), inside `hostNs` when given. */
function plugin(name: string, env: Record<string, string>, conf: object, hostNs?: string): { code: number; out: string } {
  const cmd = hostNs ? 'ip' : join(BIN, name);
  const args = hostNs ? ['netns', 'exec', hostNs, join(BIN, name)] : [];
  const r = spawnSync(cmd, args, {
    input: JSON.stringify(conf),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_PATH: BIN, ...env },
  });
  const out = r.stdout.trim();
  console.log(`$ CNI_COMMAND=${env.CNI_COMMAND} ${name}  →  exit ${r.status}${out ? `\n${pretty(out)}` : ''}`);
  return { code: r.status ?? 1, out };
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function show(ns: string, ...args: string[]): void {
  console.log(`$ ip -n ${ns} ${args.join(' ')}\n${ip('-n', ns, ...args).trimEnd()}`);
}

function loopbackDemo(): void {
  say('loopback: bring lo up in a container namespace');
  const c = netns('c1');
  const env = (cmd: string) => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'demo1', CNI_NETNS: `/run/netns/${c}`, CNI_IFNAME: 'lo' });
  const conf = { cniVersion: '1.1.0', name: 'demo-lo', type: 'loopback' };
  show(c, '-br', 'addr', 'show', 'lo');
  const added = plugin('loopback', env('ADD'), conf);
  show(c, '-br', 'addr', 'show', 'lo');
  plugin('loopback', env('CHECK'), { ...conf, prevResult: JSON.parse(added.out) });
  plugin('loopback', env('DEL'), conf);
  show(c, '-br', 'link', 'show', 'lo');
}

function bridgeDemo(): void {
  if (!existsSync(join(BIN, 'bridge')) || !existsSync(join(BIN, 'host-local'))) return;
  say('bridge + host-local: two containers on a docker0-like bridge');
  const host = netns('host');
  const [c1, c2] = [netns('a'), netns('b')];
  const dataDir = mkdtempSync(join(tmpdir(), `${tag}-`));
  dirs.push(dataDir);
  const conf = {
    cniVersion: '1.1.0',
    name: 'demo-net',
    type: 'bridge',
    bridge: 'berth-demo0',
    isGateway: true,
    isDefaultGateway: true,
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.123.0.0/24' }], [{ subnet: 'fd00:123::/64' }]] },
  };
  const env = (cmd: string, id: string, ns: string) => ({
    CNI_COMMAND: cmd,
    CNI_CONTAINERID: id,
    CNI_NETNS: `/run/netns/${ns}`,
    CNI_IFNAME: 'eth0',
  });
  const a = plugin('bridge', env('ADD', 'demo-a', c1), conf, host);
  plugin('bridge', env('ADD', 'demo-b', c2), conf, host);
  show(host, '-br', 'link', 'show', 'master', 'berth-demo0');
  show(c1, '-br', 'addr', 'show', 'eth0');
  show(c1, 'route');
  const peer = '10.123.0.3';
  const ping = spawnSync('ip', ['netns', 'exec', c1, 'ping', '-c', '2', '-W', '2', peer], { encoding: 'utf8' });
  console.log(`$ ping -c 2 ${peer}  (from container a)\n${ping.stdout.trim().split('\n').slice(-2).join('\n')}`);
  plugin('bridge', { ...env('CHECK', 'demo-a', c1) }, { ...conf, prevResult: JSON.parse(a.out) }, host);
  plugin('bridge', env('DEL', 'demo-a', c1), conf, host);
  plugin('bridge', env('DEL', 'demo-b', c2), conf, host);
  show(host, '-br', 'link', 'show', 'master', 'berth-demo0');
}

/** netctl in a throwaway "host" namespace: two networks, containers, a published port, isolation, tear-down. */
function netctlDemo(): void {
  if (!['netctl', 'bridge', 'host-local', 'portmap'].every((b) => existsSync(join(BIN, b)))) return;
  say('netctl: networks you never hand-write, containers attached like `docker network connect`');
  const host = netns('nhost');
  const outside = netns('nout');
  linkOutside(host, outside, `${tag}o`);
  const dir = mkdtempSync(join(tmpdir(), `${tag}-netctl-`));
  dirs.push(dir);
  const netctl = (...args: string[]): string => netctlMay(true, ...args);
  const netctlMay = (mustSucceed: boolean, ...args: string[]): string => {
    const r = spawnSync(
      'ip',
      ['netns', 'exec', host, join(BIN, 'netctl'), '--config-dir', join(dir, 'conf'), '--cache-dir', join(dir, 'cache'), ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } },
    );
    console.log(`$ netctl ${args.join(' ')}${r.status ? `  →  exit ${r.status}` : ''}\n${(r.stdout + r.stderr).trimEnd()}`);
    if (mustSucceed && r.status !== 0) throw new Error(`netctl ${args[0]} failed`);
    return r.stdout;
  };
  const dirsOpt = ['--lease-dir', join(dir, 'leases'), '--firewall-dir', join(dir, 'fw')];
  netctl('create', 'web', '--isolate', '--label', 'app=shop', ...dirsOpt);
  netctl('create', 'db', '--isolate', '--internal', ...dirsOpt);
  netctl('ls');
  const [a, b, c] = [netns('web-a'), netns('web-b'), netns('db-c')];
  netctl('attach', 'web', a, '--id', 'a', '-p', '8080:80', '-p', '53/udp');
  netctl('attach', 'web', b, '--id', 'b');
  netctl('attach', 'db', c, '--id', 'c');
  const addrOf = (ns: string) =>
    JSON.parse(ip('-n', ns, '-j', 'addr', 'show', 'eth0'))[0].addr_info.find((x: { family: string }) => x.family === 'inet')
      .local as string;
  const ping = (from: string, to: string, what: string) => {
    const r = spawnSync('ip', ['netns', 'exec', from, 'ping', '-c', '1', '-W', '1', to], { encoding: 'utf8' });
    console.log(`$ ping ${to}  (${what})  →  ${r.status === 0 ? 'answered' : 'no answer'}`);
  };
  ping(a, addrOf(b), 'a → b, same network');
  ping(a, addrOf(c), 'a → c, network "db": both isolated');
  const www = join(dir, 'www');
  execFileSync('mkdir', ['-p', www]);
  writeFileSync(join(www, 'index.html'), 'hello from container a\n');
  const server: ChildProcess = spawn('ip', ['netns', 'exec', a, 'busybox', 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore' });
  server.on('error', () => {});
  try {
    getFromOutside(outside, 8080);
  } finally {
    server.kill('SIGKILL');
  }
  netctl('inspect', 'web');
  netctl('detach', 'web', b, '--id', 'b');
  netctlMay(false, 'rm', 'web', 'db');
  netctl('rm', '--force', 'web', 'db');
  show(host, '-br', 'link', 'show', 'type', 'bridge');
  console.log(
    `$ nft list ruleset | grep -c elements  (Berth's sets are empty again)\n${spawnSync('ip', ['netns', 'exec', host, 'sh', '-c', 'nft list ruleset | grep -c "elements =" || true'], { encoding: 'utf8' }).stdout.trim()}`,
  );
}

function cleanup(): void {
  for (const ns of made.reverse()) if (existsSync(`/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

try {
  if (process.getuid?.() !== 0) throw new Error('the demo makes network namespaces: run it as root');
  loopbackDemo();
  bridgeDemo();
  netctlDemo();
  containerDemo(say, tag);
  say('done: every namespace and file the demo made is removed');
} catch (err) {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
