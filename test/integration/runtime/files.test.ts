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
    assert.equal([missing.code, missing.stderr], [1, 'Error: No such container:path: files:/nope\n']);
    // A missing container is named as docker names it: with the source path, or the destination's dir.
    assert.is((await b('cp', 'nosuch:/etc', tmp)).stderr, 'Error: No such container:path: nosuch:/etc\n');
    assert.is((await b('cp', join(tmp, 'copied'), 'nosuch:/tmp')).stderr, 'Error: No such container:path: nosuch:/\n');
    // An unknown flag is a flag error (docker: 125), not a wrong count of operands (1).
    const bogus = await b('cp', '--bogus', 'files:/data/new', tmp);
    assert.equal([bogus.code, bogus.stderr], [125, "berth: unknown flag: --bogus\nSee 'berth cp --help'.\n"]);
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
    assert.equal([notDir.code, notDir.stderr], [1, 'berth: destination "tars:/data/hello.txt" must be a directory\n']);
    // A member that goes through the container's link to /etc lands in the container, never in the host's /etc.
    const through = makeTar([{ name: 'etc-link/berth-cp-probe', data: 'x\n' }]);
    assert.is((await b.withInput(through.toString('latin1'), 'cp', '-', 'tars:/data')).code, 0);
    assert.not.ok(existsSync('/etc/berth-cp-probe'), "the host's /etc is untouched");
    const out = mkdtempSync(join(b.root, '..', 'out-'));
    execFileSync('sh', ['-c', `"$0" --root "$1" --state-dir "$2" cp tars:/data/sub - | tar -C "$3" -xf -`, BERTH, b.root, b.stateDir, out]);
    assert.is(readFileSync(join(out, 'sub/in.txt'), 'utf8'), 'from a tar\n');
    // POSIX ustar headers and no padding to a 10 KiB record, as docker's Go tar writer.
    const archive = (await b('cp', 'tars:/data/sub/in.txt', '-')).stdout;
    assert.equal([archive.slice(257, 265), archive.length], ['ustar\x0000', 512 * 4]);
    const long = `/data/${'a'.repeat(120)}/${'b'.repeat(150)}`;
    assert.is((await b('exec', 'tars', 'sh', '-c', `mkdir -p ${long} && echo deep > ${long}/f`)).code, 0);
    execFileSync('sh', [
      '-c',
      `"$0" --root "$1" --state-dir "$2" cp tars:/data/${'a'.repeat(120)} - | tar -C "$3" -xf -`,
      BERTH,
      b.root,
      b.stateDir,
      out,
    ]);
    assert.is(readFileSync(join(out, long.slice('/data/'.length), 'f'), 'utf8'), 'deep\n', 'a name too long for ustar gets a pax header');
  });
});

it("cp to a new name leaves the source's namesakes alone; a copy docker refuses writes nothing", async () => {
  await withBerth(async (b) => {
    await b('run', '-d', '--name', 'names', '--rootfs', b.rootfs, 'sh', '-c', 'echo container > /data/f; echo ready; sleep 1000');
    for (let i = 0; i < 200 && (await b('logs', 'names')).stdout !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
    const tmp = mkdtempSync(join(b.root, '..', 'names-'));
    writeFileSync(join(tmp, 'hello.txt'), 'precious\n');
    writeFileSync(join(tmp, 'f'), 'host\n');
    // The copy is unpacked beside the destination under its own name, then renamed: the namesake stays.
    assert.is((await b('cp', 'names:/data/hello.txt', join(tmp, 'other'))).code, 0);
    assert.is(readFileSync(join(tmp, 'hello.txt'), 'utf8'), 'precious\n');
    assert.is(readFileSync(join(tmp, 'other'), 'utf8'), 'hello from the image\n');
    assert.is((await b('cp', join(tmp, 'f'), 'names:/data/renamed')).code, 0);
    assert.is((await b('exec', 'names', 'cat', '/data/f', '/data/renamed')).stdout, 'container\nhost\n');
    const listings = async () => [readdirSync(tmp).sort(), (await b('exec', 'names', 'ls', '-a', '/data')).stdout];
    const before = await listings();
    const refusals: Array<[string[], string]> = [
      [['names:/data', join(tmp, 'f')], 'cannot copy directory'],
      [['names:/data/hello.txt', join(tmp, 'nope', 'x')], `invalid output path: directory "${join(tmp, 'nope')}" does not exist`],
      [['names:/data/hello.txt', `${tmp}/new/`], 'no such directory'],
      [['names:/data/hello.txt', `${tmp}/f/`], `not a directory: ${tmp}/f/`],
      [['names:/data/hello.txt/', tmp], 'not a directory: names:/data/hello.txt/'],
      [[join(tmp, 'f'), 'names:/nope/x'], 'No such container:path: names:/nope'],
      [[join(tmp, 'f'), 'names:/data/f/x'], 'extraction point is not a directory'],
      [[join(tmp, 'f'), 'names:/data/new/'], 'no such directory'],
      [[tmp, 'names:/data/f'], 'cannot copy directory'],
      [[join(tmp, 'missing'), 'names:/data'], `lstat ${join(tmp, 'missing')}: no such file or directory`],
    ];
    for (const [args, message] of refusals) {
      const r = await b('cp', ...args);
      const prefix = message.startsWith('No such') ? 'Error' : 'berth'; // a missing object in docker's words
      assert.equal([r.code, r.stderr], [1, `${prefix}: ${message}\n`], args.join(' ')); // docker cp: 1 for any error but a flag's
    }
    assert.equal(await listings(), before, 'nothing written, no staging dir left');
  });
});

test.run();
