import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { VolumeError } from '../../../volume/errors';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalDriver } from '../../../volume/driver';
import { openDriver } from '../../../volume/open-driver';
import { handle } from '../../../volume/protocol';
import { FakeVolumeFs } from '../../fakes/volume-fs';

// The store on a real temp dir, through handle(); chown is recorded by the fake, so no root is needed.
const test = suite('LocalDriver (real files in a temp dir, through handle)');
const it = test;

let dir = '';
let driver: LocalDriver;
let fs: FakeVolumeFs;
const root = () => join(dir, 'root');
const call = async (endpoint: string, body: unknown) => (await handle(driver, endpoint, JSON.stringify(body))).body;
/** A mount log's text: it is written in place over zeros, so it ends at the first zero byte. */
const logText = (path: string) => readFileSync(path, 'utf8').split('\0')[0];
/** Creates volume `name` and waits for its checkpoint, which writes volume.json and the mount log. */
async function createCheckpointed(name: string): Promise<void> {
  await call('/VolumeDriver.Create', { Name: name });
  await driver.settle();
}
/** Opens the store again, as a restarted daemon does (the old driver is left as a crash leaves it). */
const reopen = async () => {
  driver = await openDriver({ fs, root: root() });
};
/** The mount counts volume `name` reports. */
const mountsOf = async (name: string) => ((await call('/VolumeDriver.Get', { Name: name })) as any).Volume.Status.mounts;

test.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-vol-unit-'));
  mkdirSync(join(dir, 'host'));
  fs = new FakeVolumeFs();
  driver = await openDriver({ fs, root: root(), now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
});
test.after.each(async () => {
  await driver?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('create() makes an empty root:root 0755 _data and keeps metadata beside it', async () => {
  assert.equal(await call('/VolumeDriver.Create', { Name: 'vv', Opts: null }), { Err: '' });
  const data = join(root(), 'vv', '_data');
  const st = statSync(data);
  assert.is(st.mode & 0o7777, 0o755);
  assert.equal(fs.ownerOf(data), { uid: 0, gid: 0 });
  assert.equal(readdirSync(data), []);
  await driver.settle();
  assert.equal(readdirSync(join(root(), 'vv')).sort(), ['_data', 'mounts.0.log', 'volume.json']);
  assert.equal(readFileSync(join(root(), 'vv', 'mounts.0.log')), Buffer.alloc(4096), 'the mount log is pre-written with zeros');
  assert.is(statSync(root()).mode & 0o777, 0o701);
});

it('create() applies uid, gid and mode exactly (umask does not cut the mode)', async () => {
  assert.equal(await call('/VolumeDriver.Create', { Name: 'vv', Opts: { uid: '1000', gid: '1001', mode: '0777' } }), { Err: '' });
  const st = statSync(join(root(), 'vv', '_data'));
  assert.equal(fs.ownerOf(join(root(), 'vv', '_data')), { uid: 1000, gid: 1001 });
  assert.is(st.mode & 0o7777, 0o777);
});

it('create() of an existing name with the same options succeeds; other options are a conflict', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv', Opts: { mode: '0700' } });
  writeFileSync(join(root(), 'vv', '_data', 'keep'), 'x');
  assert.equal(await call('/VolumeDriver.Create', { Name: 'vv', Opts: { mode: '700' } }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Create', { Name: 'vv', Opts: { mode: '0755', uid: '5' } }), {
    Err: 'cannot create volume "vv": volume exists with different options: uid is "0", requested "5"; mode is "0700", requested "0755"',
  });
  assert.equal(await call('/VolumeDriver.Create', { Name: 'vv', Opts: null }), {
    Err: 'cannot create volume "vv": volume exists with different options: mode is "0700", requested "0755"',
  });
  assert.is(statSync(join(root(), 'vv', '_data')).mode & 0o7777, 0o700);
  assert.is(readFileSync(join(root(), 'vv', '_data', 'keep'), 'utf8'), 'x');
  assert.equal(((await call('/VolumeDriver.Get', { Name: 'vv' })) as any).Volume.Status.options, { mode: '0700' });
});

it('get() answers with an RFC 3339 CreatedAt and the managed mountpoint', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  assert.equal(await call('/VolumeDriver.Get', { Name: 'vv' }), {
    Volume: {
      Name: 'vv',
      Mountpoint: join(root(), 'vv', '_data'),
      CreatedAt: '2026-01-02T03:04:05Z',
      Status: { kind: 'managed', options: {}, mounts: {}, uid: 0, gid: 0, mode: '0755' },
    },
    Err: '',
  });
});

