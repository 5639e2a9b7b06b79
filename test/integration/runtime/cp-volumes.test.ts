import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import type { Berth } from '../../helpers/berth';
import { withBerthVolumes, type Daemon } from '../../helpers/volumed';

const test = suite('berth cp with a stopped container: its volumes and bind mounts, as docker cp');
const it = isRoot ? test : test.skip;

const withVolumes = withBerthVolumes;

const mountsOf = async (d: Daemon, name: string) => (await d.call('/VolumeDriver.Get', { Name: name })).body.Volume.Status.mounts;
/** Host mounts under the test's dirs (berth's state dir, the volumes, the bind sources): none may stay after a cp. */
const mountsUnder = (dir: string, b: Berth) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir) || l.includes(b.stateDir) || l.includes(b.root));

it('created, never started: cp in and out reaches a named volume and binds; ro refuses; nothing stays mounted', async () => {
  await withVolumes(async (b, d, dir) => {
    const bind = join(dir, 'bind'),
      robind = join(dir, 'robind');
    mkdirSync(bind);
    mkdirSync(robind);
    writeFileSync(join(bind, 'from-host.txt'), 'bound\n');
    const created = await b(
      'create',
      '--name',
      'stopped1',
      '-v',
      'named:/vol',
      '-v',
      `${bind}:/bind`,
      '-v',
      `${robind}:/ro:ro`,
      '--rootfs',
      b.rootfs,
      'true',
    );
    assert.is(created.code, 0, created.stderr);
    const file = join(dir, 'in.txt');
    writeFileSync(file, 'copied in\n');

    const into = await b('cp', file, 'stopped1:/vol/in.txt');
    assert.is(into.code, 0, into.stderr);
    assert.is(
      readFileSync(join(d.root, 'named/_data/in.txt'), 'utf8'),
      'copied in\n',
      'the file is in the volume, not the container layer',
    );
    assert.is((await b('cp', file, 'stopped1:/bind/')).code, 0);
    assert.is(readFileSync(join(bind, 'in.txt'), 'utf8'), 'copied in\n', 'the file is in the bind source');

    const out = join(dir, 'out.txt');
    assert.is((await b('cp', 'stopped1:/bind/from-host.txt', out)).code, 0);
    assert.is(readFileSync(out, 'utf8'), 'bound\n');
    writeFileSync(join(d.root, 'named/_data/on-disk.txt'), 'volume data\n');
    const outDir = join(dir, 'outdir');
    mkdirSync(outDir);
    assert.is((await b('cp', 'stopped1:/vol', outDir)).code, 0);
    assert.is(readFileSync(join(outDir, 'vol/on-disk.txt'), 'utf8'), 'volume data\n');

    const ro = await b('cp', file, 'stopped1:/ro/x.txt');
    assert.is.not(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    assert.not.ok(existsSync(join(robind, 'x.txt')));

    assert.equal(await mountsOf(d, 'named'), {}, 'every Mount had its Unmount');
    assert.equal(mountsUnder(dir, b), [], 'no mount is left on the host');
    const run = await b('start', '-a', 'stopped1');
    assert.is(run.code, 0, `the container still starts: ${run.stderr}`);
  });
});

it('exited: cp out of an anonymous volume copied up from the image, and into it', async () => {
  await withVolumes(async (b, d, dir) => {
    const r = await b('run', '--name', 'exited1', '-v', '/data', '--rootfs', b.rootfs, 'sh', '-c', 'echo changed > /data/hello.txt');
    assert.is(r.code, 0, r.stderr);
    const out = join(dir, 'hello.txt');
    assert.is((await b('cp', 'exited1:/data/hello.txt', out)).code, 0);
    assert.is(readFileSync(out, 'utf8'), 'changed\n', "the volume's file, not the image's");
    const file = join(dir, 'new.txt');
    writeFileSync(file, 'new\n');
    assert.is((await b('cp', file, 'exited1:/data/new.txt')).code, 0);
    const again = await b('start', '-a', 'exited1');
    assert.is(again.code, 0);
    const seen = await b('run', '--rm', '--volumes-from', 'exited1', '--rootfs', b.rootfs, 'cat', '/data/new.txt');
    assert.equal([seen.code, seen.stdout], [0, 'new\n'], seen.stderr);
    assert.equal(mountsUnder(dir, b), []);
  });
});

it('hostile links: a mount destination or a path in a volume that points at /etc stays in the container', async () => {
  await withVolumes(async (b, d, dir) => {
    const stamp = `berth-cp-${process.pid}-${Date.now()}`;
    symlinkSync('/etc', join(b.rootfs, 'escape'));
    symlinkSync('../../../../../../../../etc', join(b.rootfs, 'relescape'));
    const bind = join(dir, 'bind');
    mkdirSync(bind);
    const created = await b('create', '--name', 'hostile', '-v', `${bind}:/escape`, '-v', 'linked:/vol', '--rootfs', b.rootfs, 'true');
    assert.is(created.code, 0, created.stderr);
    const file = join(dir, 'x');
    writeFileSync(file, 'x\n');
    // /escape is a link to /etc: the bind is mounted on the container's /etc, never the host's.
    assert.is((await b('cp', file, `hostile:/escape/${stamp}`)).code, 0);
    assert.ok(existsSync(join(bind, stamp)));
    assert.not.ok(existsSync(join('/etc', stamp)), 'nothing written to the host /etc');
    symlinkSync('/etc', join(d.root, 'linked/_data/link'));
    symlinkSync('../../../../../../../../../etc', join(d.root, 'linked/_data/rel'));
    for (const via of ['link', 'rel']) {
      const r = await b('cp', file, `hostile:/vol/${via}/${stamp}-${via}`);
      assert.is(r.code, 0, r.stderr);
      assert.not.ok(existsSync(join('/etc', `${stamp}-${via}`)), `${via}: nothing written to the host /etc`);
      const back = join(dir, `back-${via}`);
      assert.is((await b('cp', `hostile:/etc/${stamp}-${via}`, back)).code, 0, `${via}: the file is the container's /etc`);
    }
    assert.is((await b('cp', file, `hostile:/relescape/${stamp}-rel2`)).code, 0);
    assert.not.ok(existsSync(join('/etc', `${stamp}-rel2`)));
    assert.equal(mountsUnder(dir, b), []);
  });
});

test.run();
