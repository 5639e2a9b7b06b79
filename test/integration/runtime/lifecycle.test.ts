import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { isRoot } from '../../helpers/sandbox';
import { cgroupLeftovers, withBerth, type Berth } from '../../helpers/berth';

const test = suite('berth: the lifecycle commands (built executables, real kernel)');
const it = isRoot ? test : test.skip;

const detached = async (b: Berth, ...args: string[]) => {
  const r = await b('run', '-d', ...args);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  return r.stdout.trim();
};
const inspect = async (b: Berth, ref: string) => JSON.parse((await b('inspect', ref)).stdout)[0];
// A PID 1 that ends on SIGTERM (PID 1 ignores signals it has no handler for).
const SERVE = 'trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done';

it('run -d, ps, inspect, exec, logs, stop, start, restart, rm', async () => {
  await withBerth(async (b) => {
    const id = await detached(b, '--name', 'web', '--rootfs', b.rootfs, 'sh', '-c', `echo to-stderr >&2; ${SERVE}`);
    const ps = (await b('ps')).stdout.split('\n');
    assert.is(
      ps[0],
      'CONTAINER ID   IMAGE' + ' '.repeat(ps[0].indexOf('COMMAND') - 20) + 'COMMAND' + ps[0].slice(ps[0].indexOf('COMMAND') + 7),
    );
    assert.match(ps[1], new RegExp(`^${id.slice(0, 12)} .* Up (Less than a second|\\d+ seconds?) .* web$`));
    const info = await inspect(b, id.slice(0, 5));
    assert.equal(
      [info.Id, info.Name, info.State.Status, info.State.Running, info.State.Paused, info.State.ExitCode, info.State.OOMKilled],
      [id, '/web', 'running', true, false, 0, false],
    );
    assert.ok(info.State.Pid > 1);
    assert.is(readFileSync(`/proc/${info.State.Pid}/cmdline`, 'utf8').split('\0')[0], 'sh');
    assert.equal(
      Object.keys(info)
        .filter((k) => ['Config', 'HostConfig', 'Mounts', 'State'].includes(k))
        .sort(),
      ['Config', 'HostConfig', 'Mounts', 'State'],
    );
    const ex = await b('exec', '-e', 'X=1', '-u', 'app', '-w', '/tmp', 'web', 'sh', '-c', 'echo $X $(id -u) $(pwd) $$; exit 7');
    assert.equal([ex.code, ex.stdout.replace(/ \d+\n$/, '')], [7, '1 1000 /tmp']);
    assert.is((await b('exec', 'web', 'nosuch')).code, 126);
    const top = await b('top', 'web');
    assert.match(top.stdout, /sh -c echo to-stderr/);
    // The docker CLI's layout: columns at least 20 wide, the command (with its arguments) last.
    assert.match(top.stdout, /^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD\n/);
    // BSD options select every process of the host; only the container's may show (as docker top).
    const aux = (await b('top', 'web', 'aux')).stdout.trim().split('\n');
    assert.match(aux[0], /^USER +PID /);
    assert.ok(aux.length > 1 && aux.length < 6, `only the container's processes: ${aux.length - 1} lines`);
    assert.not.match(aux.join('\n'), /berth .*top web aux/, 'not the berth top command itself');
    // ps's refusal in one line, as dockerd reports it (the first line ps writes to stderr).
    const bogus = await b('top', 'web', '-o', 'bogus');
    assert.equal([bogus.code, bogus.stdout, bogus.stderr], [1, '', 'berth: ps: error: unknown user-defined format specifier "bogus"\n']);
    const logs = await b('logs', 'web');
    assert.equal([logs.stdout, logs.stderr], ['ready\n', 'to-stderr\n']);
    assert.match((await b('logs', '-t', 'web')).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ready\n$/);
    // --details: the (empty) attributes and a space before each line, after the time, as docker 20.10
    const details = await b('logs', '--details', 'web');
    assert.equal([details.stdout, details.stderr], [' ready\n', ' to-stderr\n']);
    assert.match((await b('logs', '--details', '-t', 'web')).stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z  ready\n$/);
    assert.equal(await b('logs', '--tail', '0', 'web'), { code: 0, stdout: '', stderr: '', json: undefined });
    // dockerd reads a --tail that is not a whole number as "all".
    assert.equal(await b('logs', '--tail', 'bogus', 'web'), await b('logs', 'web'));
    assert.is((await b('logs', '--since', '2099-01-01T00:00:00Z', 'web')).stdout, '');
    assert.is((await b('logs', '--until', '2000-01-01T00:00:00Z', 'web')).stdout, '', 'nothing before 2000');
    assert.is((await b('logs', '--until', '2099-01-01T00:00:00Z', 'web')).stdout, 'ready\n');
    const rmRunning = await b('rm', 'web');
    assert.equal(
      [rmRunning.code, rmRunning.stderr],
      [1, `Error: You cannot remove a running container ${id}. Stop the container before attempting removal or force remove\n`],
    );
    assert.equal(await b('stop', 'web'), { code: 0, stdout: 'web\n', stderr: '', json: undefined });
    const stopped = await inspect(b, 'web');
    assert.equal([stopped.State.Status, stopped.State.ExitCode, stopped.State.Pid], ['exited', 0, 0]);
    assert.match((await b('ps', '-a')).stdout, /Exited \(0\) (Less than a second|\d+ seconds?) ago/);
    assert.is((await b('ps', '-q')).stdout, '', 'ps without -a lists running ones only');
    const execStopped = await b('exec', 'web', 'true');
    // docker exits 1 for an error of any command but run and create (125: a refused flag).
    assert.equal(
      [execStopped.code, execStopped.stderr],
      [
        1,
        `berth: Container ${id} is not running
`,
      ],
    );
    assert.is(
      (await b('kill', 'web')).stderr,
      `Error: Cannot kill container: web: Container ${id} is not running
`,
    );
    assert.equal(cgroupLeftovers(), [], 'a stopped container holds no cgroup');
    assert.is((await b('start', 'web')).code, 0);
    assert.is((await inspect(b, 'web')).State.Status, 'running');
    // A bad -t is a flag error (docker: 125), refused before any container is touched.
    const badTime = await b('stop', '-t', 'abc', 'web');
    assert.equal(
      [badTime.code, badTime.stdout, badTime.stderr],
      [
        125,
        '',
        'berth: invalid argument "abc" for "-t, --time" flag: strconv.ParseInt: parsing "abc": invalid syntax\nSee \'berth stop --help\'.\n',
      ],
    );
    assert.is((await inspect(b, 'web')).State.Status, 'running');
    assert.is((await b('restart', '-t', '5', 'web')).code, 0);
    assert.is((await inspect(b, 'web')).State.Status, 'running');
    assert.is((await b('logs', 'web')).stdout, 'ready\nready\nready\n', 'logs span the runs');
    // As docker: rm reports a missing container and fails; rm -f reports it and does not.
    const rmMissing = await b('rm', 'nosuch');
    assert.equal([rmMissing.code, rmMissing.stderr], [1, 'Error: No such container: nosuch\n']);
    assert.equal(await b('rm', '-f', 'nosuch', 'web'), {
      code: 0,
      stdout: 'web\n',
      stderr: 'Error: No such container: nosuch\n',
      json: undefined,
    });
    assert.is((await b('ps', '-aq')).stdout, '');
    assert.equal(cgroupLeftovers(), []);
  });
});

