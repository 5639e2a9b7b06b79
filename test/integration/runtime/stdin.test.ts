import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { isRoot } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, withBerth, type Berth } from '../../helpers/berth';

const test = suite('berth: large stdin and stdout at once (built executables, real kernel)');
const it = isRoot ? test : test.skip;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * `cat` in a container with `input` on its stdin: the supervisor must keep reading the container's
 * output while the container is slow to read its input, or both block for ever (the timeout kills).
 */
function pipeThrough(b: Berth, input: Buffer, args: string[]): { code: number | null; out: Buffer; stderr: string } {
  const r = spawnSync(BERTH, ['--root', b.root, '--state-dir', b.stateDir, ...args], {
    input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, out: r.stdout ?? Buffer.alloc(0), stderr: String(r.stderr ?? '') };
}

/** `run -i --rm` of the test's rootfs, as withBerth would add the cgroup parent and --network none. */
const runInteractive = (b: Berth) => ['run', '-i', '--rm', '--network', 'none', '--cgroup-parent', CGROUP_PARENT, '--rootfs', b.rootfs];

for (const size of [1_000_000, 8_000_000]) {
  it(`run -i cat passes ${size} bytes through unchanged (no deadlock between stdin and stdout)`, async () => {
    await withBerth(async (b) => {
      const input = randomBytes(size);
      const r = pipeThrough(b, input, [
        'run',
        '-i',
        '--rm',
        '--network',
        'none',
        '--cgroup-parent',
        CGROUP_PARENT,
        '--rootfs',
        b.rootfs,
        'cat',
      ]);
      assert.is(r.stderr, '');
      assert.is(r.code, 0, 'berth ended by itself (not killed by the timeout)');
      assert.is(r.out.length, size);
      assert.is(sha(r.out), sha(input));
    });
  });
}

it('start -a -i and exec -i pass 8 MB through unchanged', async () => {
  await withBerth(async (b) => {
    const input = randomBytes(8_000_000);
    assert.is((await b('create', '-i', '--name', 'cat1', '--rootfs', b.rootfs, 'cat')).code, 0);
    const started = pipeThrough(b, input, ['start', '-a', '-i', 'cat1']);
    assert.equal([started.code, started.stderr], [0, '']);
    assert.is(sha(started.out), sha(input));
    assert.is((await b('run', '-d', '--name', 'sleeper', '--rootfs', b.rootfs, 'sleep', '60')).code, 0);
    const exec = pipeThrough(b, input, ['exec', '-i', 'sleeper', 'sh', '-c', 'cat; echo done >&2']);
    assert.equal([exec.code, exec.stderr], [0, 'done\n']);
    assert.is(sha(exec.out), sha(input));
  });
});

it('stdin the container never reads does not hold up its exit or its output', async () => {
  await withBerth(async (b) => {
    const r = pipeThrough(b, randomBytes(4_000_000), [...runInteractive(b), 'sh', '-c', 'head -c 3000000 /dev/zero; exit 5']);
    assert.is(r.code, 5);
    assert.is(r.out.length, 3_000_000);
  });
});

test.run();