it('get(), path(), mount() and remove() of an unknown volume say "no such volume"', async () => {
  assert.equal(await call('/VolumeDriver.Get', { Name: 'nope' }), { Err: 'cannot get volume "nope": no such volume' });
  assert.equal(await call('/VolumeDriver.Path', { Name: 'nope' }), { Err: 'cannot get the path of volume "nope": no such volume' });
  assert.equal(await call('/VolumeDriver.Mount', { Name: 'nope', ID: 'i' }), { Err: 'cannot mount volume "nope": no such volume' });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'nope', ID: 'i' }), { Err: 'cannot unmount volume "nope": no such volume' });
  assert.equal(await call('/VolumeDriver.Remove', { Name: 'nope' }), { Err: 'cannot remove volume "nope": no such volume' });
});

it("create() refuses names outside Docker's rule before touching the disk", async () => {
  const rule = 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two or more characters, the first a letter or digit)';
  for (const name of ['..', 'a/b', '', '.staging', 'bad name', 'a', '-x', 'v\u00e9'])
    assert.equal(await call('/VolumeDriver.Create', { Name: name }), {
      Err: `cannot create volume ${JSON.stringify(name)}: invalid name: ${rule}`,
    });
  assert.equal(await call('/VolumeDriver.Create', { Name: 'x'.repeat(256) }), {
    Err: `cannot create volume "${'x'.repeat(256)}": invalid name: must not be longer than 255 bytes`,
  });
  assert.equal(readdirSync(root()).sort(), ['.journal.0', '.journal.1', '.spare', '.staging', '.trash']);
});

it('mount() counts per ID; remove() names the IDs; unmount() of an unknown ID is harmless', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  const mp = join(root(), 'vv', '_data');
  assert.equal(await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'b' }), { Mountpoint: mp, Err: '' });
  assert.equal(await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' }), { Mountpoint: mp, Err: '' });
  assert.equal(await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' }), { Mountpoint: mp, Err: '' });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'zzz' }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'a' }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Remove', { Name: 'vv' }), {
    Err: 'cannot remove volume "vv": volume is in use by mount IDs "a", "b" (if those containers are gone: berth volume release "vv")',
  });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'a' }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'b' }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'b' }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Remove', { Name: 'vv' }), { Err: '' });
  await driver.settle();
  assert.not.ok(existsSync(join(root(), 'vv')));
  assert.equal(readdirSync(join(root(), '.trash')), []);
});

it('mount counts survive reopening the store', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 2 });
});

it('mount counts live in a log written in place, folded into volume.json after 256 lines', async () => {
  await createCheckpointed('vv');
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'zz' });
  assert.is(logText(join(root(), 'vv', 'mounts.0.log')), '+a\n');
  assert.is(statSync(join(root(), 'vv', 'mounts.0.log')).size, 4096);
  assert.equal(JSON.parse(readFileSync(join(root(), 'vv', 'volume.json'), 'utf8')).Mounts, {});
  for (let i = 0; i < 127; i++) {
    await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'b' });
    await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'b' });
  }
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'c' });
  assert.equal(readdirSync(join(root(), 'vv')).sort(), ['_data', 'mounts.1.log', 'volume.json']);
  const rec = JSON.parse(readFileSync(join(root(), 'vv', 'volume.json'), 'utf8'));
  assert.equal([rec.Mounts, rec.MountLog], [{ a: 1, c: 1 }, 1]);
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'c' });
  assert.is(logText(join(root(), 'vv', 'mounts.1.log')), '+c\n');
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 1, c: 2 });
});