it('stop sends SIGKILL after the timeout (137), kill -s sends the signal, wait prints the code', async () => {
  await withBerth(async (b) => {
    await detached(b, '--name', 'stubborn', '--rootfs', b.rootfs, 'sleep', '1000');
    assert.is((await b('stop', '-t', '1', 'stubborn')).code, 0);
    assert.is((await inspect(b, 'stubborn')).State.ExitCode, 137);
    await detached(b, '--name', 'usr1', '--rootfs', b.rootfs, 'sh', '-c', 'trap "exit 42" USR1; while :; do sleep 0.05; done');
    const waiter = b('wait', 'usr1');
    assert.is((await b('kill', '-s', 'USR1', 'usr1')).code, 0);
    assert.equal(await waiter, { code: 0, stdout: '42\n', stderr: '', json: 42 });
    const killStopped = await b('kill', 'usr1');
    assert.is(killStopped.code, 1);
    assert.is((await b('kill', '-s', 'NOSUCH', 'usr1')).code, 1, 'the daemon refuses the signal, not the flag parser (docker: 1)');
  });
});

it('pause and unpause freeze and thaw the container (ps shows Paused), rename, prefixes and filters', async () => {
  await withBerth(async (b) => {
    const id = await detached(b, '--name', 'frozen', '--rootfs', b.rootfs, 'sleep', '1000');
    assert.is((await b('pause', 'frozen')).code, 0);
    const info = await inspect(b, 'frozen');
    assert.equal([info.State.Status, info.State.Paused], ['paused', true]);
    assert.match(readFileSync(`/proc/${info.State.Pid}/status`, 'utf8'), /State:\s+[SD]/);
    assert.match((await b('ps')).stdout, /Up .* \(Paused\)/);
    const prefix = id.slice(0, 8);
    assert.is((await b('exec', prefix, 'true')).stderr, `berth: Container ${prefix} is paused, unpause the container before exec\n`);
    assert.is((await b('unpause', 'frozen')).code, 0);
    assert.is((await inspect(b, 'frozen')).State.Status, 'running');
    assert.is((await b('rename', 'frozen', 'thawed')).code, 0);
    // The docker CLI's own line after the daemon's reason; start names every container it failed on.
    const same = await b('rename', 'thawed', 'thawed');
    assert.equal(
      [same.code, same.stderr],
      [1, 'berth: Renaming a container with the same name as its current name\nError: failed to rename container named thawed\n'],
    );
    await b('create', '--name', 'other', '--rootfs', b.rootfs, 'true');
    const taken = await b('rename', 'thawed', 'other');
    assert.match(
      taken.stderr,
      /^berth: Error when allocating new name: Conflict\. The container name "\/other" is already in use by container "[0-9a-f]{64}"\. .*\nError: failed to rename container named thawed\n$/,
    );
    await b('rm', 'other');
    const starts = await b('start', 'thawed', 'nosuch', 'gone');
    assert.equal(
      [starts.code, starts.stdout, starts.stderr],
      [
        1,
        'thawed\n',
        'Error: No such container: nosuch\nError: No such container: gone\nError: failed to start containers: nosuch, gone\n',
      ],
    );
    assert.is((await inspect(b, id.slice(0, 12))).Name, '/thawed');
    assert.is((await b('ps', '-q', '--filter', 'name=thaw')).stdout, `${id.slice(0, 12)}\n`);
    assert.is((await b('ps', '-q', '--filter', 'status=exited')).stdout, '');
    const json = JSON.parse((await b('ps', '--format', 'json', '--no-trunc')).stdout);
    assert.equal([json.ID, json.Names, json.State], [id, 'thawed', 'running']);
    const missing = await b('inspect', 'nosuch');
    assert.equal([missing.code, missing.stdout, missing.stderr], [1, '[]\n', 'Error: No such object: nosuch\n']);
    const typed = await b('inspect', '--type', 'container', 'nosuch');
    assert.equal([typed.code, typed.stderr], [1, 'Error: No such container: nosuch\n']);
  });
});

