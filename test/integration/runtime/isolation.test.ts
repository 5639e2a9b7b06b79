import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { withBerth, type Berth } from '../../helpers/berth';

const test = suite("berth run: the container's view (namespaces, mounts, capabilities, user)");
const it = isRoot ? test : test.skip;

const sh = async (b: Berth, flags: string[], script: string) => {
  const r = await b('run', '--rm', ...flags, '--rootfs', b.rootfs, 'sh', '-c', script);
  assert.is(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
};

it("own PID, UTS, network namespaces: PID 1, its hostname, only lo (up); --network host shares the host's", async () => {
  await withBerth(async (b) => {
    assert.is(
      await sh(b, ['--hostname', 'box'], 'echo $$; hostname; ls /sys/class/net; cat /sys/class/net/lo/operstate'),
      '1\nbox\nlo\nunknown\n',
    );
    assert.match(await sh(b, [], 'ip -o link show lo'), /<LOOPBACK,UP,LOWER_UP>/);
    const id = await sh(b, [], 'hostname');
    assert.match(id, /^[0-9a-f]{12}\n$/, 'the hostname defaults to the short ID');
    assert.is(await sh(b, ['--network', 'host'], 'hostname'), `${hostname()}\n`);
    const hostLinks = readFileSync('/proc/net/dev', 'utf8').split('\n').length;
    assert.is((await sh(b, ['--network', 'host'], 'cat /proc/net/dev')).split('\n').length, hostLinks);
  });
});

it('/proc, read-only /sys, /dev with the usual nodes, /dev/pts, /dev/shm, /dev/mqueue; masked and read-only /proc paths', async () => {
  await withBerth(async (b) => {
    const mounts = await sh(b, [], 'cat /proc/mounts');
    for (const [path, type] of [
      ['/', 'overlay'],
      ['/proc', 'proc'],
      ['/dev', 'tmpfs'],
      ['/dev/pts', 'devpts'],
      ['/dev/shm', 'tmpfs'],
      ['/dev/mqueue', 'mqueue'],
    ])
      assert.match(mounts, new RegExp(`^\\S+ ${path.replace(/\//g, '\\/')} ${type} `, 'm'), `${path} is ${type}`);
    assert.match(mounts, /^sysfs \/sys sysfs ro,/m);
    assert.is(await sh(b, [], 'ls /dev | grep -E "^(null|zero|full|random|urandom|tty)$" | wc -l'), '6\n');
    assert.is(
      await sh(
        b,
        [],
        'wc -c < /proc/keys; touch /sys/x 2>/dev/null || echo sys-ro; echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo proc-sys-ro',
      ),
      '0\nsys-ro\nproc-sys-ro\n',
    );
    assert.is(await sh(b, [], 'ls / | grep -c "^proc$"; test -e /rootfs || echo no-host-root'), '1\nno-host-root\n');
  });
});

it("/sys/fs/cgroup shows the container's own cgroups read-only (as Docker's), read-write with --privileged", async () => {
  await withBerth(async (b) => {
    const limits = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us';
    assert.is(await sh(b, ['-m', '64m', '--pids-limit', '50', '--cpus', '0.5'], limits), '67108864\n50\n50000\n');
    // One dir per v1 hierarchy, without a hybrid host's cgroup2 part (as runc mounts them).
    const dirs = (await sh(b, [], 'ls /sys/fs/cgroup')).split('\n');
    assert.ok(dirs.includes('memory') && dirs.includes('pids') && !dirs.includes('unified'), dirs.join(' '));
    assert.is(await sh(b, ['--pids-limit', '50'], 'echo 5 > /sys/fs/cgroup/pids/pids.max || echo refused'), 'refused\n');
    assert.is(
      await sh(b, ['--privileged', '--pids-limit', '50'], 'echo 5 > /sys/fs/cgroup/pids/pids.max; cat /sys/fs/cgroup/pids/pids.max'),
      '5\n',
    );
  });
});

it("Docker's default capabilities, --cap-add/--cap-drop, --privileged, no_new_privs, no inheritable set", async () => {
  await withBerth(async (b) => {
    const status = (flags: string[]) => sh(b, flags, 'grep -E "^(CapInh|CapEff|CapBnd|NoNewPrivs)" /proc/self/status');
    const def = await status([]);
    assert.match(def, /CapEff:\t00000000a80425fb/);
    assert.match(def, /NoNewPrivs:\t1/);
    // Docker 20.10.14 and later (CVE-2022-24769) leave the inheritable set empty, in run and exec.
    assert.match(def, /CapInh:\t0000000000000000/);
    await b('run', '-d', '--name', 'caps', '--rootfs', b.rootfs, 'sleep', '1000');
    assert.match((await b('exec', 'caps', 'grep', 'CapInh', '/proc/self/status')).stdout, /CapInh:\t0000000000000000/);
    assert.match(await status(['--cap-add', 'NET_ADMIN', '--cap-drop', 'chown']), /CapEff:\t00000000a80435fa/);
    const priv = await status(['--privileged']);
    assert.match(priv, /NoNewPrivs:\t0/);
    assert.match(priv, /CapInh:\t0000000000000000/);
    const host = readFileSync('/proc/self/status', 'utf8').match(/CapEff:\t(\w+)/)?.[1];
    assert.match(priv, new RegExp(`CapEff:\t${host}`), 'every capability the host has');
  });
});

it('-u, -w, -e, --env-file, --entrypoint, --read-only, -v bind mounts', async () => {
  await withBerth(async (b) => {
    assert.is(
      await sh(b, ['-u', 'app'], 'id; echo $HOME; grep CapEff /proc/self/status'),
      'uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n/home/app\nCapEff:\t0000000000000000\n',
    );
    assert.is(await sh(b, ['-u', '1234:5678'], 'id -u; id -g'), '1234\n5678\n');
    assert.is(await sh(b, ['-w', '/made/here'], 'pwd'), '/made/here\n');
    const envFile = join(b.root, '..', 'env');
    writeFileSync(envFile, '# comment\nFROM_FILE=1\nBOTH=file\n');
    assert.is(
      await sh(b, ['-e', 'A=x y', '--env-file', envFile, '-e', 'BOTH=flag'], 'echo "$A|$FROM_FILE|$BOTH|$PATH"'),
      'x y|1|flag|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n',
    );
    const ep = await b('run', '--rm', '--entrypoint', 'echo', '--rootfs', b.rootfs, 'a', 'b');
    assert.is(ep.stdout, 'a b\n');
    const ro = await b('run', '--rm', '--read-only', '--rootfs', b.rootfs, 'touch', '/x');
    assert.is(ro.code, 1);
    assert.match(ro.stderr, /Read-only file system/);
    const shared = join(b.root, '..');
    assert.is(
      await sh(b, ['-v', `${shared}:/host:ro`], 'cat /host/env | head -1; touch /host/x 2>/dev/null || echo ro'),
      '# comment\nro\n',
    );
  });
});

it('--init runs tini as PID 1 and the command under it', async () => {
  await withBerth(async (b) => {
    assert.is(
      await sh(b, ['--init'], 'cat /proc/1/cmdline | tr "\\0" " "; echo; echo $$'),
      '/dev/init -- sh -c cat /proc/1/cmdline | tr "\\0" " "; echo; echo $$ \n2\n',
    );
  });
});

test.run();
