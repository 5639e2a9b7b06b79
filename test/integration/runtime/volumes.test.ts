import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import type { Berth } from '../../helpers/berth';
import { withBerthVolumes, type Daemon } from '../../helpers/volumed';
import { tarDirectory } from '../../helpers/rootfs';

const test = suite('berth run with volumes: berth-volumed over the plugin protocol, binds, tmpfs, --volumes-from');
const it = isRoot ? test : test.skip;

const withVolumes = withBerthVolumes;

const mountsOf = async (d: Daemon, name: string) => (await d.call('/VolumeDriver.Get', { Name: name })).body.Volume.Status.mounts;
const volumeNames = async (d: Daemon) =>
  ((await d.call('/VolumeDriver.List')).body.Volumes as Array<{ Name: string }>).map((v) => v.Name).sort();
const inspect = async (b: Berth, ref: string) => JSON.parse((await b('inspect', ref)).stdout)[0];
const runIn = (b: Berth, ...args: string[]) => b('run', '--rm', '--network', 'none', ...args);

it('a named volume keeps its data across rm and a new run; inspect shows Mounts as Docker does', async () => {
  await withVolumes(async (b, d) => {
    const first = await b(
      'run',
      '--name',
      'w1',
      '--network',
      'none',
      '-v',
      'keep:/store',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'echo kept > /store/f',
    );
    assert.is(first.code, 0, first.stderr);
    // `berth volume` reaches the daemon in --volume-plugin-dir, as `run -v` did.
    const ls = await b('volume', 'ls', '-q');
    assert.equal([ls.code, ls.stdout], [0, 'keep\n'], ls.stderr);
    const { Mounts } = await inspect(b, 'w1');
    assert.equal(Mounts, [
      {
        Type: 'volume',
        Name: 'keep',
        Source: join(d.root, 'keep/_data'),
        Destination: '/store',
        Driver: 'berth',
        Mode: 'z',
        RW: true,
        Propagation: '',
      },
    ]);
    assert.equal(await mountsOf(d, 'keep'), {}, 'unmounted when the container ended');
    assert.is((await b('rm', 'w1')).code, 0);
    assert.equal(await volumeNames(d), ['keep']);
    assert.is((await runIn(b, '-v', 'keep:/again', '--rootfs', b.rootfs, 'cat', '/again/f')).stdout, 'kept\n');
  });
});

it('rm -v removes anonymous volumes, never named ones or binds; --rm removes anonymous ones too', async () => {
  await withVolumes(async (b, d) => {
    const host = join(b.root, '..', 'hostdir');
    mkdirSync(host);
    writeFileSync(join(host, 'h'), 'host\n');
    const made = await b(
      'create',
      '--name',
      'c1',
      '--network',
      'none',
      '-v',
      '/anon',
      '-v',
      'named:/named',
      '-v',
      `${host}:/host`,
      '--rootfs',
      b.rootfs,
      'true',
    );
    assert.is(made.code, 0, made.stderr);
    const anon = (await inspect(b, 'c1')).Mounts.find((m: any) => m.Destination === '/anon');
    assert.match(anon.Name, /^[0-9a-f]{64}$/);
    assert.equal((await inspect(b, 'c1')).Config.Volumes, { '/anon': {} });
    assert.equal(await volumeNames(d), [anon.Name, 'named'].sort());
    assert.is((await b('rm', '-v', 'c1')).code, 0);
    assert.equal(await volumeNames(d), ['named']);
    assert.is(readFileSync(join(host, 'h'), 'utf8'), 'host\n');
    assert.is((await runIn(b, '-v', '/tmp2', '--rootfs', b.rootfs, 'true')).code, 0);
    assert.equal(await volumeNames(d), ['named'], '--rm took its anonymous volume');
  });
});

