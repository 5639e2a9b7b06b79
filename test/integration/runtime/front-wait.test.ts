import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isRoot, run } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, isEnding, withBerth, type Berth } from '../../helpers/berth';

/**
 * The front as the Bun program's parent (plugins/front/berth-wait.c, lib/exit-to-front.ts): the
 * caller's signals reach Bun once, Bun dies with the front, the front ends as Bun did, and output
 * read to EOF is whole.
 */
const test = suite("berth's front waits for the Bun program's exit code (built executables, real kernel)");
const hasFront = () => existsSync(BERTH) && readFileSync(BERTH).subarray(0, 4).toString('latin1') === '\x7fELF';
const it = isRoot && hasFront() ? test : test.skip;

/** `berth ARGS` spawned with piped output, for signals to its pid; resolves with what it printed and how it ended. */
function start(b: Berth, args: string[]) {
  const globals = ['--root', b.root, '--state-dir', b.stateDir];
  const cmd = args[0] === 'run' ? ['run', '--cgroup-parent', CGROUP_PARENT, '--network', 'none', ...args.slice(1)] : args;
  const child = spawn(BERTH, [...globals, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const printed = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => (stdout.includes(text) ? resolve() : child.stdout.once('data', () => setImmediate(check)));
      check();
    });
  return { child, ended, printed };
}

/** The front's one child, the Bun program; 0 before the front has made it. */
function bunOf(front: ChildProcess): number {
  const children = readFileSync(`/proc/${front.pid}/task/${front.pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  assert.ok(children.length <= 1, `the front has one child: ${children.join(' ')}`);
  return Number(children[0] ?? 0);
}

const gone = (pid: number) => !existsSync(`/proc/${pid}`) || /^State:\s+[ZX]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`still not: ${what}`);
}

// The container counts the TERMs it gets, and ends a while after the first so that a second one would be counted.
const COUNT_TERMS =
  'n=0; trap "n=\\$((n+1))" TERM; echo ready; while [ $n -eq 0 ]; do sleep 0.05; done; sleep 0.5; echo "terms $n"; exit 3';

it('kill -TERM of the front of a foreground run reaches the container once', async () => {
  await withBerth(async (b) => {
    const cli = start(b, ['run', '--rm', '--rootfs', b.rootfs, 'sh', '-c', COUNT_TERMS]);
    await cli.printed('ready\n');
    assert.ok(bunOf(cli.child) > 0);
    cli.child.kill('SIGTERM');
    const end = await cli.ended;
    assert.equal([end.code, end.signal, end.stdout], [3, null, 'ready\nterms 1\n'], end.stderr);
  });
});

it('SIGKILL of the front ends the Bun program at once; the container stays supervised', async () => {
  await withBerth(async (b) => {
    const cli = start(b, ['run', '--name', 'kept', '--rootfs', b.rootfs, 'sh', '-c', 'echo ready; sleep 1000']);
    await cli.printed('ready\n');
    const bun = bunOf(cli.child);
    cli.child.kill('SIGKILL');
    const end = await cli.ended;
    assert.is(end.signal, 'SIGKILL');
    await until(() => gone(bun) || isEnding(bun), 'the Bun program died with the front');
    assert.is((await b('inspect', '--format', '{{.State.Status}}', 'kept')).stdout, 'running\n');
  });
});

it('the front exits with the exit code, and dies by the signal that ended the Bun program', async () => {
  await withBerth(async (b) => {
    assert.is((await b('run', '--rm', '--rootfs', b.rootfs, 'sh', '-c', 'exit 7')).code, 7);
    assert.is((await b('inspect', 'no-such-container')).code, 1);
    const id = (await b('run', '-d', '--rootfs', b.rootfs, 'sleep', '1000')).stdout.trim();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      // `wait` keeps the Bun program running, with no handler of its own for either signal.
      const waiting = start(b, ['wait', id]);
      await until(() => bunOf(waiting.child) > 0, 'Bun runs');
      process.kill(bunOf(waiting.child), signal);
      const end = await waiting.ended;
      assert.equal([end.code, end.signal], [null, signal], `Bun killed by ${signal}`);
    }
    // Started with stdin and stdout closed, the pipe must not take their numbers (ps would write its table into it).
    const closed = await run('sh', ['-c', 'exec "$0" "$@" <&- >&-', BERTH, '--root', b.root, '--state-dir', b.stateDir, 'ps', '-a']);
    assert.equal([closed.code, closed.stderr], [0, ''], 'stdin and stdout closed');
    const relayed = start(b, ['wait', id]);
    await until(() => bunOf(relayed.child) > 0, 'Bun runs');
    relayed.child.kill('SIGTERM');
    assert.is((await relayed.ended).signal, 'SIGTERM', 'a TERM to the front reaches Bun, and the front ends as Bun did');
  });
});

it("output read to EOF is whole, with a reader slower than the writer; the container does not see the front's pipe variable", async () => {
  await withBerth(async (b) => {
    const lines = 20000;
    const id = (
      await b(
        'run',
        '-d',
        '--rootfs',
        b.rootfs,
        'sh',
        '-c',
        `i=0; while [ $i -lt ${lines} ]; do echo "line $i of the log"; i=$((i+1)); done; sleep 1000`,
      )
    ).stdout.trim();
    await until(
      () => readFileSync(`${b.root}/containers/${id}/container.log`, 'utf8').includes(`line ${lines - 1} `),
      'the log is written',
    );
    const logs = start(b, ['logs', id]);
    logs.child.stdout.pause();
    await new Promise((r) => setTimeout(r, 300));
    logs.child.stdout.resume();
    const end = await logs.ended;
    assert.is(end.code, 0, end.stderr);
    const got = end.stdout.split('\n');
    assert.equal([got.length, got[0], got[lines - 1]], [lines + 1, 'line 0 of the log', `line ${lines - 1} of the log`]);
    const inspect = await b('inspect', id);
    assert.is(inspect.json?.[0]?.Id, id, 'inspect read to EOF parses');
    assert.not.match((await b('run', '--rm', '--rootfs', b.rootfs, 'env')).stdout, /BERTH_FRONT_EXIT_FD/, "not in the container's");
  });
});

test.run();
