import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { BERTH, CGROUP_PARENT, cgroupLeftovers, withBerth, type Berth } from '../../helpers/berth';

const test = suite('berth: crash safety (SIGKILL of a supervisor or of the berth command, then gc)');
const it = isRoot ? test : test.skip;

const inspect = async (b: Berth, ref: string) => JSON.parse((await b('inspect', ref)).stdout)[0];
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
const supervisorOf = (b: Berth, id: string) =>
  JSON.parse(readFileSync(join(b.stateDir, 'containers', id, 'shim.json'), 'utf8')).shimPid as number;

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`still not: ${what}`);
}

it('SIGKILL of a supervisor kills its container (pdeathsig); ps shows it exited, gc removes its cgroup and state', async () => {
  await withBerth(async (b) => {
    const id = (await b('run', '-d', '--name', 'victim', '--rootfs', b.rootfs, 'sleep', '1000')).stdout.trim();
    const { Pid } = (await inspect(b, id)).State;
    const shim = supervisorOf(b, id);
    process.kill(shim, 'SIGKILL');
    await until(() => !alive(Pid), 'the container died with its supervisor');
    assert.ok(cgroupLeftovers().length > 0, 'the cgroup is still there before gc');
    const gc = await b('gc');
    assert.equal([gc.code, gc.stdout], [0, `${id}\n`]);
    const info = await inspect(b, id);
    assert.equal([info.State.Status, info.State.ExitCode, info.State.Error], ['exited', 137, 'the supervisor (berth-shim) was killed']);
    assert.equal(cgroupLeftovers(), []);
    assert.equal(readdirSync(join(b.stateDir, 'containers')), []);
    assert.is((await b('gc')).stdout, '', 'a second gc finds nothing');
  });
});

it('the next berth command cleans up after a killed supervisor by itself', async () => {
  await withBerth(async (b) => {
    const id = (await b('run', '-d', '--rootfs', b.rootfs, 'sleep', '1000')).stdout.trim();
    const { Pid } = (await inspect(b, id)).State;
    process.kill(supervisorOf(b, id), 'SIGKILL');
    await until(() => !alive(Pid), 'the container died with its supervisor');
    assert.match((await b('ps', '-a')).stdout, /Exited \(137\)/);
    assert.equal(cgroupLeftovers(), []);
  });
});

it('SIGKILL of a foreground berth run leaves the container supervised; at its end the supervisor cleans up (--rm removes it)', async () => {
  await withBerth(async (b) => {
    const cli = spawn(
      BERTH,
      [
        '--root',
        b.root,
        '--state-dir',
        b.stateDir,
        'run',
        '--rm',
        '--name',
        'orphan',
        '--cgroup-parent',
        CGROUP_PARENT,
        '--network',
        'none',
        '--rootfs',
        b.rootfs,
        'sh',
        '-c',
        'echo started; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo done',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => cli.stdout.once('data', () => resolve()));
    cli.kill('SIGKILL');
    await new Promise((r) => cli.once('close', r));
    const info = await inspect(b, 'orphan');
    assert.is(info.State.Status, 'running', 'still running, still supervised');
    assert.is((await b('exec', 'orphan', 'touch', '/tmp/go')).code, 0);
    await until(async () => (await b('ps', '-aq')).stdout === '', 'the exit command removed the --rm container');
    assert.equal(cgroupLeftovers(), []);
    assert.match(readFileSync(join(b.root, '..', 'rootfs', 'bin', 'sh'), 'latin1').slice(0, 4), /ELF/, 'the rootfs is intact');
  });
});

it('after a "reboot" (every supervisor killed), boot starts always and unless-stopped containers, not stopped or no-policy ones', async () => {
  await withBerth(async (b) => {
    const start = async (name: string, policy: string) =>
      (await b('run', '-d', '--name', name, '--restart', policy, '--rootfs', b.rootfs, 'sleep', '1000')).stdout.trim();
    const ids = {
      always: await start('always', 'always'),
      unless: await start('unless', 'unless-stopped'),
      stopped: await start('stopped', 'unless-stopped'),
      plain: await start('plain', 'no'),
    };
    assert.is((await b('stop', '-t', '0', 'stopped')).code, 0);
    for (const name of ['always', 'unless', 'plain']) {
      const { Pid } = (await inspect(b, name)).State;
      process.kill(supervisorOf(b, (ids as Record<string, string>)[name]), 'SIGKILL');
      await until(() => !alive(Pid), `${name} died with its supervisor`);
    }
    const booted = await b('boot');
    assert.equal([booted.code, booted.stdout.split('\n').filter(Boolean).sort()], [0, [ids.always, ids.unless].sort()]);
    const states = await Promise.all(['always', 'unless', 'stopped', 'plain'].map(async (n) => (await inspect(b, n)).State.Status));
    assert.equal(states, ['running', 'running', 'exited', 'exited']);
  });
});

test.run();