it('--volumes-from a data container (create -v /data, never started): the image content, ro refuses writes', async () => {
  await withVolumes(async (b) => {
    assert.is((await b('create', '--name', 'dbdata', '--network', 'none', '-v', '/data', '--rootfs', b.rootfs, 'true')).code, 0);
    const rw = await runIn(b, '--volumes-from', 'dbdata', '--rootfs', b.rootfs, 'sh', '-c', 'cat /data/hello.txt && echo new > /data/new');
    assert.equal([rw.code, rw.stdout], [0, 'hello from the image\n'], rw.stderr);
    const ro = await runIn(b, '--volumes-from', 'dbdata:ro', '--rootfs', b.rootfs, 'sh', '-c', 'cat /data/new; echo x > /data/x');
    assert.is(ro.stdout, 'new\n');
    assert.is(ro.code, 1);
    assert.match(ro.stderr, /Read-only file system/);
    const missing = await runIn(b, '--volumes-from', 'nope', '--rootfs', b.rootfs, 'true');
    assert.equal([missing.code, missing.stderr], [125, 'berth: No such container: nope\n']);
  });
});

it('copy-up into a new, empty volume keeps owners, modes and xattrs; a volume with content is left alone', async () => {
  await withVolumes(async (b, d) => {
    const owned = join(b.rootfs, 'owned');
    mkdirSync(owned, { mode: 0o750 });
    writeFileSync(join(owned, 'secret'), 's\n', { mode: 0o640 });
    chownSync(owned, 1000, 1000);
    chownSync(join(owned, 'secret'), 1000, 2000);
    execFileSync('setfattr', ['-n', 'user.berth', '-v', 'kept', join(owned, 'secret')]);
    const r = await runIn(b, '-v', 'fresh:/owned', '--rootfs', b.rootfs, 'stat', '-c', '%u:%g %a %n', '/owned', '/owned/secret');
    assert.is(r.stdout, '1000:1000 750 /owned\n1000:2000 640 /owned/secret\n', r.stderr);
    const source = join(d.root, 'fresh/_data');
    assert.is(
      execFileSync('getfattr', ['--absolute-names', '--only-values', '-n', 'user.berth', join(source, 'secret')], { encoding: 'utf8' }),
      'kept',
    );
    assert.is(statSync(source).mode & 0o7777, 0o750);
    writeFileSync(join(owned, 'later'), 'not copied\n');
    await runIn(b, '-v', 'fresh:/owned', '--rootfs', b.rootfs, 'true');
    assert.not.ok(existsSync(join(source, 'later')), 'no copy into a volume with content');
    await runIn(b, '-v', 'nocp:/owned:nocopy', '--rootfs', b.rootfs, 'true');
    assert.not.ok(existsSync(join(d.root, 'nocp/_data/secret')), ':nocopy');
  });
});

it('copy-up does not follow an absolute link of the image out to the host', async () => {
  await withVolumes(async (b, d) => {
    symlinkSync('/etc', join(b.rootfs, 'escape'));
    assert.is((await runIn(b, '-v', 'esc:/escape', '--rootfs', b.rootfs, 'true')).code, 0);
    assert.equal(readdirSync(join(d.root, 'esc/_data')), []);
  });
});

it('--tmpfs and --mount type=tmpfs: Docker defaults noexec,nosuid,nodev; size and mode', async () => {
  await withVolumes(async (b) => {
    const r = await runIn(
      b,
      '--tmpfs',
      '/run:size=1m',
      '--mount',
      'type=tmpfs,target=/scratch,tmpfs-mode=1770',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'grep -E " /(run|scratch) " /proc/self/mountinfo; stat -c %a /scratch',
    );
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const [run, scratch, mode] = [
      lines.find((l) => l.includes(' /run ')) ?? '',
      lines.find((l) => l.includes(' /scratch ')) ?? '',
      lines[2],
    ];
    assert.match(run, / \/run rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=1024k/);
    assert.match(scratch, / \/scratch rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=1770/);
    assert.is(mode, '1770');
  });
});

it(':ro is recursive: a submount of a read-only bind is read-only too', async () => {
  await withVolumes(async (b) => {
    const src = join(b.root, '..', 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'berth-test', join(src, 'sub')]);
    try {
      const r = await runIn(b, '-v', `${src}:/src:ro`, '--rootfs', b.rootfs, 'sh', '-c', 'touch /src/sub/x 2>&1; touch /src/y 2>&1; true');
      assert.is(r.stdout, 'touch: /src/sub/x: Read-only file system\ntouch: /src/y: Read-only file system\n', r.stderr);
    } finally {
      execFileSync('umount', [join(src, 'sub')]);
    }
  });
});