it('a mount log grows by whole blocks when a line does not fit, and a log without zeros (older Berth) is continued', async () => {
  await createCheckpointed('vv');
  const log = join(root(), 'vv', 'mounts.0.log');
  const id = 'f'.repeat(64);
  for (let i = 0; i < 62; i++) await call('/VolumeDriver.Mount', { Name: 'vv', ID: `${id}${i % 10}` }); // 62 * 67 = 4154 bytes
  assert.is(statSync(log).size, 8192);
  assert.is(logText(log).split('\n').length, 63);
  writeFileSync(log, '+a\n+a\n');
  await reopen();
  await call('/VolumeDriver.Unmount', { Name: 'vv', ID: 'a' });
  assert.is(logText(log), '+a\n+a\n-a\n');
  assert.is(statSync(log).size, 4096);
  rmSync(log);
  await reopen();
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'b' });
  assert.is(logText(log), '+b\n');
  await reopen();
  assert.equal(await mountsOf('vv'), { b: 1 });
});

it('a log line torn in the middle (zeros, then a fragment) is never replayed nor continued', async () => {
  await createCheckpointed('vv');
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  // A power loss kept the second sector of a write but not the first: "+a\n", zeros, then "+x\n".
  const bytes = Buffer.alloc(4096);
  bytes.write('+a\n', 0);
  bytes.write('+x\n', 600);
  writeFileSync(join(root(), 'vv', 'mounts.0.log'), bytes);
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 1 });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'b' });
  assert.equal(readdirSync(join(root(), 'vv')).sort(), ['_data', 'mounts.1.log', 'volume.json']);
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 1, b: 1 });
});

it('openDriver() deletes a directory left by an unrecorded Create cut before its flush (empty volume.json, no data), and keeps one with data', async () => {
  await call('/VolumeDriver.Create', { Name: 'ok' });
  // What ext4 may show after a power loss that kept a rename but not the data of volume.json, for
  // directories the journal does not name (made by a Berth without the journal).
  for (const name of ['cut', 'kept']) mkdirSync(join(root(), name, '_data'), { recursive: true });
  writeFileSync(join(root(), 'cut', 'volume.json'), '');
  writeFileSync(join(root(), 'kept', 'volume.json'), Buffer.alloc(120));
  writeFileSync(join(root(), 'kept', '_data', 'file'), 'x');
  const warnings: string[] = [];
  await driver.close();
  driver = await openDriver({ fs, root: root(), warn: (m) => warnings.push(m) });
  assert.equal(
    ((await call('/VolumeDriver.List', {})) as any).Volumes.map((v: any) => v.Name),
    ['ok'],
  );
  assert.not.ok(existsSync(join(root(), 'cut')));
  assert.is(readFileSync(join(root(), 'kept', '_data', 'file'), 'utf8'), 'x');
  assert.equal(readdirSync(join(root(), '.trash')), []);
  assert.equal(warnings.sort(), [
    `deleting ${JSON.stringify(join(root(), 'cut'))}: a Create interrupted by a crash before it was answered (empty volume.json, no data)`,
    `ignoring ${JSON.stringify(join(root(), 'kept'))}: volume.json is not valid JSON`,
  ]);
});

