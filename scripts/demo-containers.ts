/**
 * `make demo`, container part: an image imported from a busybox root, a run with limits (the
 * OOM-killed one exits 137), a detached container paused, exec'd into, its logs and stats; then the
 * notes' two-container app: a web server on a user-defined network with a published port and a
 * named volume (berth-volumed), a client that finds it by name, the data kept across `rm`.
 * berth runs inside a throwaway "host" network namespace with its own --root, --state-dir, CNI dirs
 * and cgroup parent; all of it is removed at the end.
 */
import { getFromOutside, linkOutside } from './demo-net';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../dist/bin');

export function containerDemo(say: (text: string) => void, tag: string): void {
  const dir = mkdtempSync(join(tmpdir(), `${tag}-berth-`));
  const parent = `/berth-demo-${tag}`;
  const [host, outside] = [`${tag}-chost`, `${tag}-cout`];
  const globals = [
    '--root',
    join(dir, 'root'),
    '--state-dir',
    join(dir, 'state'),
    '--cni-config-dir',
    join(dir, 'net.d'),
    '--cni-cache-dir',
    join(dir, 'cni'),
    '--volume-plugin-dir',
    join(dir, 'plugins'),
  ];
  const inHost = (cmd: string, args: string[], input?: string) =>
    spawnSync('nsenter', [`--net=/run/netns/${host}`, cmd, ...args], { encoding: 'utf8', input });
  const berthQuiet = (...args: string[]) => {
    const withParent = args[0] === 'run' ? ['run', '--cgroup-parent', parent, ...args.slice(1)] : args;
    return inHost(join(BIN, 'berth'), [...globals, ...withParent]);
  };
  const berth = (...args: string[]) => {
    const r = berthQuiet(...args);
    console.log(`$ berth ${args.join(' ')}  →  exit ${r.status}\n${(r.stdout + r.stderr).trimEnd()}`);
    return r;
  };
  let volumed: ChildProcess | undefined;
  try {
    const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
    ip('netns', 'add', host);
    ip('netns', 'add', outside);
    linkOutside(host, outside, `${tag}c`);

    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
    for (const name of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => n && n !== 'busybox'))
      symlinkSync('busybox', join(rootfs, 'bin', name));
    execFileSync('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
    say('berth: an image, containers with limits, pause, exec, logs, stats');
    berth('image', 'import', join(dir, 'rootfs.tar'), 'demo/busybox:1');
    berth('run', '--rm', '--name', 'hello', 'demo/busybox:1', 'sh', '-c', 'echo hello from $(hostname), PID $$; ip -o -4 addr show eth0');
    berth('run', '--rm', '-m', '32m', '--memory-swap', '32m', 'demo/busybox:1', 'sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64M count=1');
    berth(
      'run',
      '-d',
      '--name',
      'worker',
      '--pids-limit',
      '20',
      '--cpus',
      '0.5',
      'demo/busybox:1',
      'sh',
      '-c',
      'trap "exit 0" TERM; echo working; while :; do sleep 1; done',
    );
    berth('pause', 'worker');
    berth('ps');
    berth('unpause', 'worker');
    berth('exec', 'worker', 'ps');
    berth('logs', '-t', 'worker');
    berth('stats', '--no-stream', 'worker');
    berth('stop', 'worker');
    berth('rm', 'worker');

    say('berth: a two-container app, a published port and a named volume (berth-volumed)');
    mkdirSync(join(dir, 'plugins'));
    volumed = spawn(join(BIN, 'berth-volumed'), ['--socket', join(dir, 'plugins/berth.sock'), '--root', join(dir, 'volumes')], {
      stdio: 'ignore',
    });
    volumed.on('error', () => {});
    for (let i = 0; i < 100 && !existsSync(join(dir, 'plugins/berth.sock')); i++) spawnSync('sleep', ['0.05']);
    berth('network', 'create', 'shop');
    berth('run', '--rm', '-v', 'site:/www', 'demo/busybox:1', 'sh', '-c', 'echo "hello from a named volume" > /www/index.html');
    berth(
      'run',
      '-d',
      '--name',
      'web',
      '--network',
      'shop',
      '-p',
      '8080:80',
      '-v',
      'site:/www',
      'demo/busybox:1',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/www',
    );
    berth('ps');
    berth('port', 'web');
    berth('run', '--rm', '--network', 'shop', 'demo/busybox:1', 'sh', '-c', 'nslookup web | grep -A1 ^Name; cat /etc/resolv.conf');
    getFromOutside(outside, 8080);
    berth('rm', '-f', 'web');
    berth('run', '--rm', '-v', 'site:/www', 'demo/busybox:1', 'cat', '/www/index.html');
    berth('volume', '--socket', join(dir, 'plugins/berth.sock'), 'ls');
    berth('volume', '--socket', join(dir, 'plugins/berth.sock'), 'rm', 'site');
    berth('network', 'rm', 'shop');
  } finally {
    const ids = berthQuiet('ps', '-aq').stdout?.split('\n').filter(Boolean) ?? [];
    if (ids.length) berthQuiet('rm', '-f', ...ids);
    berthQuiet('network', 'rm', 'shop');
    berthQuiet('network', 'rm', 'bridge');
    volumed?.kill('SIGTERM');
    for (const ns of [host, outside]) if (existsSync(`/run/netns/${ns}`)) spawnSync('ip', ['netns', 'del', ns]);
    for (const h of readdirSync('/sys/fs/cgroup')) {
      const p = join('/sys/fs/cgroup', h, parent);
      if (existsSync(p))
        try {
          rmdirSync(p);
        } catch {
          /* busy */
        }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