it('berth volume rm and prune leave a volume a created or stopped container names; ls --filter dangling, as docker does', async () => {
  await withVolumes(async (b, d) => {
    const created = (await b('create', '--network', 'none', '-v', 'kept:/kept', '--rootfs', b.rootfs, 'true')).stdout.trim();
    const refused = await b('volume', '--socket', d.socket, 'rm', 'kept');
    assert.is(refused.code, 1);
    assert.is(refused.stderr, `berth: remove kept: volume is in use - [${created}]\n`);
    assert.is((await b('start', '-a', created)).code, 0);
    assert.is((await b('volume', '--socket', d.socket, 'rm', 'kept')).stderr, `berth: remove kept: volume is in use - [${created}]\n`);
    assert.not.match((await b('volume', '--socket', d.socket, 'prune', '-f')).stdout, /^kept$/m);
    // volume ls --filter as dockerd's: dangling = no container names it; driver, name (a regexp), label
    assert.is((await b('volume', '--socket', d.socket, 'create', 'loose')).code, 0);
    const ls = async (...filters: string[]) => (await b('volume', '--socket', d.socket, 'ls', '-q', ...filters)).stdout;
    assert.is(await ls('-f', 'dangling=true'), 'loose\n');
    assert.is(await ls('--filter', 'dangling=0'), 'kept\n');
    assert.is(await ls('-f', 'driver=berth', '-f', 'name=^k'), 'kept\n');
    assert.is(await ls('-f', 'name=^k', '-f', 'name=e$'), 'kept\nloose\n', 'one key: alternatives');
    assert.is(await ls('-f', 'driver=local'), '');
    assert.is(await ls('-f', 'label=a'), '');
    const bad = await b('volume', '--socket', d.socket, 'ls', '-f', 'dangling=maybe');
    assert.equal([bad.code, bad.stderr], [1, "berth: Invalid filter 'dangling=[maybe]'\n"]);
    assert.is((await b('volume', '--socket', d.socket, 'ls', '-f', 'size=1')).stderr, "berth: Invalid filter 'size'\n");
    assert.is((await b('volume', '--socket', d.socket, 'ls')).stdout, 'DRIVER    VOLUME NAME\nberth     kept\nberth     loose\n');
    assert.is((await b('rm', created)).code, 0);
    assert.is(await ls('-f', 'dangling=true'), 'kept\nloose\n');
    assert.is((await b('volume', '--socket', d.socket, 'rm', 'kept')).stdout, 'kept\n');
  });
});

it('berth volume rm refuses a volume a running container uses; berth cp reaches into and out of it', async () => {
  await withVolumes(async (b, d) => {
    const id = (await b('run', '-d', '--network', 'none', '-v', 'busy:/busy', '--rootfs', b.rootfs, 'sleep', '1000')).stdout.trim();
    assert.equal(await mountsOf(d, 'busy'), { [id]: 1 });
    const refused = await b('volume', '--socket', d.socket, 'rm', 'busy');
    assert.is(refused.code, 1);
    assert.is(refused.stderr, `berth: remove busy: volume is in use - [${id}]\n`);
    const file = join(b.root, '..', 'in.txt');
    writeFileSync(file, 'copied in\n');
    assert.is((await b('cp', file, `${id}:/busy/in.txt`)).code, 0);
    assert.is(readFileSync(join(d.root, 'busy/_data/in.txt'), 'utf8'), 'copied in\n');
    const out = join(b.root, '..', 'out.txt');
    assert.is((await b('cp', `${id}:/busy/in.txt`, out)).code, 0);
    assert.is(readFileSync(out, 'utf8'), 'copied in\n');
    assert.is((await b('rm', '-f', id)).code, 0);
    assert.equal(await mountsOf(d, 'busy'), {});
    assert.is((await b('volume', '--socket', d.socket, 'rm', 'busy')).code, 0);
  });
});

