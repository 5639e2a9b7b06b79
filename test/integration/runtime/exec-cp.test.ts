import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { withBerth, type Berth } from '../../helpers/berth';

/** Issue 17: exec's exit codes as Docker 20.10's, and cp on a stopped container. */
const test = suite('berth exec codes and cp on stopped containers (built executables, real kernel)');
const it = isRoot ? test : test.skip;

const SERVE = 'trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done';
const mountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));

async function waitReady(b: Berth, name: string): Promise<void> {
  for (let i = 0; i < 200 && (await b('logs', name)).stdout !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
}

it("exec of a command that cannot start exits 126, found or not, with runc's words (docker exec)", async () => {
  await withBerth(async (b) => {
    assert.is((await b('run', '-d', '--name', 'ex', '--rootfs', b.rootfs, 'sh', '-c', SERVE)).code, 0);
    await waitReady(b, 'ex');
    const missing = await b('exec', 'ex', 'nosuch');
    assert.equal(
      [missing.code, missing.stderr],
      [126, 'berth: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH\n'],
    );
    const missingPath = await b('exec', 'ex', '/nosuch');
    assert.equal(
      [missingPath.code, missingPath.stderr],
      [126, 'berth: exec failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory\n'],
    );
    const notExecutable = await b('exec', 'ex', '/etc');
    assert.equal(
      [notExecutable.code, notExecutable.stderr],
      [126, 'berth: exec failed: unable to start container process: exec: "/etc": permission denied\n'],
    );
    // A working dir or a user the container lacks keeps the process from starting too (docker: 126).
    const noDir = await b('exec', '-w', '/nonexist', 'ex', 'true');
    assert.equal(
      [noDir.code, noDir.stderr],
      [
        126,
        'berth: exec failed: unable to start container process: chdir to cwd ("/nonexist") set in config.json failed: No such file or directory\n',
      ],
    );
    const noUser = await b('exec', '-u', 'nosuchuser', 'ex', 'true');
    assert.equal([noUser.code, noUser.stderr], [126, 'berth: unable to find user nosuchuser: no matching entries in passwd file\n']);
    assert.is((await b('exec', 'ex', 'sh', '-c', 'exit 3')).code, 3, "the command's own code");
    // docker run keeps 127 for a command not found.
    assert.is((await b('run', '--rm', '--rootfs', b.rootfs, 'nosuch')).code, 127);
    assert.is((await b('rm', '-f', 'ex')).code, 0);
  });
});

it('cp copies into a created container and out of an exited one without starting them', async () => {
  await withBerth(async (b) => {
    const tmp = join(b.root, '..');
    writeFileSync(join(tmp, 'to-created'), 'host data\n');
    const created = await b('create', '--name', 'fresh', '--rootfs', b.rootfs, 'cat', '/data/to-created');
    assert.is(created.code, 0, created.stderr);
    const into = await b('cp', join(tmp, 'to-created'), 'fresh:/data/');
    assert.equal([into.code, into.stderr], [0, '']);
    assert.is(JSON.parse((await b('inspect', 'fresh')).stdout)[0].State.Status, 'created', 'cp did not start it');
    assert.not.ok(existsSync(join(b.rootfs, 'data', 'to-created')), 'the --rootfs dir is never written');
    assert.is((await b('diff', 'fresh')).stdout, 'C /data\nA /data/to-created\n');
    const started = await b('start', '-a', 'fresh');
    assert.equal([started.code, started.stdout], [0, 'host data\n']);

    const ran = await b('run', '--name', 'done', '--rootfs', b.rootfs, 'sh', '-c', 'mkdir /out && echo result > /out/file');
    assert.is(ran.code, 0, ran.stderr);
    const out = await b('cp', 'done:/out', join(tmp, 'copied'));
    assert.equal([out.code, out.stderr], [0, '']);
    assert.equal(readdirSync(join(tmp, 'copied')), ['file']);
    assert.is(readFileSync(join(tmp, 'copied', 'file'), 'utf8'), 'result\n');
    const missing = await b('cp', 'done:/nope', tmp);
    assert.equal([missing.code, missing.stderr], [1, 'Error: No such container:path: done:/nope\n']);
    assert.is(JSON.parse((await b('inspect', 'done')).stdout)[0].State.Status, 'exited');
    assert.equal(mountsUnder(b.stateDir), [], 'no overlay left mounted');
    assert.equal(
      readdirSync(b.stateDir).filter((n) => n.startsWith('root-')),
      [],
      'no mount point left behind',
    );
  });
});

it("exec --env-file: the file's variables (comments out), -e after them; a file it cannot read: Go's words, exit 1", async () => {
  await withBerth(async (b) => {
    assert.is((await b('run', '-d', '--name', 'envs', '--rootfs', b.rootfs, 'sh', '-c', SERVE)).code, 0);
    await waitReady(b, 'envs');
    const file = join(b.root, '..', 'env.list');
    writeFileSync(file, '# comment\nA=from-file\n\n  C=overridden\n');
    const r = await b('exec', '--env-file', file, '-e', 'C=from-e', 'envs', 'sh', '-c', 'echo $A $C');
    assert.equal([r.code, r.stdout], [0, 'from-file from-e\n'], r.stderr);
    const missing = await b('exec', '--env-file', join(b.root, '..', 'nope'), 'envs', 'true');
    assert.equal([missing.code, missing.stderr], [1, `berth: open ${join(b.root, '..', 'nope')}: no such file or directory\n`]);
    await b('rm', '-f', 'envs');
  });
});

test.run();