it('a recorded Create whose volume.json or _data a power loss cut is completed at the next start, keeping its data', async () => {
  await call('/VolumeDriver.Create', { Name: 'cut', Opts: { mode: '0700', uid: '12' } });
  await call('/VolumeDriver.Create', { Name: 'kept' });
  await call('/VolumeDriver.Create', { Name: 'gone' });
  await call('/VolumeDriver.Create', { Name: 'nodata' });
  const before = ((await call('/VolumeDriver.Get', { Name: 'cut' })) as any).Volume;
  await driver.close();
  // Not flushed yet at the crash: volume.json's data, a whole volume, a _data directory.
  writeFileSync(join(root(), 'cut', 'volume.json'), '');
  rmSync(join(root(), 'cut', '_data'), { recursive: true });
  writeFileSync(join(root(), 'kept', 'volume.json'), Buffer.alloc(120));
  writeFileSync(join(root(), 'kept', '_data', 'file'), 'x');
  rmSync(join(root(), 'gone'), { recursive: true });
  rmSync(join(root(), 'nodata', '_data'), { recursive: true });
  const warnings: string[] = [];
  driver = await openDriver({ fs, root: root(), warn: (m) => warnings.push(m) });
  assert.equal(((await call('/VolumeDriver.List', {})) as any).Volumes.map((v: any) => v.Name).sort(), ['cut', 'gone', 'kept', 'nodata']);
  assert.equal(((await call('/VolumeDriver.Get', { Name: 'cut' })) as any).Volume, before);
  const st = statSync(join(root(), 'cut', '_data'));
  assert.is(st.mode & 0o7777, 0o700);
  assert.equal(fs.ownerOf(join(root(), 'cut', '_data')), { uid: 12, gid: 0 });
  assert.is(readFileSync(join(root(), 'kept', '_data', 'file'), 'utf8'), 'x');
  for (const name of ['gone', 'nodata']) assert.equal(readdirSync(join(root(), name, '_data')), [], name);
  assert.equal(warnings.filter((w) => w.includes('half-made')).length, 2, warnings.join('\n'));
});

it("a replay never hands an older volume's data to a newer volume of the same name: it is moved to .orphaned", async () => {
  await call('/VolumeDriver.Create', { Name: 'xv' });
  writeFileSync(join(root(), 'xv', '_data', 'secret'), 'old');
  await call('/VolumeDriver.Remove', { Name: 'xv' });
  await call('/VolumeDriver.Create', { Name: 'xv' });
  await driver.close();
  // What a power loss could leave: the first x's directory (data, no volume.json yet, its Remove's
  // rename lost) at the name, the second x's never on disk. Another inode than the one recorded.
  rmSync(join(root(), 'xv'), { recursive: true });
  mkdirSync(join(root(), 'xv', '_data'), { recursive: true });
  writeFileSync(join(root(), 'xv', '_data', 'secret'), 'old');
  const warnings: string[] = [];
  driver = await openDriver({ fs, root: root(), warn: (m) => warnings.push(m) });
  assert.equal(readdirSync(join(root(), 'xv', '_data')), []);
  const aside = readdirSync(join(root(), '.orphaned'));
  assert.is(aside.length, 1);
  assert.match(aside[0], /^xv-[0-9a-f]{8}$/);
  assert.is(readFileSync(join(root(), '.orphaned', aside[0], '_data', 'secret'), 'utf8'), 'old');
  assert.ok(
    warnings.some((w) => w.includes('had data but no volume.json')),
    warnings.join('\n'),
  );
  assert.equal(
    ((await call('/VolumeDriver.List', {})) as any).Volumes.map((v: any) => v.Name),
    ['xv'],
  );
});

it('a torn last log line is ignored and never glued to the next one', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  writeFileSync(join(root(), 'vv', 'mounts.0.log'), '+a\n+hal');
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 1 });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'b' });
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 1, b: 1 });
});

it('release() drops stale IDs so remove() works', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'b' });
  assert.equal(await call('/Berth.Release', { Name: 'vv', ID: 'a' }), { Released: ['a'], Err: '' });
  assert.equal(await call('/Berth.Release', { Name: 'vv', ID: 'a' }), { Released: [], Err: '' });
  assert.equal(await call('/Berth.Release', { Name: 'vv' }), { Released: ['b'], Err: '' });
  assert.equal(await call('/VolumeDriver.Remove', { Name: 'vv' }), { Err: '' });
});

it('a bind volume points at the resolved host path and remove() keeps its data', async () => {
  const host = join(dir, 'host');
  writeFileSync(join(host, 'keep'), 'data');
  symlinkSync(host, join(dir, 'link'));
  assert.equal(await call('/VolumeDriver.Create', { Name: 'bv', Opts: { type: 'none', o: 'bind', device: join(dir, 'link') } }), {
    Err: '',
  });
  assert.equal(await call('/VolumeDriver.Mount', { Name: 'bv', ID: 'i' }), { Mountpoint: host, Err: '' });
  assert.equal(await call('/VolumeDriver.Unmount', { Name: 'bv', ID: 'i' }), { Err: '' });
  assert.equal(await call('/VolumeDriver.Remove', { Name: 'bv' }), { Err: '' });
  await driver.settle();
  assert.is(readFileSync(join(host, 'keep'), 'utf8'), 'data');
});