it('SIGKILL of the supervisor, then gc: the mount count is back to 0 and no mount is left', async () => {
  await withVolumes(async (b, d) => {
    const id = (await b('run', '-d', '--network', 'none', '-v', 'crash:/c', '--rootfs', b.rootfs, 'sleep', '1000')).stdout.trim();
    assert.equal(await mountsOf(d, 'crash'), { [id]: 1 });
    const { Pid } = (await inspect(b, id)).State;
    const shim = JSON.parse(readFileSync(join(b.stateDir, 'containers', id, 'shim.json'), 'utf8')).shimPid as number;
    process.kill(shim, 'SIGKILL');
    for (let i = 0; i < 600 && existsSync(`/proc/${Pid}/ns`); i++) await new Promise((r) => setTimeout(r, 50));
    assert.is((await b('gc')).code, 0);
    assert.equal(await mountsOf(d, 'crash'), {});
    assert.not.match(readFileSync('/proc/self/mountinfo', 'utf8'), d.root);
  });
});

it("the image's Volumes become anonymous volumes filled with the image's content; a user mount there wins", async () => {
  await withVolumes(async (b, d) => {
    const tar = tarDirectory(b.rootfs, join(b.root, '..', 'rootfs.tar'));
    assert.is((await b('image', 'import', '-c', 'VOLUME /data', tar, 'vol:1')).code, 0);
    const r = await b('run', '--name', 'img1', '--network', 'none', 'vol:1', 'cat', '/data/hello.txt');
    assert.equal([r.code, r.stdout], [0, 'hello from the image\n'], r.stderr);
    const info = await inspect(b, 'img1');
    assert.equal(info.Config.Volumes, { '/data': {} });
    const [m] = info.Mounts;
    assert.equal([m.Type, m.Destination, m.Driver, m.RW], ['volume', '/data', 'berth', true]);
    assert.equal(await volumeNames(d), [m.Name]);
    assert.is((await b('rm', '-v', 'img1')).code, 0);
    assert.equal(await volumeNames(d), []);
    assert.is((await runIn(b, '-v', 'mine:/data', 'vol:1', 'true')).code, 0);
    assert.equal(await volumeNames(d), ['mine']);
  });
});

it('bad mount flags: Docker wording, exit 125, nothing created', async () => {
  await withVolumes(async (b, d) => {
    const bad = await b('run', '--network', 'none', '-v', 'x:/d', '-v', '/h:/d', '--rootfs', b.rootfs, 'true');
    assert.equal([bad.code, bad.stderr], [125, 'berth: Duplicate mount point: /d\n']);
    const mode = await b('run', '--network', 'none', '-v', '/h:/d:rx', '--rootfs', b.rootfs, 'true');
    assert.equal([mode.code, mode.stderr], [125, 'berth: invalid mode: rx\n']);
    assert.is((await b('ps', '-aq')).stdout, '');
    assert.equal(await volumeNames(d), []);
    const noPlugin = await b('run', '--network', 'none', '--volume-driver', 'absent', '-v', 'v:/d', '--rootfs', b.rootfs, 'true');
    assert.is(noPlugin.code, 125);
    assert.match(noPlugin.stderr, /absent\.sock/);
    const missing = join(b.root, '..', 'no-such-dir');
    const mountBind = await b('run', '--network', 'none', '--mount', `type=bind,src=${missing},dst=/d`, '--rootfs', b.rootfs, 'true');
    assert.equal(
      [mountBind.code, mountBind.stderr],
      [125, `berth: invalid mount config for type "bind": bind source path does not exist: ${missing}\n`],
    );
    assert.is((await b('ps', '-aq')).stdout, '');
  });
});

it('-v with a missing host path makes it a directory, at every start (as dockerd)', async () => {
  await withVolumes(async (b) => {
    const source = join(b.root, '..', 'made', 'by', 'v');
    const r = await b(
      'run',
      '--name',
      'maker',
      '--network',
      'none',
      '-v',
      `${source}:/d`,
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'echo x > /d/f',
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(readFileSync(join(source, 'f'), 'utf8'), 'x\n');
    assert.is(statSync(source).mode & 0o7777, 0o755);
    execFileSync('rm', ['-r', join(b.root, '..', 'made')]);
    assert.is((await b('start', '-a', 'maker')).code, 0, 'made again at the next start');
    assert.ok(existsSync(join(source, 'f')));
  });
});

test.run();
