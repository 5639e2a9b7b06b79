import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, cgroupLeftovers, narrowCpusetParent, shimsUnder, withBerth, type Berth } from '../../helpers/berth';

const test = suite('berth run: exit codes, output, bad input (built executables, real kernel)');
const it = isRoot ? test : test.skip;

const containers = (b: Berth) => (existsSync(join(b.root, 'containers')) ? readdirSync(join(b.root, 'containers')) : []);

it("run passes stdout and stderr apart and exits with the command's code", async () => {
  await withBerth(async (b) => {
    const r = await b('run', '--rm', '--rootfs', b.rootfs, 'sh', '-c', 'echo out; echo err >&2; exit 3');
    assert.equal([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
    assert.equal(containers(b), [], '--rm removed the container');
    assert.equal(cgroupLeftovers(), [], 'the cgroup is gone');
  });
});

it("Docker's exit codes: 127 not found, 126 not executable, 137 SIGKILL, 143 SIGTERM, 125 for Berth's own errors", async () => {
  await withBerth(async (b) => {
    const missing = await b('run', '--rm', '--rootfs', b.rootfs, 'nosuch');
    assert.equal([missing.code, missing.stderr], [127, 'berth: exec: "nosuch": executable file not found in $PATH\n']);
    assert.is((await b('run', '--rm', '--rootfs', b.rootfs, '/bin/noexec')).code, 126);
    // PID 1 cannot signal itself to death, so under --init (tini as PID 1, which reports 128+N as Docker does)
    assert.is((await b('run', '--rm', '--init', '--rootfs', b.rootfs, 'sh', '-c', 'kill -KILL $$')).code, 137);
    assert.is((await b('run', '--rm', '--init', '--rootfs', b.rootfs, 'sh', '-c', 'kill -TERM $$')).code, 143);
    const bad = await b('run', '--bogus', '--rootfs', b.rootfs, 'true');
    assert.equal([bad.code, bad.stderr], [125, "berth: unknown flag: --bogus\nSee 'berth run --help'.\n"]);
    const noImage = await b('run', 'nosuchimage');
    assert.equal([noImage.code, noImage.stderr], [125, 'berth: No such image: nosuchimage\n']);
    const badMem = await b('run', '-m', 'lots', '--rootfs', b.rootfs, 'true');
    assert.is(badMem.code, 125);
    assert.match(badMem.stderr, /invalid/);
    // Past an int64 of bytes: refused at create, not by the kernel at start (a container would be left).
    const hugeMem = await b('create', '-m', '99999999999999999999', '--rootfs', b.rootfs, 'true');
    assert.equal(
      [hugeMem.code, hugeMem.stderr],
      [
        125,
        `berth: invalid argument "99999999999999999999" for "-m, --memory" flag: invalid size: '99999999999999999999': more than an int64 of bytes\nSee 'berth create --help'.\n`,
      ],
    );
    assert.is((await b('run', '--restart', 'sometimes', '--rootfs', b.rootfs, 'true')).code, 125);
    assert.is((await b('run', '--rm', '--restart', 'always', '--rootfs', b.rootfs, 'true')).code, 125);
    assert.is((await b('run', '-w', 'relative', '--rootfs', b.rootfs, 'true')).code, 125);
    assert.is((await b('run', '-u', 'nosuchuser', '--rootfs', b.rootfs, 'true')).code, 125);
    assert.is((await b('run', '--cap-add', 'NOT_A_CAP', '--rootfs', b.rootfs, 'true')).code, 125);
    assert.is((await b('run', '--rootfs', join(b.rootfs, 'nowhere'), 'true')).code, 125);
    // A bad -p is refused before anything is made, in the docker CLI's words (docker: 125), in create too.
    for (const command of ['run', 'create']) {
      const badPort = await b(command, '-p', 'bogus', '--rootfs', b.rootfs, 'true');
      assert.equal(
        [badPort.code, badPort.stderr],
        [125, `berth: Invalid containerPort: bogus.\nSee 'berth ${command} --help'.\n`],
        command,
      );
    }
    // create: 125 for what docker's CLI refuses itself (a flag's value), 1 for what its daemon refuses; run: 125 for both.
    const cliSide = [
      ['--dns', 'nope'],
      ['--label', '=x'],
      ['--env-file', join(b.rootfs, 'nowhere')],
      ['-m', 'bogus'],
      ['--restart', 'on-failure:x'],
    ];
    // --cpus and --cpuset-cpus beyond the host's CPUs are refused at create, as dockerd: no container is left
    const daemonSide = [
      ['--cpus', '999'],
      ['--cpuset-cpus', '999'],
      ['--restart', 'sometimes'],
      ['-w', 'relative'],
      ['--cap-add', 'NOT_A_CAP'],
      ['-v', 'a:b:c:d'],
    ];
    for (const [flags, code] of [...cliSide.map((f) => [f, 125] as const), ...daemonSide.map((f) => [f, 1] as const)]) {
      const created = await b('create', ...flags, '--rootfs', b.rootfs, 'true');
      assert.is(created.code, code, `create ${flags.join(' ')}: ${created.stderr}`);
      assert.is((await b('run', ...flags, '--rootfs', b.rootfs, 'true')).code, 125, `run ${flags.join(' ')}`);
    }
    const label = await b('create', '--label', '=x', '--rootfs', b.rootfs, 'true');
    assert.is(
      label.stderr,
      `berth: invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name\nSee 'berth create --help'.\n`,
    );
    assert.equal([(await b('create', 'nosuch-image:1')).code, (await b('run', 'nosuch-image:1')).code], [1, 125]);
    await b('create', '--name', 'taken', '--rootfs', b.rootfs, 'true');
    assert.equal(
      [
        (await b('create', '--name', 'taken', '--rootfs', b.rootfs, 'true')).code,
        (await b('run', '--name', 'taken', '--rootfs', b.rootfs, 'true')).code,
      ],
      [1, 125],
    );
    await b('rm', 'taken');
    // Only a wrong count of operands exits 1, as cobra's Args check in docker run.
    const noArgs = await b('run');
    assert.equal(
      [noArgs.code, noArgs.stderr],
      [
        1,
        `berth: "berth run" requires at least 1 argument.\nSee 'berth run --help'.\n\nUsage:  berth run [OPTIONS] IMAGE|--rootfs DIR [COMMAND] [ARG...]\n\nRun a command in a new container\n`,
      ],
    );
    const long = await b('run', '--name', 'a'.repeat(5000), '--rootfs', b.rootfs, 'true');
    assert.equal(
      [long.code, long.stderr],
      [125, 'berth: Invalid container name (aaaaaaaaaaaaaaaaaaaa...): 5000 characters, at most 255 are allowed\n'],
    );
    assert.is((await b('run', '--rm', '--name', 'b'.repeat(255), '--rootfs', b.rootfs, 'true')).code, 0, '255 characters fit');
    assert.equal(containers(b), [], 'no bad input left a container');
    assert.equal(cgroupLeftovers(), []);
  });
});

it("-u sets Docker's supplementary groups; the user is looked up in the image, never in the host's /etc/passwd", async () => {
  await withBerth(async (b) => {
    const id = async (...args: string[]) => (await b('run', '--rm', '--network', 'none', ...args, 'id')).stdout;
    assert.is(await id('-u', 'app', '--rootfs', b.rootfs), 'uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n'); // the kernel sorts them
    assert.is(await id('--rootfs', b.rootfs), 'uid=0(root) gid=0(root) groups=0(root)\n');
    assert.is(await id('-u', '5000:2000', '--rootfs', b.rootfs), 'uid=5000 gid=2000(extra) groups=2000(extra)\n');
    // A root whose /etc/passwd is a link to the host's: "daemon" (host uid 1) must stay unknown.
    const linked = join(b.root, '..', 'linked-passwd');
    cpSync(b.rootfs, linked, { recursive: true, verbatimSymlinks: true });
    rmSync(join(linked, 'etc/passwd'));
    symlinkSync('/etc/passwd', join(linked, 'etc/passwd'));
    const r = await b('run', '--rm', '--network', 'none', '-u', 'daemon', '--rootfs', linked, 'id');
    assert.equal([r.code, r.stderr], [125, 'berth: unable to find user daemon: no matching entries in passwd file\n']);
    // The same for exec, which reads the running container's files.
    assert.is((await b('run', '-d', '--name', 'lp', '--network', 'none', '--rootfs', linked, 'sleep', '100')).code, 0);
    try {
      const x = await b('exec', '-u', 'daemon', 'lp', 'id');
      assert.ok(x.code !== 0 && !x.stdout.includes('uid=1'), `exec -u daemon: ${x.code} ${x.stdout} ${x.stderr}`);
      assert.match(x.stderr, /unable to find user daemon/);
    } finally {
      await b('rm', '-f', 'lp');
    }
  });
});

it('a name in use is refused with 125 and the first container is untouched', async () => {
  await withBerth(async (b) => {
    assert.is((await b('create', '--name', 'one', '--rootfs', b.rootfs, 'true')).code, 0);
    const again = await b('run', '--name', 'one', '--rootfs', b.rootfs, 'true');
    assert.is(again.code, 125);
    assert.match(again.stderr, /The container name "\/one" is already in use by container "[0-9a-f]{64}"/);
    assert.is(containers(b).length, 1);
    assert.is((await b('run', '--name', 'bad/name', '--rootfs', b.rootfs, 'true')).code, 125);
    // An empty name is no name, as in docker: a generated adjective_surname.
    const unnamed = await b('create', '--name', '', '--rootfs', b.rootfs, 'true');
    assert.is(unnamed.code, 0, unnamed.stderr);
    assert.match((await b('inspect', '-f', '{{.Name}}', unnamed.stdout.trim())).stdout, /^\/[a-z]+_[a-z]+\n$/);
  });
});

it('-i passes stdin; without -i the container reads nothing', async () => {
  await withBerth(async (b) => {
    assert.is((await b.withInput('line one\nline two\n', 'run', '--rm', '-i', '--rootfs', b.rootfs, 'wc', '-l')).stdout.trim(), '2');
    assert.is((await b.withInput('ignored\n', 'run', '--rm', '--rootfs', b.rootfs, 'wc', '-l')).stdout.trim(), '0');
  });
});

it('-i passes a large stdin from a file whole: read in chunks larger than a frame, sent in frames', async () => {
  await withBerth(async (b) => {
    const file = join(b.root, '..', 'stdin.bin');
    writeFileSync(file, Buffer.alloc(3 << 20, 'x'));
    const fd = openSync(file, 'r');
    try {
      const args = ['run', '--rm', '-i', '--network', 'none', '--cgroup-parent', CGROUP_PARENT, '--rootfs', b.rootfs, 'wc', '-c'];
      const r = spawnSync(BERTH, ['--root', b.root, '--state-dir', b.stateDir, ...args], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      assert.equal([r.status, r.stdout.trim(), r.stderr], [0, String(3 << 20), '']);
    } finally {
      closeSync(fd);
    }
  });
});

it('a reader that goes away (| head -2) loses the rest of the output: berth ends with the container, no EPIPE', async () => {
  await withBerth(async (b) => {
    const args = ['run', '--rm', '--network', 'none', '--cgroup-parent', CGROUP_PARENT, '--rootfs', b.rootfs];
    const loop = 'i=0; while [ $i -lt 20000 ]; do echo $i; i=$((i+1)); done; exit 3';
    const line = [BERTH, '--root', b.root, '--state-dir', b.stateDir, ...args, 'sh', '-c', `'${loop}'`].join(' ');
    const r = spawnSync('bash', ['-c', `${line} | head -2; echo "berth:\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    assert.equal([r.stdout, r.stderr], ['0\n1\nberth:3\n', '']);
    assert.equal(containers(b), [], '--rm removed the container');
  });
});

it("--rm mounts the container layer volatile (its end syncs no host filesystem); a kept container's is not", async () => {
  await withBerth(async (b) => {
    const rootOptions = (out: string) => out.split('\n').find((l) => l.split(' ')[4] === '/') ?? '';
    const gone = await b('run', '--rm', '--rootfs', b.rootfs, 'cat', '/proc/self/mountinfo');
    assert.is(gone.code, 0, gone.stderr);
    assert.match(rootOptions(gone.stdout), /overlay .*volatile/);
    const kept = await b('run', '--rootfs', b.rootfs, 'cat', '/proc/self/mountinfo');
    assert.match(rootOptions(kept.stdout), /overlay /);
    assert.not.match(rootOptions(kept.stdout), /volatile/);
  });
});

it('the rootfs dir is never written: changes land in the container layer', async () => {
  await withBerth(async (b) => {
    const r = await b(
      'run',
      '--name',
      'ww',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'echo new > /data/new.txt && rm /data/hello.txt && cat /data/new.txt',
    );
    assert.equal([r.code, r.stdout], [0, 'new\n']);
    assert.ok(existsSync(join(b.rootfs, 'data/hello.txt')));
    assert.not.ok(existsSync(join(b.rootfs, 'data/new.txt')));
    const id = (await b('ps', '-aq', '--no-trunc')).stdout.trim();
    assert.ok(existsSync(join(b.root, 'containers', id, 'diff/data/new.txt')));
  });
});

it('the container is in its own cgroup in every hierarchy the host has, cgroup v2 included, from its first instruction', async () => {
  await withBerth(async (b) => {
    // PID 1 execs cat: what it prints is where the first process was when it exec'd.
    const r = await b('run', '--name', 'cg', '--rootfs', b.rootfs, 'cat', '/proc/self/cgroup');
    assert.is(r.code, 0, r.stderr);
    const id = (await b('ps', '-aq', '--no-trunc')).stdout.trim();
    const hierarchies = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((l) => l.slice(0, l.lastIndexOf(':')));
    assert.equal(hierarchies(r.stdout), hierarchies(readFileSync('/proc/self/cgroup', 'utf8')));
    for (const line of r.stdout.trim().split('\n')) assert.is(line.slice(line.lastIndexOf(':') + 1), `${CGROUP_PARENT}/${id}`, line);
  });
});

const hasTwoCpusets = existsSync('/sys/fs/cgroup/cpuset') && availableParallelism() >= 2;

(hasTwoCpusets ? it : test.skip)(
  'a cgroup that cannot be made at start leaves nothing (supervisor, state dir, socket, cgroup); the container stays Created',
  async () => {
    await withBerth(async (b) => {
      const { parent, widen } = narrowCpusetParent();
      // Create checks --cpuset-cpus against the host; the start against the parent's cpuset.
      const r = await b('run', '--name', 'narrow', '--cgroup-parent', parent, '--cpuset-cpus', '1', '--rootfs', b.rootfs, 'echo', 'ran');
      assert.equal([r.code, r.stdout, r.stderr], [125, '', 'berth: Requested CPUs are not available - requested 1, available: 0\n']);
      assert.equal(shimsUnder(join(b.root, '..')), [], 'no supervisor is left');
      const id = (await b('inspect', '--format', '{{.Id}}', 'narrow')).stdout.trim();
      assert.is((await b('ps', '-a', '--format', '{{.Status}}')).stdout, 'Created\n');
      assert.equal(readdirSync(join(b.stateDir, 'containers')), [], 'no state dir');
      assert.equal(existsSync(join(b.stateDir, 'sockets')) ? readdirSync(join(b.stateDir, 'sockets')) : [], []);
      assert.equal(
        readdirSync('/sys/fs/cgroup').filter((h) => existsSync(join('/sys/fs/cgroup', h, parent, id))),
        [],
        'no cgroup dir',
      );
      widen();
      assert.is((await b('start', '-a', 'narrow')).stdout, 'ran\n', 'the same container starts once the CPU is there');
    });
  },
);

it("an exec'd process is in the container's cgroup in every hierarchy, cgroup v2 included", async () => {
  await withBerth(async (b) => {
    const id = (await b('run', '-d', '--name', 'cgx', '--rootfs', b.rootfs, 'sleep', '100')).stdout.trim();
    try {
      // Twice: the first exec goes through Bun and saves the template the front uses for the second.
      for (const round of [1, 2]) {
        const r = await b('exec', 'cgx', 'cat', '/proc/self/cgroup');
        assert.is(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split('\n');
        assert.is(lines.length, readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').length, `round ${round}`);
        for (const line of lines) assert.is(line.slice(line.lastIndexOf(':') + 1), `${CGROUP_PARENT}/${id}`, `round ${round}: ${line}`);
      }
      // The exec helper stays outside the container's cgroups: top shows the exec'd process only.
      const running = b('exec', 'cgx', 'sleep', '7');
      let top = '';
      for (let i = 0; i < 50 && !top.includes('sleep 7'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        top = (await b('top', 'cgx')).stdout;
      }
      assert.match(top, /sleep 7/);
      assert.not.match(top, /berth-shim/);
      await b('rm', '-f', 'cgx');
      await running;
    } finally {
      await b('rm', '-f', 'cgx');
    }
  });
});

const hasProcess = (argv: string) =>
  readdirSync('/proc').some((entry) => {
    try {
      return /^\d+$/.test(entry) && readFileSync(`/proc/${entry}/cmdline`, 'utf8') === argv;
    } catch {
      return false;
    }
  });

it('--rm: a child that PID 1 forked and left running goes with it; nothing of the container is left', async () => {
  await withBerth(async (b) => {
    const r = await b('run', '--rm', '--rootfs', b.rootfs, 'sh', '-c', 'sleep 3141 & exit 4');
    assert.is(r.code, 4, r.stderr);
    assert.equal(containers(b), [], '--rm removed the container');
    assert.equal(cgroupLeftovers(), [], 'the cgroup is gone');
    assert.is(hasProcess('sleep\x003141\x00'), false, 'the forked child is gone');
    assert.equal(readdirSync(join(b.stateDir, 'containers')), [], 'the state dir is gone');
    assert.equal(readdirSync(join(b.stateDir, 'locks')), [], 'the lock file is gone');
  });
});

it("--rm: a process outside the container's PID namespace but in its cgroup is killed by the cleanup", async () => {
  await withBerth(async (b) => {
    const shared = join(b.root, 'shared');
    mkdirSync(shared, { recursive: true });
    const running = b(
      'run',
      '--rm',
      '-v',
      `${shared}:/w`,
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'while [ ! -e /w/go ]; do sleep 0.02; done; exit 5',
    );
    const stray = spawn('sleep', ['2718'], { stdio: 'ignore' });
    try {
      // Once the container runs, every hierarchy has its dir with PID 1 in it.
      const joined = (dirs: string[]) =>
        dirs.length > 0 && dirs.every((dir) => readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '');
      let dirs: string[] = [];
      for (let i = 0; i < 500 && !joined(dirs); i++) {
        await new Promise((r) => setTimeout(r, 20));
        dirs = cgroupLeftovers();
      }
      assert.ok(joined(dirs), 'the container runs in its cgroup');
      for (const dir of dirs) writeFileSync(join(dir, 'cgroup.procs'), String(stray.pid));
      writeFileSync(join(shared, 'go'), '');
      const r = await running;
      assert.is(r.code, 5, r.stderr);
      // The kill comes before run returns; its exit reaches this process a moment later.
      for (let i = 0; i < 250 && stray.signalCode === null; i++) await new Promise((r) => setTimeout(r, 20));
      assert.is(stray.signalCode, 'SIGKILL', 'the cleanup killed it');
      assert.equal(containers(b), [], '--rm removed the container');
      assert.equal(cgroupLeftovers(), [], 'the cgroup is gone');
    } finally {
      stray.kill('SIGKILL');
    }
  });
});

test.run();