it('a bind volume refuses a missing path, a file, and paths outside --allow-bind', async () => {
  const host = join(dir, 'host');
  writeFileSync(join(dir, 'file'), '');
  mkdirSync(join(dir, 'other'));
  symlinkSync(join(dir, 'other'), join(host, 'escape'));
  driver = await openDriver({ fs, root: root(), allowBind: [host] });
  const bind = (device: string) => call('/VolumeDriver.Create', { Name: 'bv', Opts: { type: 'none', o: 'bind', device } });
  assert.equal(await bind(join(dir, 'missing')), {
    Err: `cannot create volume "bv": host path ${JSON.stringify(join(dir, 'missing'))} does not exist (Berth never creates it)`,
  });
  assert.not.ok(existsSync(join(dir, 'missing')));
  assert.equal(await bind(join(dir, 'file')), {
    Err: `cannot create volume "bv": host path ${JSON.stringify(join(dir, 'file'))} is not a directory`,
  });
  assert.equal(await bind(`${host}/../other`), {
    Err: `cannot create volume "bv": host path ${JSON.stringify(`${host}/../other`)} (resolved to ${JSON.stringify(join(dir, 'other'))}) is outside the directories allowed by --allow-bind: ${JSON.stringify(host)}`,
  });
  assert.equal(await bind(join(host, 'escape')), {
    Err: `cannot create volume "bv": host path ${JSON.stringify(join(host, 'escape'))} (resolved to ${JSON.stringify(join(dir, 'other'))}) is outside the directories allowed by --allow-bind: ${JSON.stringify(host)}`,
  });
  assert.equal(await bind(host), { Err: '' });
});

it('mount() of a bind volume whose host path vanished says so', async () => {
  mkdirSync(join(dir, 'host', 'sub'));
  await call('/VolumeDriver.Create', { Name: 'bv', Opts: { type: 'none', o: 'bind', device: join(dir, 'host', 'sub') } });
  rmSync(join(dir, 'host', 'sub'), { recursive: true });
  assert.equal(await call('/VolumeDriver.Mount', { Name: 'bv', ID: 'i' }), {
    Err: `cannot mount volume "bv": host path ${JSON.stringify(join(dir, 'host', 'sub'))} is gone: ENOENT`,
  });
  assert.equal(await mountsOf('bv'), {});
});

it('create() with size is refused clearly where project quotas do not work', async () => {
  const d = await openDriver({
    fs,
    root: root(),
    quotas: {
      limit: async () => {
        throw new Error('option "size" needs project quotas: "/x" is on ext4 ("/") mounted without prjquota');
      },
      clear: async () => undefined,
    },
  });
  driver = d;
  assert.equal(await call('/VolumeDriver.Create', { Name: 'qq', Opts: { size: '10M' } }), {
    Err: 'cannot create volume "qq": option "size" needs project quotas: "/x" is on ext4 ("/") mounted without prjquota',
  });
  assert.not.ok(existsSync(join(root(), 'qq')));
  assert.equal(readdirSync(join(root(), '.staging')), []);
});

