import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, isRoot, run, withTempDir } from '../../helpers/sandbox';
import { withDaemon, type Daemon } from '../../helpers/volumed';

const test = suite('berth volume (built executable against berth-volumed)');
const it = isRoot ? test : test.skip;
const BERTH = join(BIN_DIR, 'berth');

const withCli = (fn: (berth: (...args: string[]) => ReturnType<typeof run>, d: Daemon, dir: string) => Promise<void>) =>
  withTempDir((dir) => withDaemon({ socket: join(dir, 's.sock'), root: join(dir, 'root') }, (d) =>
    fn((...args) => run(BERTH, ['volume', '--socket', d.socket, ...args]), d, dir)));

it('create, ls (table, json, -q), inspect and rm', async () => {
  await withCli(async (berth, _d, dir) => {
    assert.equal(await berth('create', 'b-vol', '-o', 'mode=0700'), { code: 0, stdout: 'b-vol\n', stderr: '', json: undefined });
    assert.is((await berth('create', '-o', 'uid=1000', 'a-vol')).stdout, 'a-vol\n');
    const anon = await berth('create');
    assert.match(anon.stdout, /^[0-9a-f]{64}\n$/);
    const root = join(dir, 'root');
    const names = [anon.stdout.trim(), 'a-vol', 'b-vol'].sort();
    const table = await berth('ls');
    assert.is(table.stdout, [`${'NAME'.padEnd(64)}   MOUNTPOINT`, ...names.map((n) => `${n.padEnd(64)}   ${join(root, n, '_data')}`)].join('\n') + '\n');
    assert.equal((await berth('ls', '-q')).stdout.split('\n').filter(Boolean), names);
    assert.equal(JSON.parse((await berth('ls', '--format', 'json')).stdout).map((v: any) => v.Name), names);
    const [info] = JSON.parse((await berth('inspect', 'b-vol')).stdout);
    assert.equal(info.Status, { kind: 'managed', options: { mode: '0700' }, mounts: {}, uid: 0, gid: 0, mode: '0700' });
    assert.equal(await berth('rm', 'a-vol', 'nope', 'b-vol'), { code: 1, stdout: 'a-vol\nb-vol\n', stderr: 'berth: cannot remove volume "nope": no such volume\n', json: undefined });
    assert.equal((await berth('ls', '-q')).stdout, `${anon.stdout}`);
  });
});

it('release drops a stale mount ID so rm works', async () => {
  await withCli(async (berth, d) => {
    await berth('create', 'v');
    await d.call('/VolumeDriver.Mount', { Name: 'v', ID: 'f'.repeat(64) });
    await d.call('/VolumeDriver.Mount', { Name: 'v', ID: 'e'.repeat(64) });
    const refused = await berth('rm', 'v');
    assert.is(refused.code, 1);
    assert.is(refused.stderr, `berth: cannot remove volume "v": volume is in use by mount IDs "${'e'.repeat(64)}", "${'f'.repeat(64)}" (if those containers are gone: berth volume release "v")\n`);
    assert.match((await berth('inspect', '--format', 'table', 'v')).stdout, new RegExp(`eeeeeeeeeeee,ffffffffffff`));
    assert.equal(await berth('release', 'v', 'f'.repeat(64)), { code: 0, stdout: `${'f'.repeat(64)}\n`, stderr: '', json: undefined });
    assert.is((await berth('release', 'v')).stdout, `${'e'.repeat(64)}\n`);
    assert.is((await berth('release', 'v')).stdout, 'no mount ID released on "v"\n');
    assert.is((await berth('rm', 'v')).code, 0);
  });
});

it('prune removes unmounted managed volumes, keeps bind ones unless --all, and needs --force without a terminal', async () => {
  await withCli(async (berth, d, dir) => {
    mkdirSync(join(dir, 'host'));
    writeFileSync(join(dir, 'host', 'keep'), 'x');
    await berth('create', 'm1');
    await berth('create', 'busy');
    await berth('create', 'b', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${join(dir, 'host')}`);
    await d.call('/VolumeDriver.Mount', { Name: 'busy', ID: 'i' });
    assert.equal(await berth('prune'), { code: 1, stdout: '', stderr: 'berth: refusing to prune 1 volume without --force (not a terminal to ask on)\n', json: undefined });
    assert.is((await berth('prune', '-f')).stdout, 'm1\nTotal: 1 volume removed\n');
    assert.is((await berth('prune', '-f', '--all')).stdout, 'b\nTotal: 1 volume removed\n');
    assert.ok(existsSync(join(dir, 'host', 'keep')));
    assert.is((await berth('ls', '-q')).stdout, 'busy\n');
  });
});

it('errors: daemon not running, bad options, unknown commands', async () => {
  await withTempDir(async (dir) => {
    const sock = join(dir, 'none.sock');
    assert.equal(await run(BERTH, ['volume', '--socket', sock, 'ls']), { code: 1, stdout: '', stderr: `berth: cannot reach berth-volumed at ${JSON.stringify(sock)}: ENOENT (is berth-volumed running? systemctl start berth-volumed.socket, or pass --socket)\n`, json: undefined });
  });
  await withCli(async (berth) => {
    assert.equal(await berth('create', '-o', 'foo=bar', 'x'), { code: 1, stdout: '', stderr: 'berth: cannot create volume "x": invalid option "foo": known options are type, o, device, uid, gid, mode, size\n', json: undefined });
    assert.equal(await berth('create', '-o', 'novalue', 'x'), { code: 1, stdout: '', stderr: 'berth: invalid option "novalue": expected KEY=VALUE\n', json: undefined });
  });
  assert.equal(await run(BERTH, ['volume']), { code: 2, stdout: '', stderr: 'berth: name a volume command: create, ls, inspect, rm, prune, release\n', json: undefined });
  assert.equal(await run(BERTH, ['bogus']), { code: 125, stdout: '', stderr: "berth: 'bogus' is not a berth command.\nSee 'berth --help'\n", json: undefined });
  assert.equal((await run(BERTH, ['--root', '/nonexistent', 'volume', '--socket', '/nonexistent.sock', 'ls'])).code, 1, 'global options before the command');
});

test.run();
