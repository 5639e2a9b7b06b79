import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { ROOT_DIR, run, withTempDir } from '../../helpers/sandbox';

const test = suite('make install / uninstall (into a DESTDIR temp dir)');
const LIBDIR = '/usr/local/lib/berth';
const PACKAGE = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8'));

/** Every file and link under `dir`, relative to it; and their bytes (hard links counted once). */
function walk(
  dir: string,
  out: { paths: string[]; bytes: number; inodes: Set<number> } = { paths: [], bytes: 0, inodes: new Set() },
  top = dir,
) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out, top);
    else {
      out.paths.push(relative(top, path));
      const st = statSync(path, { throwIfNoEntry: false });
      if (entry.isFile() && st && !out.inodes.has(st.ino)) {
        out.inodes.add(st.ino);
        out.bytes += st.size;
      }
    }
  }
  return out;
}

/** The packages (not builtins) a CommonJS bundle requires at run time: "ajv" for "ajv/dist/runtime/x". */
const requiresOf = (code: string) =>
  [...code.matchAll(/\brequire\("([^"./][^"]*)"\)/g)]
    .map((m) => m[1].replace(/^node:/, ''))
    .filter((m) => !builtinModules.includes(m))
    .map((m) =>
      m
        .split('/')
        .slice(0, m.startsWith('@') ? 2 : 1)
        .join('/'),
    );

const make = (args: string[]) => spawnSync('make', ['-s', '-C', ROOT_DIR, '-o', 'build', ...args], { encoding: 'utf8' });

test("install puts executables, links and units in place without Bun's npm package; uninstall removes them all", async () => {
  assert.ok(existsSync(join(ROOT_DIR, 'dist/bin/netctl')), 'built first (make build)');
  await withTempDir(async (dest) => {
    // --ignore-scripts: koffi's build from source takes minutes; nothing checked here loads it.
    const installed = make(['install', `DESTDIR=${dest}`, 'INSTALL_NPM_FLAGS=--ignore-scripts --prefer-offline']);
    assert.is(installed.status, 0, installed.stderr);
    const lib = join(dest, LIBDIR);
    const modules = readdirSync(join(lib, 'node_modules'));
    assert.not.ok(existsSync(join(lib, 'node_modules/@oven')), 'no @oven/bun-linux-x64');
    for (const dev of Object.keys(PACKAGE.devDependencies))
      assert.not.ok(modules.includes(dev.split('/')[0]) && existsSync(join(lib, 'node_modules', dev)), dev);
    for (const dep of Object.keys(PACKAGE.dependencies)) assert.ok(existsSync(join(lib, 'node_modules', dep)), dep);
    // The compiled plugins (~110 MB, one file hard-linked four times) are most of it; Bun's package was another 103 MB.
    const { bytes } = walk(dest);
    assert.ok(bytes < 140 * 1024 * 1024, `${Math.round(bytes / 1024 / 1024)} MB installed`);
    for (const name of ['netctl', 'berth', 'berth-volumed'])
      assert.is(readlinkSync(join(dest, 'usr/local/bin', name)), `${LIBDIR}/dist/bin/${name}`);
    for (const name of ['bridge', 'dnsname', 'host-local', 'loopback', 'portmap'])
      assert.is(readlinkSync(join(dest, 'opt/cni/bin', name)), `${LIBDIR}/dist/bin/${name}`);
    assert.match(readFileSync(join(dest, 'lib/systemd/system/berth-volumed.service'), 'utf8'), /\/usr\/local\/bin\/berth-volumed/);
    assert.is((await run(join(lib, 'dist/bin/netctl'), ['--version'])).stdout, '0.1.0\n');
    const version = await run(join(lib, 'dist/bin/loopback'), [], { env: { CNI_COMMAND: 'VERSION' }, input: '{}' });
    assert.is(version.json?.cniVersion, '1.1.0', version.stderr);
    // What runs on Node there (the CLIs, and the plugins where Bun is absent) needs only the run-time dependencies.
    const nodeBuild = spawnSync(process.execPath, [join(ROOT_DIR, 'scripts/build.mjs'), 'bundle'], {
      env: { ...process.env, BERTH_RUNTIME: 'node', BERTH_DIST: join(dest, 'node-dist') },
      encoding: 'utf8',
    });
    assert.is(nodeBuild.status, 0, nodeBuild.stderr);
    for (const file of readdirSync(join(dest, 'node-dist/lib')))
      for (const mod of requiresOf(readFileSync(join(dest, 'node-dist/lib', file), 'utf8')))
        assert.ok(mod in PACKAGE.dependencies || mod === 'bun:ffi', `${file} requires ${mod}, not a run-time dependency`);
    const removed = make(['uninstall', `DESTDIR=${dest}`]);
    assert.is(removed.status, 0, removed.stderr);
    assert.equal(
      walk(dest).paths.filter((p) => !p.startsWith('node-dist/')),
      [],
    );
  });
});

test('make build installs no Debian package; test, demo and bench do', () => {
  const dry = (target: string) => spawnSync('make', ['-n', '-C', ROOT_DIR, target], { encoding: 'utf8' }).stdout;
  assert.not.match(dry('build'), /ensure-packages/);
  for (const target of ['test', 'demo', 'bench']) assert.match(dry(target), /ensure-packages\.sh/, target);
});

test("uninstall keeps a plugin of the same name that is not Berth's", async () => {
  await withTempDir(async (dest) => {
    const other = spawnSync('sh', ['-c', `mkdir -p ${dest}/opt/cni/bin && ln -s /usr/lib/cni/bridge ${dest}/opt/cni/bin/bridge`]);
    assert.is(other.status, 0);
    assert.is(make(['uninstall', `DESTDIR=${dest}`]).status, 0);
    assert.is(readlinkSync(join(dest, 'opt/cni/bin/bridge')), '/usr/lib/cni/bridge');
  });
});

test.run();