it('openDriver() deletes leftovers of interrupted creates and removes, and skips foreign directories', async () => {
  await createCheckpointed('vv');
  mkdirSync(join(root(), '.staging', 'half', '_data'), { recursive: true });
  mkdirSync(join(root(), '.trash', 'gone', '_data'), { recursive: true });
  mkdirSync(join(root(), 'foreign'));
  const warnings: string[] = [];
  driver = await openDriver({ fs, root: root(), warn: (m) => warnings.push(m) });
  assert.equal(readdirSync(join(root(), '.staging')), []);
  assert.equal(readdirSync(join(root(), '.trash')), []);
  assert.equal(
    ((await call('/VolumeDriver.List', {})) as any).Volumes.map((v: any) => v.Name),
    ['vv'],
  );
  assert.equal(warnings, [
    `ignoring ${JSON.stringify(join(root(), 'foreign'))}: open ${JSON.stringify(join(root(), 'foreign', 'volume.json'))}: ENOENT`,
  ]);
  assert.equal(await call('/VolumeDriver.Create', { Name: 'foreign' }), {
    Err: `cannot create volume "foreign": ${JSON.stringify(join(root(), 'foreign'))} exists and is not a Berth volume (no valid volume.json): move it away`,
  });
  assert.ok(lstatSync(join(root(), 'foreign')).isDirectory());
});

it('10 parallel creates of one name make one volume; those with other options than the first conflict', async () => {
  const replies = await Promise.all(
    Array.from({ length: 10 }, (_, i) => call('/VolumeDriver.Create', { Name: 'same', Opts: { mode: `07${i % 2}0` } })),
  );
  const mode = ((await call('/VolumeDriver.Get', { Name: 'same' })) as any).Volume.Status.mode;
  replies.forEach((r, i) =>
    assert.is(
      r.Err,
      `07${i % 2}0` === mode
        ? ''
        : `cannot create volume "same": volume exists with different options: mode is "${mode}", requested "07${i % 2}0"`,
    ),
  );
  assert.equal(
    readdirSync(root()).filter((e) => !e.startsWith('.')),
    ['same'],
  );
  assert.equal(readdirSync(join(root(), '.staging')), []);
});

it('a replay that cannot read a volume.json (EIO) reports it and changes nothing, never taking the volume as absent', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  await call('/VolumeDriver.Mount', { Name: 'vv', ID: 'a' });
  await driver.close();
  const vv = join(realpathSync(root()), 'vv');
  const files = () =>
    readdirSync(vv)
      .sort()
      .map((f) => [f, f === '_data' ? '' : readFileSync(join(vv, f), 'latin1')]);
  const before = files();
  fs.failures.set(join(vv, 'volume.json'), 'EIO');
  const warnings: string[] = [];
  const failed = await openDriver({ fs, root: root(), warn: (m) => warnings.push(m) }).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.instance(failed, VolumeError);
  assert.match((failed as Error).message, /^cannot replay the journal of volume root .*: open ".*\/vv\/volume\.json": EIO$/);
  assert.equal(files(), before);
  assert.equal(warnings, []);
  fs.failures.clear();
  await reopen();
  assert.equal(await mountsOf('vv'), { a: 1 });
});

it('a replay that cannot stat a volume directory (EACCES) or list its _data (EIO) reports it', async () => {
  await call('/VolumeDriver.Create', { Name: 'vv' });
  await driver.close();
  const vv = join(realpathSync(root()), 'vv');
  fs.failures.set(vv, 'EACCES');
  const failed = await openDriver({ fs, root: root() }).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.match((failed as Error).message, /^cannot replay the journal of volume root .*: lstat ".*\/vv": EACCES$/);
  // No volume.json and another directory identity: replay must see whether _data holds anything.
  fs.failures.clear();
  rmSync(join(vv, 'volume.json'));
  renameSync(vv, `${vv}.old`);
  mkdirSync(vv);
  renameSync(join(`${vv}.old`, '_data'), join(vv, '_data'));
  rmSync(`${vv}.old`, { recursive: true });
  fs.failures.set(join(vv, '_data'), 'EIO');
  const failed2 = await openDriver({ fs, root: root() }).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.match((failed2 as Error).message, /^cannot replay the journal of volume root .*: scandir ".*\/vv\/_data": EIO$/);
  assert.not.ok(existsSync(join(root(), '.orphaned')), 'nothing was moved aside');
  fs.failures.clear();
  await reopen();
  assert.equal(
    ((await call('/VolumeDriver.List', {})) as any).Volumes.map((v: any) => v.Name),
    ['vv'],
  );
});

test.run();
