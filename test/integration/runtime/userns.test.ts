import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImages, type TestImages } from '../../helpers/images';
import { isRoot, run } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, cgroupLeftovers, withBerth, type Berth } from '../../helpers/berth';

const test = suite('berth run --userns private: root inside is an unprivileged host range (built executables, real kernel)');
const it = isRoot ? test : test.skip;
let images: TestImages;

test.before(async () => {
  if (isRoot) images = await buildImages();
});

/** `uid:gid` of every entry under `dir`, by path: the layers' owners on disk. */
function ownersUnder(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    const st = lstatSync(join(dir, rel));
    out[rel] = `${st.uid}:${st.gid}`;
    if (e.isDirectory()) Object.assign(out, ownersUnder(dir, rel));
  }
  return out;
}

const uidsOf = (pid: number) => /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1].split(/\s+/);
const containers = (b: Berth) => (existsSync(join(b.root, 'containers')) ? readdirSync(join(b.root, 'containers')) : []);
/** Mounts on the host that name this test's berth root: there must be none, ever. */
const hostMountsOf = (b: Berth) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(b.root));

it('root inside owns the image; outside it is the range; exec joins; the layers stay owned by 0', async () => {
  await withBerth(async (b) => {
    assert.is((await b('image', 'load', '-i', images.app)).code, 0);
    const vol = join(b.root, '..', 'vol');
    mkdirSync(vol);
    chownSync(vol, 100000, 100000); // the container's root, as Docker's userns-remap needs it too
    const started = await b(
      'run',
      '-d',
      '--userns',
      'private',
      '-u',
      'root',
      '-v',
      `${vol}:/vol`,
      '--name',
      'uns',
      'berth-test/app:1.0',
      'sleep 1000',
    );
    assert.is(started.code, 0, started.stderr);
    const id = started.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const info = JSON.parse((await b('inspect', 'uns')).stdout)[0];
    const layers: string[] = info.GraphDriver.Data.LowerDir.split(':');
    const before = layers.map((l) => ownersUnder(l));
    assert.is(info.HostConfig.UsernsMode, 'private');

    const pid: number = info.State.Pid;
    assert.equal(uidsOf(pid), ['100000', '100000', '100000', '100000'], 'PID 1 is host uid 100000');
    assert.is.not(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync('/proc/self/ns/user'));
    assert.is(readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 100000 65536');

    const inside = await b(
      'exec',
      'uns',
      'sh',
      '-c',
      'id; stat -c "%n %u:%g" /bin/busybox /etc/passwd /owned /data/c; ls /data; test -e /gone.txt || echo no gone.txt; ' +
        'touch /vol/made-inside /made-inside; ls /proc/1/status >/dev/null && cat /proc/self/uid_map; ls /sys/fs >/dev/null && echo sys; ' +
        'echo x > /dev/null && echo dev',
    );
    assert.is(inside.code, 0, inside.stderr);
    assert.match(inside.stdout, /^uid=0\(root\) gid=0\(root\)/);
    assert.is(
      inside.stdout.replace(/^.*\n/, '').replace(/[ \t]+/g, ' '),
      '/bin/busybox 0:0\n/etc/passwd 0:0\n/owned 1000:1000\n/data/c 0:0\n' + 'b\nc\nno gone.txt\n' + ' 0 100000 65536\nsys\ndev\n',
    );
    assert.is(statSync(join(vol, 'made-inside')).uid, 100000, 'a file made in a bind mount is host uid 100000');
    assert.is(statSync(join(info.GraphDriver.Data.UpperDir, 'made-inside')).uid, 100000, 'and in the container layer too');
    assert.is((await b('exec', '-u', 'app', 'uns', 'id', '-u')).stdout, '1000\n');
    assert.is((await b('exec', 'uns', 'sh', '-c', 'touch /owned/x && stat -c %u /owned/x')).stdout, '0\n');

    assert.is((await b('restart', '-t', '0', 'uns')).code, 0);
    const again: number = JSON.parse((await b('inspect', 'uns')).stdout)[0].State.Pid;
    assert.equal([again !== pid, uidsOf(again)[0]], [true, '100000'], 'a restarted container keeps its range');
    writeFileSync(join(vol, '..', 'from-host'), 'copied\n');
    assert.is((await b('cp', join(vol, '..', 'from-host'), 'uns:/data/')).code, 0);
    assert.is((await b('exec', 'uns', 'stat', '-c', '%u:%g', '/data/from-host')).stdout, '0:0\n', 'cp gives root inside what it copies in');
    assert.is(statSync(join(info.GraphDriver.Data.UpperDir, 'data/from-host')).uid, 100000);
    assert.is((await b('rm', '-f', 'uns')).code, 0);
    assert.equal(
      layers.map((l) => ownersUnder(l)),
      before,
      "the image's layers are unchanged on disk",
    );
    assert.ok(Object.values(before[0]).includes('0:0') && before[0]['owned'] === undefined);
    assert.ok(
      before.some((o) => o['owned'] === '1000:1000'),
      'the layer that chowned /owned holds 1000 on disk',
    );
    assert.equal([containers(b), cgroupLeftovers(), hostMountsOf(b)], [[], [], []], 'nothing left after rm');
  });
});

it('--rootfs, --network host, --read-only, --init and -t keep working in a private user namespace', async () => {
  await withBerth(async (b) => {
    const r = await b(
      'run',
      '--rm',
      '--userns',
      'private',
      '--network',
      'host',
      '--read-only',
      '--init',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'id -u; stat -c %u /data/hello.txt; ls /sys/class >/dev/null && echo sys; touch /x 2>/dev/null || echo ro',
    );
    assert.equal([r.code, r.stdout, r.stderr], [0, '0\n0\nsys\nro\n', '']);
    assert.is(statSync(join(b.rootfs, 'data/hello.txt')).uid, 0);
    assert.equal([containers(b), cgroupLeftovers(), hostMountsOf(b)], [[], [], []]);
  });
});

it('the berth entry of the subuid file is taken; a malformed file, --privileged or a failed setup exits 125, nothing left', async () => {
  await withBerth(async (b) => {
    const dir = join(b.root, '..');
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const berthWith = (env: Record<string, string>, ...args: string[]) =>
      run(BERTH, ['--root', b.root, '--state-dir', b.stateDir, 'run', '--network', 'none', '--cgroup-parent', CGROUP_PARENT, ...args], {
        env,
      });
    const good = {
      BERTH_SUBUID_FILE: file('subuid', 'alice:100000:65536\nberth:300000:65536\n'),
      BERTH_SUBGID_FILE: file('subgid', 'berth:400000:65536\n'),
    };
    const r = await berthWith(good, '--rm', '--userns', 'private', '--rootfs', b.rootfs, 'cat', '/proc/self/uid_map', '/proc/self/gid_map');
    assert.equal([r.code, r.stdout.replace(/[ \t]+/g, ' ')], [0, ' 0 300000 65536\n 0 400000 65536\n']);

    const bad = await berthWith(
      { ...good, BERTH_SUBUID_FILE: file('bad', 'berth:300000\n') },
      '--userns',
      'private',
      '--rootfs',
      b.rootfs,
      'true',
    );
    assert.equal([bad.code, bad.stderr], [125, `berth: ${join(dir, 'bad')} line 1: "berth:300000" is not NAME:START:COUNT\n`]);
    const priv = await b('run', '--userns', 'private', '--privileged', '--rootfs', b.rootfs, 'true');
    assert.equal(
      [priv.code, priv.stderr],
      [125, 'berth: privileged mode is incompatible with user namespaces: use --userns host with --privileged (as Docker)\n'],
    );
    const mode = await b('run', '--userns', 'auto', '--rootfs', b.rootfs, 'true');
    assert.equal([mode.code, mode.stderr], [125, 'berth: invalid user namespace mode "auto" (berth supports host and private)\n']);
    // sysfs allows no idmapped mounts: the supervisor's setup fails after clone, and is undone.
    const noIdmap = await b('run', '--rm', '--userns', 'private', '--rootfs', '/sys/kernel', 'true');
    assert.equal([noIdmap.code, noIdmap.stderr], [125, 'berth: cannot make an idmapped mount of /sys/kernel: Invalid argument\n']);
    assert.equal([containers(b), cgroupLeftovers()], [[], []], 'no refused run left a container');
  });
});

test.run();
