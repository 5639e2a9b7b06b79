/**
 * End to end with a real Docker engine: a throwaway containerd + dockerd (state in a temp dir, no
 * host networking) drives berth-volumed through /run/docker/plugins/<unique name>.sock.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, RUN_PREFIX, isRoot, run as runCommand } from '../../helpers/sandbox';
import { ensureDockerPackages, importBusyboxImage, startDockerd, type Dockerd } from '../../helpers/dockerd';
import { startDaemon, type Daemon } from '../../helpers/volumed';

const test = suite('berth-volumed driven by a real dockerd');
const it = isRoot ? test : test.skip;

const PLUGIN = `berth-e2e-${RUN_PREFIX}`;
const IMAGE = `berth-e2e-busybox:${RUN_PREFIX}`;
let dk: Dockerd | undefined;
let plugin: Daemon | undefined;
let dir = '';
const root = () => join(dir, 'root');
const run = (args: string[]) => dk!.docker(['run', '--rm', '--network', 'none', ...args]);

async function cleanUp(): Promise<void> {
  try {
    await dk?.removeContainers();
  } finally {
    await plugin?.stop();
    await dk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    plugin = undefined;
    dk = undefined;
  }
}

test.before(async () => {
  if (!isRoot) return;
  ensureDockerPackages();
  try {
    dir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-vol-e2e-`));
    dk = await startDockerd();
    // dockerd looks for plugins only in /run/docker/plugins (its --exec-root does not move that).
    mkdirSync('/run/docker/plugins', { recursive: true });
    plugin = await startDaemon({ socket: `/run/docker/plugins/${PLUGIN}.sock`, root: root(), args: ['--log-level', 'debug'] });
    await importBusyboxImage(dk, IMAGE, {
      files: { '/data/hello.txt': 'from the image\n', '/owned/inside.txt': 'owned\n' },
      dirs: [{ path: '/owned', uid: 1000, gid: 1000, mode: 0o750 }],
    });
  } catch (err) {
    await cleanUp();
    throw err;
  }
});

test.after(cleanUp);

it('docker volume create -d, ls and inspect go through the plugin', async () => {
  assert.is(await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'v1']), 'v1');
  assert.ok(existsSync(join(root(), 'v1', '_data')));
  const ls = await dk!.dockerOk(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}']);
  assert.ok(ls.split('\n').includes(`${PLUGIN} v1`), ls);
  const [info] = JSON.parse(await dk!.dockerOk(['volume', 'inspect', 'v1']));
  const own = (await plugin!.call('/VolumeDriver.Get', { Name: 'v1' })).body.Volume;
  assert.equal(
    {
      Driver: info.Driver,
      Name: info.Name,
      Mountpoint: info.Mountpoint,
      Scope: info.Scope,
      CreatedAt: info.CreatedAt,
      Status: info.Status,
    },
    {
      Driver: PLUGIN,
      Name: 'v1',
      Mountpoint: join(root(), 'v1', '_data'),
      Scope: 'local',
      CreatedAt: own.CreatedAt,
      Status: { kind: 'managed', options: {}, mounts: {}, uid: 0, gid: 0, mode: '0755' },
    },
  );
  assert.is(await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'v1']), 'v1', 'a second create of the same name succeeds');
});

it('a file written in one container is read in a second; mounts are released at exit', async () => {
  await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'shared']);
  const w = await run(['-v', 'shared:/mnt/v', IMAGE, 'sh', '-c', 'echo written-by-first > /mnt/v/note && echo done']);
  assert.equal([w.code, w.stdout, w.stderr], [0, 'done\n', '']);
  const r = await run(['-v', 'shared:/mnt/v', IMAGE, 'cat', '/mnt/v/note']);
  assert.equal([r.code, r.stdout], [0, 'written-by-first\n']);
  assert.is(readFileSync(join(root(), 'shared', '_data', 'note'), 'utf8'), 'written-by-first\n');
  assert.equal((await plugin!.call('/VolumeDriver.Get', { Name: 'shared' })).body.Volume.Status.mounts, {});
  assert.match(plugin!.stderr(), /POST \/VolumeDriver\.Mount name="shared" id=[0-9a-f]{12} 200/);
});

it('a restarted plugin serves dockerd at once (no new Activate) with its volumes and counts', async () => {
  await plugin!.stop();
  plugin = await startDaemon({ socket: `/run/docker/plugins/${PLUGIN}.sock`, root: root(), args: ['--log-level', 'debug'] });
  const r = await run(['-v', 'shared:/mnt/v', IMAGE, 'cat', '/mnt/v/note']);
  assert.equal([r.code, r.stdout], [0, 'written-by-first\n'], r.stderr);
  const activations = plugin!
    .stderr()
    .split('\n')
    .filter((l) => l.includes('POST /Plugin.Activate'));
  assert.is(activations.length, 1, 'only the test helper activated it');
  assert.match(plugin!.stderr(), /POST \/VolumeDriver\.Mount name="shared" id=[0-9a-f]{12} 200/);
});

it('image content is copied up into a fresh volume, with the directory owner and mode', async () => {
  await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'cu']);
  const r = await run([
    '-v',
    'cu:/data',
    '-v',
    'cuowned:/owned',
    '--volume-driver',
    PLUGIN,
    IMAGE,
    'sh',
    '-c',
    'cat /data/hello.txt; stat -c "%u %a" /owned',
  ]);
  assert.equal([r.code, r.stdout], [0, 'from the image\n1000 750\n'], r.stderr);
  assert.is(readFileSync(join(root(), 'cu', '_data', 'hello.txt'), 'utf8'), 'from the image\n');
  const st = statSync(join(root(), 'cuowned', '_data'));
  assert.equal([st.uid, st.mode & 0o7777], [1000, 0o750]);
  assert.is(readFileSync(join(root(), 'cuowned', '_data', 'inside.txt'), 'utf8'), 'owned\n');
  const [info] = JSON.parse(await dk!.dockerOk(['volume', 'inspect', 'cuowned']));
  assert.is(info.Driver, PLUGIN, 'implicitly created through --volume-driver (Opts null)');
});

it('a bind volume shows the host directory and keeps its data after docker volume rm', async () => {
  const host = join(dir, 'host');
  mkdirSync(host);
  writeFileSync(join(host, 'before'), 'host data\n');
  await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, '-o', 'type=none', '-o', 'o=bind', '-o', `device=${host}`, 'bv']);
  const r = await run(['-v', 'bv:/b', IMAGE, 'sh', '-c', 'cat /b/before; echo from-container > /b/after']);
  assert.equal([r.code, r.stdout], [0, 'host data\n'], r.stderr);
  await dk!.dockerOk(['volume', 'rm', 'bv']);
  assert.equal(readdirSync(host).sort(), ['after', 'before']);
  assert.is(readFileSync(join(host, 'after'), 'utf8'), 'from-container\n');
  assert.not.ok(existsSync(join(root(), 'bv')));
  const missing = await dk!.docker([
    'volume',
    'create',
    '-d',
    PLUGIN,
    '-o',
    'type=none',
    '-o',
    'o=bind',
    '-o',
    `device=${join(dir, 'nope')}`,
    'bad',
  ]);
  assert.is(missing.code, 1);
  assert.match(
    missing.stderr,
    new RegExp(
      `VolumeDriver\\.Create: cannot create volume "bad": host path "${join(dir, 'nope')}" does not exist \\(Berth never creates it\\)`,
    ),
  );
});

it('a volume in use is refused, by dockerd and by the plugin naming the mount ID', async () => {
  await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'busy']);
  const id = await dk!.dockerOk(['run', '-d', '--network', 'none', '-v', 'busy:/d', IMAGE, 'sleep', '600']);
  try {
    const rm = await dk!.docker(['volume', 'rm', 'busy']);
    assert.is(rm.code, 1);
    assert.match(rm.stderr, /volume is in use/);
    const direct = await plugin!.call('/VolumeDriver.Remove', { Name: 'busy' });
    assert.match(
      direct.body.Err,
      /^cannot remove volume "busy": volume is in use by mount ID "[0-9a-f]{64}" \(if those containers are gone: berth volume release "busy"\)$/,
    );
    assert.ok(existsSync(join(root(), 'busy', '_data')));
  } finally {
    await dk!.dockerOk(['rm', '-f', id]);
  }
  assert.equal((await plugin!.call('/VolumeDriver.Get', { Name: 'busy' })).body.Volume.Status.mounts, {});
  await dk!.dockerOk(['volume', 'rm', 'busy']);
  assert.not.ok(existsSync(join(root(), 'busy')));
});

it('after kill -9 of dockerd the lost mount ID blocks rm until berth volume release drops it', async () => {
  await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'crash']);
  const id = await dk!.dockerOk(['run', '-d', '--network', 'none', '-v', 'crash:/d', IMAGE, 'sleep', '600']);
  await dk!.crashAndRestart();
  await dk!.docker(['rm', '-f', id]);
  const stale = Object.keys((await plugin!.call('/VolumeDriver.Get', { Name: 'crash' })).body.Volume.Status.mounts);
  assert.is(stale.length, 1, 'the restarted dockerd never unmounts the container it lost');
  const rm = await dk!.docker(['volume', 'rm', 'crash']);
  assert.is(rm.code, 1);
  assert.match(
    rm.stderr,
    new RegExp(
      `cannot remove volume "crash": volume is in use by mount ID "${stale[0]}" \\(if those containers are gone: berth volume release "crash"\\)`,
    ),
  );
  const released = await runCommand(join(BIN_DIR, 'berth'), ['volume', '--socket', plugin!.socket, 'release', 'crash']);
  assert.equal([released.code, released.stdout, released.stderr], [0, `${stale[0]}\n`, '']);
  await dk!.dockerOk(['volume', 'rm', 'crash']);
  assert.not.ok(existsSync(join(root(), 'crash')));
});

it('an anonymous volume of docker run --rm is created through the plugin and removed at exit', async () => {
  const before = (await plugin!.call('/VolumeDriver.List', {})).body.Volumes.length;
  const r = await run(['--volume-driver', PLUGIN, '-v', '/anon', IMAGE, 'sh', '-c', 'echo x > /anon/f && ls /anon']);
  assert.equal([r.code, r.stdout], [0, 'f\n'], r.stderr);
  assert.match(plugin!.stderr(), /POST \/VolumeDriver\.Create name="[0-9a-f]{64}" 200/);
  assert.match(plugin!.stderr(), /POST \/VolumeDriver\.Remove name="[0-9a-f]{64}" 200/);
  assert.is((await plugin!.call('/VolumeDriver.List', {})).body.Volumes.length, before);
});

it('docker volume prune leaves plugin volumes alone', async () => {
  await dk!.dockerOk(['volume', 'create', '-d', PLUGIN, 'keepme']);
  await dk!.dockerOk(['volume', 'prune', '-f']);
  assert.ok((await dk!.dockerOk(['volume', 'ls', '-q'])).split('\n').includes('keepme'));
  assert.ok(existsSync(join(root(), 'keepme', '_data')));
});

it('an unknown option is refused with the plugin message', async () => {
  const r = await dk!.docker(['volume', 'create', '-d', PLUGIN, '-o', 'foo=bar', 'opt']);
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    /VolumeDriver\.Create: cannot create volume "opt": invalid option "foo": known options are type, o, device, uid, gid, mode, size/,
  );
});

test.run();
