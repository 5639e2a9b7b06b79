/**
 * The launchers in dist/bin. Node's (scripts/launcher.cjs) and its V8 code cache, on a private copy
 * of the built netctl (a temp dist/{bin,lib} with node_modules beside it), so the shared dist/cache
 * is never touched: the cache is written after a successful call only, used by the next call of the
 * same kind, never changes the output, and a garbage, foreign or writable-by-others file is not
 * trusted (the call still answers the same, and the file is replaced by a good one). And the CNI
 * plugins compiled with Bun, where Bun is installed: one executable, run as the name it was exec'd
 * by, deaf to `.env` and `bunfig.toml` in the caller's working directory.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN_DIR, ROOT_DIR, run, withTempDir } from '../../helpers/sandbox';

const PLUGINS = ['bridge', 'dnsname', 'host-local', 'loopback', 'portmap'];
const BUN = join(ROOT_DIR, 'node_modules/@oven/bun-linux-x64/bin/bun');
/** What scripts/build.mjs (findBun) checks before it builds the plugins for Bun. */
const bunUsable = () =>
  process.env.BERTH_RUNTIME !== 'node' && existsSync(BUN) && spawnSync(BUN, ['--version'], { stdio: 'ignore' }).status === 0;

/** A copy of the built netctl's launcher and bundle in `dir`/dist, with node_modules beside it. */
function copyNetctl(dir: string): string {
  const launcher = readFileSync(join(BIN_DIR, 'netctl'), 'utf8');
  const hash = /const HASH = "([0-9a-f]{16})"/.exec(launcher)?.[1];
  assert.ok(hash, 'the launcher names its bundle hash');
  for (const sub of ['dist/bin', 'dist/lib']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(join(BIN_DIR, 'netctl'), join(dir, 'dist/bin/netctl'));
  chmodSync(join(dir, 'dist/bin/netctl'), 0o755);
  copyFileSync(join(ROOT_DIR, 'dist/lib', `netctl.${hash}.js`), join(dir, 'dist/lib', `netctl.${hash}.js`));
  symlinkSync(join(ROOT_DIR, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'dist/bin/netctl');
}

const cache = suite('code cache of the built executables (dist/bin launcher)');
const it = existsSync(join(BIN_DIR, 'netctl')) ? cache : cache.skip;

/**
 * A successful call that touches nothing (`netctl --version`), of kind STATUS: the launcher names a
 * call's kind after CNI_COMMAND when it is set, as for the plugins, and after argv[2] otherwise.
 */
const status = (exe: string, extra: Record<string, string> = {}) =>
  run(exe, ['--version'], { env: { PATH: process.env.PATH!, CNI_COMMAND: 'STATUS', BERTH_CODE_CACHE: 'report', ...extra } });

const cacheFiles = (dir: string) => (existsSync(join(dir, 'dist/cache')) ? readdirSync(join(dir, 'dist/cache')) : []);

it('the first successful call writes the cache, the next one of the same kind uses it, output unchanged', async () => {
  await withTempDir(async (dir) => {
    const exe = copyNetctl(dir);
    const first = await status(exe);
    assert.is(first.code, 0);
    assert.match(first.stderr, /code cache: none /);
    const files = cacheFiles(dir);
    assert.is(files.length, 1);
    assert.match(files[0], /^netctl-[0-9a-f]{16}-.+-STATUS\.v8$/);
    const st = statSync(join(dir, 'dist/cache', files[0]));
    assert.is(st.mode & 0o777, 0o644);
    assert.is(st.uid, process.getuid!());

    const second = await status(exe);
    assert.is(second.code, 0);
    assert.match(second.stderr, /code cache: used /);
    assert.is(second.stdout, first.stdout);
    assert.is(second.stdout, '0.1.0\n');
  });
});

it('a failed call writes no cache (its short path would serve later calls); another kind gets its own', async () => {
  await withTempDir(async (dir) => {
    const exe = copyNetctl(dir);
    const bad = await run(exe, ['no-such-verb'], { env: { PATH: process.env.PATH! } });
    assert.is(bad.code, 2);
    assert.equal(cacheFiles(dir), []);
    assert.is((await status(exe)).code, 0);
    assert.equal(
      cacheFiles(dir).map((f) => f.replace(/^.*-/, '')),
      ['STATUS.v8'],
    );
  });
});

it('a garbage cache file is rejected by V8, the call answers the same, and the file is replaced', async () => {
  await withTempDir(async (dir) => {
    const exe = copyNetctl(dir);
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
    const exe = copyNetctl(dir);
    const r = await run(exe, ['--version'], { env: { PATH: process.env.PATH!, CNI_COMMAND: 'VERSION', BERTH_CODE_CACHE: 'report' } });
    assert.is(r.code, 0);
    assert.match(r.stderr, /code cache: off /);
    assert.is(r.stdout, '0.1.0\n');
    assert.equal(cacheFiles(dir), []);
  });
});

it('a cache file others can write is not read (it is code), and BERTH_CODE_CACHE=off neither reads nor writes', async () => {
  await withTempDir(async (dir) => {
    const exe = copyNetctl(dir);
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

it('every Node launcher runs the Node that built it (no `env` exec first); every plugin works with an empty environment', async () => {
  // Short-lived Node executables keep the snapshot's hash seed (scripts/build.mjs); the daemon does not.
  for (const name of readdirSync(BIN_DIR)) {
    if ((PLUGINS.includes(name) || name === 'berth') && bunUsable()) continue; // compiled with Bun: see the suite below
    assert.is(
      readFileSync(join(BIN_DIR, name), 'utf8').split('\n')[0],
      `#!${process.execPath}${name === 'berth-volumed' ? '' : ' --no-rehash-snapshot'}`,
      name,
    );
  }
  for (const name of PLUGINS) {
    const r = await run(join(BIN_DIR, name), [], { env: { CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.1.0"}' });
    assert.is(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).supportedVersions, ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'], name);
  }
});

const compiled = suite('the CNI plugins compiled with Bun (one executable, hard links)');
const onBun = bunUsable() && existsSync(join(BIN_DIR, 'loopback')) ? compiled : compiled.skip;

onBun('the plugins and berth are hard links to one front in dist/lib, and each runs as its own name', async () => {
  const only = (pattern: RegExp) => {
    const files = readdirSync(join(ROOT_DIR, 'dist/lib')).filter((f) => pattern.test(f));
    assert.is(files.length, 1, `one ${pattern.source}`);
    return statSync(join(ROOT_DIR, 'dist/lib', files[0])).ino;
  };
  const front = only(/^cni-front\.[0-9a-f]{16}$/);
  for (const name of [...PLUGINS, 'berth']) assert.is(statSync(join(BIN_DIR, name)).ino, front, name);
  only(/^cni\.[0-9a-f]{16}$/);
  // STATUS tells them apart: loopback has nothing to report, host-local wants an "ipam" key.
  const conf = '{"cniVersion":"1.1.0","name":"lo","type":"loopback"}';
  const lo = await run(join(BIN_DIR, 'loopback'), [], { env: { CNI_COMMAND: 'STATUS' }, input: conf });
  assert.is(lo.code, 0, lo.stdout);
  const hl = await run(join(BIN_DIR, 'host-local'), [], { env: { CNI_COMMAND: 'STATUS' }, input: conf });
  assert.is(hl.code, 1);
  assert.match(hl.stdout, /no \\"ipam\\" key/);
});

onBun('a symbolic link of another name runs as the file it names; a copy of another name is refused with a clear error', async () => {
  await withTempDir(async (dir) => {
    symlinkSync(join(BIN_DIR, 'loopback'), join(dir, 'cni-link'));
    const linked = await run(join(dir, 'cni-link'), [], {
      env: { CNI_COMMAND: 'STATUS' },
      input: '{"cniVersion":"1.1.0","name":"lo","type":"loopback"}',
    });
    assert.is(linked.code, 0, linked.stdout);
    copyFileSync(join(BIN_DIR, 'loopback'), join(dir, 'cni-tool'));
    chmodSync(join(dir, 'cni-tool'), 0o755);
    const r = await run(join(dir, 'cni-tool'), [], { env: { CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.1.0"}' });
    assert.is(r.code, 1);
    assert.match(r.stderr, /exec'd as "cni-tool", which is none of bridge, dnsname, host-local, loopback, portmap/);
  });
});

onBun("a .env and a bunfig.toml in the caller's working directory change nothing", async () => {
  await withTempDir(async (dir) => {
    writeFileSync(join(dir, '.env'), 'BERTH_LOG=stderr\nCNI_COMMAND=VERSION\n');
    writeFileSync(join(dir, 'preload.js'), `require('fs').writeFileSync(${JSON.stringify(join(dir, 'ran'))}, '1');\n`);
    writeFileSync(join(dir, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
    const r = await run(join(BIN_DIR, 'loopback'), [], {
      env: { CNI_COMMAND: 'STATUS' },
      input: '{"cniVersion":"1.1.0","name":"lo","type":"loopback"}',
      cwd: dir,
    });
    assert.is(r.code, 0, r.stdout);
    assert.is(r.stdout, '', 'STATUS, not the VERSION a .env would have set');
    assert.is(r.stderr, '', 'no debug log, which BERTH_LOG from a .env would have turned on');
    assert.not.ok(existsSync(join(dir, 'ran')), 'bunfig.toml preload not run');
  });
});

cache.run();
compiled.run();
