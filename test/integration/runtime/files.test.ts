import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { BERTH, withBerth } from '../../helpers/berth';
import { makeTar } from '../../helpers/tar-writer';

const test = suite('berth diff and cp (built executables, real kernel)');
const it = isRoot ? test : test.skip;

it('diff lists A, C and D from the container layer; cp copies both ways and keeps links inside the container', async () => {
  await withBerth(async (b) => {
    const script = 'echo x > /data/new; rm /data/hello.txt; ln -s / /data/escape; echo ready; while :; do sleep 0.05; done';
    const id = (await b('run', '-d', '--name', 'files', '--rootfs', b.rootfs, 'sh', '-c', script)).stdout.trim();
    for (let i = 0; i < 200 && (await b('logs', 'files')).stdout !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.is((await b('diff', id)).stdout, 'C /data\nA /data/escape\nD /data/hello.txt\nA /data/new\n');
    const tmp = join(b.root, '..');
    writeFileSync(join(tmp, 'from-host'), 'host data\n');
    assert.is((await b('cp', join(tmp, 'from-host'), 'files:/data/escape/tmp/')).code, 0);
    assert.is((await b('exec', 'files', 'cat', '/tmp/from-host')).stdout, 'host data\n', "the link to / led to the container's /");
    assert.not.ok(existsSync('/tmp/from-host'), "the host's /tmp is untouched");
    assert.is((await b('cp', 'files:/data/new', join(tmp, 'copied'))).code, 0);
    assert.is(readFileSync(join(tmp, 'copied'), 'utf8'), 'x\n');
    const missing = await b('cp', 'files:/nope', tmp);
    assert.equal([missing.code, missing.stderr], [125, 'berth: Could not find the file /nope in container files\n']);
  });
});

it('cp into a link the container made (last component, absolute or relative) stays inside, running or stopped', async () => {
  await withBerth(async (b) => {
    // A victim dir on the host that the container's links name: by absolute path and by "../" climbing.
    const victim = mkdtempSync('/tmp/berth-cp-victim-');
    try {
      const script = `ln -s ${victim} /data/abs; ln -s ../../../../../../..${victim} /data/rel; echo ready; while :; do sleep 0.05; done`;
      mkdirSync(join(b.rootfs, victim), { recursive: true });
      await b('run', '-d', '--name', 'links', '--rootfs', b.rootfs, 'sh', '-c', script);
      for (let i = 0; i < 200 && (await b('logs', 'links')).stdout !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
      const tmp = join(b.root, '..');
      writeFileSync(join(tmp, 'payload'), 'payload\n');
      for (const dest of ['links:/data/abs', 'links:/data/abs/', 'links:/data/rel/'])
        assert.is((await b('cp', join(tmp, 'payload'), dest)).code, 0, dest);
      await b('stop', '-t', '0', 'links');
      assert.is((await b('cp', join(tmp, 'payload'), 'links:/data/rel')).code, 0, 'stopped, relative link');
      assert.equal(readdirSync(victim), [], "nothing reached the host's dir");
      await b('start', 'links');
      assert.is((await b('exec', 'links', 'cat', `${victim}/payload`)).stdout, 'payload\n', "the container's own dir got it");
    } finally {
      rmSync(victim, { recursive: true, force: true });
    }
  });
});

it('cp - reads a tar from stdin into a dir, cp CTR:SRC - writes a tar to stdout (as docker cp)', async () => {
  await withBerth(async (b) => {
    await b('run', '-d', '--name', 'tars', '--rootfs', b.rootfs, 'sh', '-c', 'ln -s /etc /data/etc-link; sleep 1000');
    const tar = makeTar([
      { name: 'sub/', type: 'dir' },
      { name: 'sub/in.txt', data: 'from a tar\n' },
    ]);
    const into = await b.withInput(tar.toString('latin1'), 'cp', '-', 'tars:/data');
    assert.is(into.code, 0, into.stderr);
    assert.is((await b('exec', 'tars', 'cat', '/data/sub/in.txt')).stdout, 'from a tar\n');
    const notDir = await b.withInput(tar.toString('latin1'), 'cp', '-', 'tars:/data/hello.txt');
    assert.equal([notDir.code, notDir.stderr], [125, 'berth: destination "tars:/data/hello.txt" must be a directory\n']);
    // A member that goes through the container's link to /etc lands in the container, never in the host's /etc.
    const through = makeTar([{ name: 'etc-link/berth-cp-probe', data: 'x\n' }]);
    assert.is((await b.withInput(through.toString('latin1'), 'cp', '-', 'tars:/data')).code, 0);
    assert.not.ok(existsSync('/etc/berth-cp-probe'), "the host's /etc is untouched");
    const out = mkdtempSync(join(b.root, '..', 'out-'));
    execFileSync('sh', ['-c', `"$0" --root "$1" --state-dir "$2" cp tars:/data/sub - | tar -C "$3" -xf -`, BERTH, b.root, b.stateDir, out]);
    assert.is(readFileSync(join(out, 'sub/in.txt'), 'utf8'), 'from a tar\n');
  });
});

test.run();
