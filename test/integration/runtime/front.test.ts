import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePackages, isRoot, run, withTempDir } from '../../helpers/sandbox';
import { BERTH, withBerth, type Berth } from '../../helpers/berth';

/**
 * The front's `berth exec` (plugins/front/berth.c): the same process, output and exit codes as the
 * Bun program's, and the Bun program for everything the front does not take. A copy of the front
 * with berth-shim and without the Bun executable beside it does only what the front itself does.
 */
const test = suite("berth's front: exec and ps (built executables, real kernel)");
/** The front is there only where berth is compiled with Bun (a Node build's dist/bin/berth is a script). */
const hasFront = () => existsSync(BERTH) && readFileSync(BERTH).subarray(0, 4).toString('latin1') === '\x7fELF';
const it = isRoot && hasFront() ? test : test.skip;

const SERVE = 'trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done';
const PROBE =
  'echo "$(id -u):$(id -g) $(pwd)"; env | sort; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; cat /proc/self/cgroup | sort';

async function waitReady(b: Berth, name: string): Promise<void> {
  for (let i = 0; i < 200 && (await b('logs', name)).stdout !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
}

/** dist/bin/berth (the front) and dist/lib/berth-shim copied to `dir`, with no Bun program to fall back to. */
function frontOnly(dir: string): string {
  for (const sub of ['bin', 'lib']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(realpathSync(BERTH), join(dir, 'bin/berth'));
  copyFileSync(join(BERTH, '../../lib/berth-shim'), join(dir, 'lib/berth-shim'));
  return join(dir, 'bin/berth');
}

it('exec through the front matches the Bun program, and leaves the rest to it', async () => {
  await withBerth(async (b) => {
    await withTempDir(async (tmp) => {
      const front = frontOnly(tmp);
      const f = (...args: string[]) => run(front, ['--root', b.root, '--state-dir', b.stateDir, ...args]);
      assert.is((await b('run', '-d', '--name', 'fx', '-e', 'KEEP=1', '-w', '/data', '--rootfs', b.rootfs, 'sh', '-c', SERVE)).code, 0);
      await waitReady(b, 'fx');
      const id: string = JSON.parse((await b('inspect', 'fx')).stdout)[0].Id;
      const template = join(b.stateDir, 'containers', id, 'exec.args');

      assert.ok(existsSync(template), 'the start saved the template');
      // A container started by an older berth has none: the front hands over to Bun, which saves it.
      rmSync(template);
      const notYet = await f('exec', 'fx', 'true');
      assert.ok(notYet.code !== 0 && /cannot run/.test(notYet.stderr), 'no template yet: the front hands over to Bun');
      const bun = await b('exec', '-e', 'KEEP=2', '-e', 'NEW=x', '-w', '/tmp', 'fx', 'sh', '-c', PROBE);
      assert.is(bun.code, 0, bun.stderr);
      assert.ok(existsSync(template), 'the Bun program saved the template');
      assert.ok(readFileSync(template, 'utf8').endsWith('\0'));

      for (const ref of ['fx', id, id.slice(0, 12), `/fx`]) {
        const got = await f('exec', '-e', 'KEEP=2', '-e', 'NEW=x', '-w', '/tmp', ref, 'sh', '-c', PROBE);
        assert.equal([got.code, got.stdout, got.stderr], [0, bun.stdout, ''], ref);
      }
      const plain = await f('exec', 'fx', 'sh', '-c', 'echo "$KEEP $(pwd)"; read x; echo "stdin:$x"');
      assert.equal([plain.code, plain.stdout], [0, '1 /data\nstdin:\n'], 'the record env and workdir; stdin is /dev/null without -i');
      const input = await run(front, ['--root', b.root, '--state-dir', b.stateDir, 'exec', '-i', 'fx', 'cat'], { input: 'piped\n' });
      assert.equal([input.code, input.stdout], [0, 'piped\n']);
      assert.is((await f('exec', 'fx', 'sh', '-c', 'exit 3')).code, 3);
      const missing = await f('exec', 'fx', 'nosuch');
      assert.equal(
        [missing.code, missing.stderr],
        [126, 'berth: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH\n'],
      );

      // -t: the container's own terminal, the caller's window size, TERM (script(1) plays the caller's terminal).
      const tty = await run('script', [
        '-qec',
        `stty rows 12 cols 34; ${front} --root ${b.root} --state-dir ${b.stateDir} exec -it fx sh -c 'tty; stty size; echo $TERM; exit 6'`,
        '/dev/null',
      ]);
      assert.is(tty.code, 6);
      assert.equal(
        tty.stdout
          .replace(/\^@|\0/g, '')
          .split(/\r*\n/)
          .filter(Boolean),
        ['/dev/pts/0', '12 34', 'xterm'],
      );

      // Not the front's: -u, -d, an unknown flag, an unknown container; each goes to the Bun program.
      for (const args of [['-u', 'app'], ['-d'], ['--privileged'], ['-e', 'FROMCALLER']]) {
        const r = await f('exec', ...args, 'fx', 'true');
        assert.ok(r.code !== 0 && /cannot run/.test(r.stderr), args.join(' '));
      }
      assert.match((await f('exec', 'nosuch', 'true')).stderr, /cannot run/);
      assert.equal((await b('exec', 'nosuch', 'true')).stderr, 'Error: No such container: nosuch\n');

      // A rewritten record makes the template stale until the Bun program saves it again.
      assert.is((await b('rename', 'fx', 'fy')).code, 0);
      assert.match((await f('exec', 'fy', 'true')).stderr, /cannot run/);
      assert.is((await b('exec', 'fy', 'true')).code, 0);
      assert.is((await f('exec', 'fy', 'true')).code, 0);

      // Paused: refused by the Bun program with Docker's words.
      assert.is((await b('pause', 'fy')).code, 0);
      assert.match((await f('exec', 'fy', 'true')).stderr, /cannot run/);
      const paused = await b('exec', 'fy', 'true');
      assert.equal(
        [paused.code, paused.stderr],
        [
          1,
          `berth: Container fy is paused, unpause the container before exec
`,
        ],
      );
      assert.is((await b('unpause', 'fy')).code, 0);
      assert.is((await b('rm', '-f', 'fy')).code, 0);
      assert.match((await f('exec', id, 'true')).stderr, /cannot run/, 'a removed container is not the front');
    });
  });
});

/** The compiled Bun program itself (dist/lib/cni.<hash>), as the front execs it for everything else. */
function compiledProgram(): string {
  const lib = join(dirname(realpathSync(BERTH)), '../lib');
  return join(lib, readdirSync(lib).find((f) => /^cni\.[0-9a-f]{16}$/.test(f)) as string);
}

/**
 * Ages move on between two runs: "3 seconds ago" and "4 seconds ago" are the same here, and so is
 * the padding of a table column whose widest cell is an age ("Less than a second" against "1 second").
 */
const timeless = (text: string) =>
  text.replace(/(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?))/g, 'T').replace(/ {2,}/g, '  ');

it('ps through the front runs without the JIT and prints what the program with the JIT prints', async () => {
  ensurePackages('strace');
  await withBerth(async (b) => {
    await withTempDir(async (tmp) => {
      assert.is((await b('run', '-d', '--name', 'up', '--label', 'k=v', '--rootfs', b.rootfs, 'sleep', '1000')).code, 0);
      assert.is((await b('run', '--name', 'done', '--rootfs', b.rootfs, 'sh', '-c', 'exit 3')).code, 3);
      const globals = ['--root', b.root, '--state-dir', b.stateDir];
      const trace = join(tmp, 'trace');
      const traced = await run('strace', ['-f', '-qq', '-v', '-s', '64', '-e', 'trace=execve', '-o', trace, BERTH, ...globals, 'ps']);
      assert.is(traced.code, 0, traced.stderr);
      const execs = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => /execve\(".*\/cni\.[0-9a-f]{16}"/.test(l));
      assert.is(execs.length, 1);
      assert.match(execs[0], /"BUN_JSC_useJIT=0"/);
      for (const args of [
        ['ps'],
        ['ps', '-a'],
        ['ps', '-a', '--format', 'json'],
        ['ps', '-aq', '--no-trunc'],
        ['ps', '-a', '--filter', 'status=exited'],
      ]) {
        const front = await run(BERTH, [...globals, ...args]);
        const jit = await run(compiledProgram(), [...globals, ...args], { argv0: 'berth' });
        assert.equal([front.code, timeless(front.stdout), front.stderr], [0, timeless(jit.stdout), ''], args.join(' '));
      }
      assert.match((await run(BERTH, [...globals, 'ps', '-a'])).stdout, /Exited \(3\)/);

      // The front hands over the records' summary lines; one written before them, and one whose
      // line is longer than the front reads, are read by the program instead.
      assert.is((await b('create', '--name', 'big', '--label', `long=${'x'.repeat(5000)}`, '--rootfs', b.rootfs, 'true')).code, 0);
      const doneId = JSON.parse((await b('inspect', 'done')).stdout)[0].Id as string;
      const doneFile = join(b.root, 'containers', doneId, 'config.json');
      assert.ok(readFileSync(doneFile, 'utf8').startsWith('{"Ps":{'));
      writeFileSync(doneFile, `${JSON.stringify(JSON.parse(readFileSync(doneFile, 'utf8')), null, 1)}\n`);
      for (const args of [
        ['ps', '-a'],
        ['ps', '-a', '--format', 'json'],
      ]) {
        const front = await run(BERTH, [...globals, ...args]);
        const jit = await run(compiledProgram(), [...globals, ...args], { argv0: 'berth' });
        assert.equal([front.code, timeless(front.stdout), front.stderr], [0, timeless(jit.stdout), ''], args.join(' '));
        assert.match(front.stdout, /done/);
        assert.match(front.stdout, /big/);
      }
      assert.is((await b('rm', '-f', 'up', 'done', 'big')).code, 0);
    });
  });
});

test.run();
