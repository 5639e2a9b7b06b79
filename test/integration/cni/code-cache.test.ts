/**
 * The launcher in dist/bin (scripts/launcher.cjs) and its V8 code cache, on a private copy of the
 * built loopback (a temp dist/{bin,lib} with node_modules beside it), so the shared dist/cache is
 * never touched: the cache is written after a successful call only, used by the next call of the
 * same kind, never changes the output, and a garbage, foreign or writable-by-others file is not
 * trusted (the call still answers the same, and the file is replaced by a good one).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, ROOT_DIR, run, withTempDir } from '../../helpers/sandbox';

const cache = suite('code cache of the built executables (dist/bin launcher)');
const it = existsSync(join(BIN_DIR, 'loopback')) ? cache : cache.skip;

/** A copy of the built loopback's launcher and bundle in `dir`/dist, with node_modules beside it. */
function copyLoopback(dir: string): string {
  const launcher = readFileSync(join(BIN_DIR, 'loopback'), 'utf8');
  const hash = /const HASH = "([0-9a-f]+)"/.exec(launcher)?.[1];
  assert.ok(hash, 'the launcher names its bundle hash');
  for (const sub of ['dist/bin', 'dist/lib']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(join(BIN_DIR, 'loopback'), join(dir, 'dist/bin/loopback'));
  chmodSync(join(dir, 'dist/bin/loopback'), 0o755);
  copyFileSync(join(ROOT_DIR, 'dist/lib', `loopback.${hash}.js`), join(dir, 'dist/lib', `loopback.${hash}.js`));
  symlinkSync(join(ROOT_DIR, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'dist/bin/loopback');
}

/** STATUS: a successful call that needs no namespace (loopback has nothing to report). */
const status = (exe: string, extra: Record<string, string> = {}) =>
  run(exe, [], { env: { PATH: process.env.PATH!, CNI_COMMAND: 'STATUS', BERTH_CODE_CACHE: 'report', ...extra }, input: '{"cniVersion":"1.1.0","name":"lo","type":"loopback"}' });

const cacheFiles = (dir: string) => (existsSync(join(dir, 'dist/cache')) ? readdirSync(join(dir, 'dist/cache')) : []);

it('the first successful call writes the cache, the next one of the same kind uses it, output unchanged', async () => {
  await withTempDir(async (dir) => {
    const exe = copyLoopback(dir);
    const first = await status(exe);
    assert.is(first.code, 0);
    assert.match(first.stderr, /code cache: none /);
    const files = cacheFiles(dir);
    assert.is(files.length, 1);
    assert.match(files[0], /^loopback-[0-9a-f]{16}-.+-STATUS\.v8$/);
    const st = statSync(join(dir, 'dist/cache', files[0]));
    assert.is(st.mode & 0o777, 0o644);
    assert.is(st.uid, process.getuid!());

    const second = await status(exe);
    assert.is(second.code, 0);
    assert.match(second.stderr, /code cache: used /);
    assert.is(second.stdout, first.stdout);
    assert.is(second.stdout, '');
  });
});

it('a failed call writes no cache (its short path would serve later calls); another kind gets its own', async () => {
  await withTempDir(async (dir) => {
    const exe = copyLoopback(dir);
    const bad = await run(exe, [], { env: { PATH: process.env.PATH!, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'x', CNI_NETNS: '/nonexistent', CNI_IFNAME: 'lo' }, input: 'not json' });
    assert.is(bad.code, 1);
    assert.equal(cacheFiles(dir), []);
    assert.is((await status(exe)).code, 0);
    assert.equal(cacheFiles(dir).map((f) => f.replace(/^.*-/, '')), ['STATUS.v8']);
  });
});

it('a garbage cache file is rejected by V8, the call answers the same, and the file is replaced', async () => {
  await withTempDir(async (dir) => {
    const exe = copyLoopback(dir);
    const good = await status(exe);
    const file = join(dir, 'dist/cache', cacheFiles(dir)[0]);
    writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const r = await status(exe);
    assert.is(r.code, 0);
    assert.match(r.stderr, /code cache: rejected /);
    assert.is(r.stdout, good.stdout);
    assert.not.equal(readFileSync(file), Buffer.alloc(4096, 0x5a));
    assert.match((await status(exe)).stderr, /code cache: used /);
  });
});

it('VERSION neither reads nor writes a cache (it runs next to no code)', async () => {
  await withTempDir(async (dir) => {
    const exe = copyLoopback(dir);
    const r = await run(exe, [], { env: { PATH: process.env.PATH!, CNI_COMMAND: 'VERSION', BERTH_CODE_CACHE: 'report' }, input: '{"cniVersion":"1.0.0"}' });
    assert.is(r.code, 0);
    assert.match(r.stderr, /code cache: off /);
    assert.equal(JSON.parse(r.stdout).supportedVersions, ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    assert.equal(cacheFiles(dir), []);
  });
});

it('a cache file others can write is not read (it is code), and BERTH_CODE_CACHE=off neither reads nor writes', async () => {
  await withTempDir(async (dir) => {
    const exe = copyLoopback(dir);
    await status(exe);
    const file = join(dir, 'dist/cache', cacheFiles(dir)[0]);
    chmodSync(file, 0o666);
    const r = await status(exe);
    assert.is(r.code, 0);
    assert.match(r.stderr, /code cache: ignored /);
    assert.is(statSync(file).mode & 0o777, 0o644, 'replaced by a file of its own');

    rmSync(join(dir, 'dist/cache'), { recursive: true });
    const off = await status(exe, { BERTH_CODE_CACHE: 'off' });
    assert.is(off.code, 0);
    assert.is(off.stderr, '');
    assert.equal(cacheFiles(dir), []);
  });
});

it('every launcher runs the Node that built it (no `env` exec first), and works with an empty PATH', async () => {
  // Short-lived executables keep the snapshot's hash seed (scripts/build.mjs); the daemon does not.
  for (const name of readdirSync(BIN_DIR))
    assert.is(readFileSync(join(BIN_DIR, name), 'utf8').split('\n')[0], `#!${process.execPath}${name === 'berth-volumed' ? '' : ' --no-rehash-snapshot'}`, name);
  const r = await run(join(BIN_DIR, 'loopback'), [], { env: { CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.1.0"}' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /"supportedVersions"/);
});

cache.run();
