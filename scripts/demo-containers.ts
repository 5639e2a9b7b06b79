/**
 * `make demo`, container part: an image imported from a busybox root, a run with limits (the
 * OOM-killed one exits 137), a detached container paused, exec'd into, its logs and stats, then
 * removed. Its own --root, --state-dir and cgroup parent, all removed at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../dist/bin');

export function containerDemo(say: (text: string) => void, tag: string): void {
  const dir = mkdtempSync(join(tmpdir(), `${tag}-berth-`));
  const parent = `/berth-demo-${tag}`;
  const berth = (...args: string[]) => {
    const withParent = args[0] === 'run' ? ['run', '--cgroup-parent', parent, ...args.slice(1)] : args;
    const r = spawnSync(join(BIN, 'berth'), ['--root', join(dir, 'root'), '--state-dir', join(dir, 'state'), ...withParent], {
      encoding: 'utf8',
    });
    console.log(`$ berth ${args.join(' ')}  →  exit ${r.status}\n${(r.stdout + r.stderr).trimEnd()}`);
    return r;
  };
  try {
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
    berth('run', '--rm', '--name', 'hello', 'demo/busybox:1', 'sh', '-c', 'echo hello from $(hostname), PID $$; ls /sys/class/net');
    berth('run', '--rm', '-m', '32m', '--memory-swap', '32m', 'demo/busybox:1', 'sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64M count=1');
    berth(
      'run',
      '-d',
      '--name',
      'web',
      '--pids-limit',
      '20',
      '--cpus',
      '0.5',
      'demo/busybox:1',
      'sh',
      '-c',
      'trap "exit 0" TERM; echo serving; while :; do sleep 1; done',
    );
    berth('pause', 'web');
    berth('ps');
    berth('unpause', 'web');
    berth('exec', 'web', 'ps');
    berth('logs', '-t', 'web');
    berth('stats', '--no-stream', 'web');
    berth('stop', 'web');
    berth('ps', '-a');
    berth('rm', 'web');
  } finally {
    const ids = spawnSync(join(BIN, 'berth'), ['--root', join(dir, 'root'), '--state-dir', join(dir, 'state'), 'ps', '-aq'], {
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter(Boolean);
    if (ids.length) spawnSync(join(BIN, 'berth'), ['--root', join(dir, 'root'), '--state-dir', join(dir, 'state'), 'rm', '-f', ...ids]);
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