it('kill of a paused container thaws it as dockerd does: SIGKILL ends it; another signal than --stop-signal does not thaw', async () => {
  await withBerth(async (b) => {
    await detached(b, '--name', 'iced', '--rootfs', b.rootfs, 'sleep', '1000');
    assert.is((await b('pause', 'iced')).code, 0);
    assert.is((await b('kill', 'iced')).code, 0);
    let state = (await inspect(b, 'iced')).State;
    for (let i = 0; i < 50 && state.Status !== 'exited'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await inspect(b, 'iced')).State;
    }
    assert.equal([state.Status, state.ExitCode], ['exited', 137], 'the SIGKILL was delivered: the container was thawed');
    await detached(b, '--name', 'custom', '--stop-signal', 'USR2', '--rootfs', b.rootfs, 'sleep', '1000');
    assert.is((await b('pause', 'custom')).code, 0);
    assert.is((await b('kill', '-s', 'HUP', 'custom')).code, 0);
    assert.is((await inspect(b, 'custom')).State.Status, 'paused', 'not its stop signal: it stays frozen');
    assert.is((await b('kill', '-s', 'USR2', 'custom')).code, 0);
    assert.is((await inspect(b, 'custom')).State.Status, 'running', 'its stop signal thaws it (PID 1 ignores USR2)');
    await b('rm', '-f', 'custom');
  });
});

it('--restart on-failure:2 restarts twice, then the container stays exited; OOM kill is 137 with OOMKilled', async () => {
  await withBerth(async (b) => {
    await detached(b, '--name', 'flaky', '--restart', 'on-failure:2', '--rootfs', b.rootfs, 'sh', '-c', 'echo run; exit 3');
    assert.equal(await b('wait', 'flaky'), { code: 0, stdout: '3\n', stderr: '', json: 3 });
    const info = await inspect(b, 'flaky');
    assert.equal([info.State.Status, info.State.ExitCode, info.RestartCount], ['exited', 3, 2]);
    assert.is((await b('logs', 'flaky')).stdout, 'run\nrun\nrun\n');
    const oom = await b(
      'run',
      '--name',
      'hog',
      '-m',
      '32m',
      '--memory-swap',
      '32m',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'dd if=/dev/zero of=/dev/null bs=64M count=1',
    );
    assert.is(oom.code, 137);
    const hog = await inspect(b, 'hog');
    assert.equal([hog.State.ExitCode, hog.State.OOMKilled], [137, true]);
  });
});

it('stop ends a container that --restart always keeps bringing back, whether it is running or between runs', async () => {
  await withBerth(async (b) => {
    await detached(b, '--name', 'loop', '--restart', 'always', '--rootfs', b.rootfs, 'sh', '-c', 'exit 1');
    assert.is((await b('stop', '-t', '1', 'loop')).code, 0);
    const info = await inspect(b, 'loop');
    assert.equal([info.State.Status, info.State.Running, info.State.Restarting], ['exited', false, false]);
    assert.is((await b('ps', '-q')).stdout, '');
  });
});

test.run();
