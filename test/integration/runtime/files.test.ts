import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { withBerth } from '../../helpers/berth';

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

test.run();
