/**
 * runtime/cgroup against Docker 20.10 itself (Debian's dockerd and CLI, a throwaway daemon): the
 * same flags give the same errors, the same warnings and the same cgroup files as runc writes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parseResources, ResourceFlagError } from '../../../runtime/cgroup/index';
import { formatStats } from '../../../runtime/cgroup/stats';
import { dockerCli, ensureDockerPackages, importBusyboxImage, startDockerd, type Dockerd } from '../../helpers/dockerd';
import { pathOf, readV1, withCgroupParent } from '../../helpers/cgroups';
import { isRoot, run } from '../../helpers/sandbox';

const docker = suite('runtime/cgroup compared with docker 20.10');
const it = isRoot ? docker : docker.skip;
const IMAGE = 'berth-cgroup-test:1';
let dk: Dockerd | undefined;

/** `-m 32m --cpus 0.5` as parseResources() gets it from a CLI parser (repeated flags as arrays). */
function flagsOf(argv: string[]): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^-+/, '');
    const prev = flags[name];
    flags[name] = prev === undefined ? argv[i + 1] : [...(Array.isArray(prev) ? prev : [prev]), argv[i + 1]];
  }
  return flags;
}

/** What parseResources() says about a bad value, in the words Docker's CLI prints. */
function ourError(argv: string[]): string {
  try {
    parseResources(flagsOf(argv));
  } catch (err) {
    if (!(err instanceof ResourceFlagError)) throw err;
    return err.kind === 'flag' ? err.message : `Error response from daemon: ${err.message}`;
  }
  return 'accepted';
}

docker.before(async () => {
  if (!isRoot) return;
  ensureDockerPackages();
  try {
    dk = await startDockerd();
    await importBusyboxImage(dk, IMAGE);
  } catch (err) {
    await dk?.stop();
    dk = undefined;
    throw err;
  }
});

docker.after(async () => {
  await dk?.stop();
  dk = undefined;
});

it('the stats table has the header of docker stats --no-stream (no container running)', async () => {
  const theirs = await run(dockerCli(), ['stats', '--no-stream'], { env: { DOCKER_HOST: `unix://${dk!.dir}/docker.sock` } });
  assert.is(formatStats([]).split('\n')[0], theirs.stdout.split('\n')[0].trimEnd());
});

const BAD: string[][] = [
  ['-m', '32x'],
  ['-m', '1.2.3m'],
  ['--memory-swap', '-5'],
  ['--cpus', 'abc'],
  ['--cpus', '0.0000000001'],
  ['-c', 'x'],
  ['--blkio-weight', '70000'],
  ['--blkio-weight', '-1'],
  ['--pids-limit', '1.5'],
  ['--device-write-bps', 'loop0:1mb'],
  ['--device-write-bps', '/dev/loop0'],
  ['--device-read-bps', '/dev/loop0:fast'],
  ['--device-read-iops', '/dev/loop0:1k'],
  ['-m', '4m'],
  ['-m', '32m', '--memory-swap', '16m'],
  ['--memory-swap', '64m'],
  ['--memory-reservation', '1m'],
  ['-m', '32m', '--memory-reservation', '64m'],
  ['--cpuset-cpus', '1-0'],
  ['--cpus', '64'],
];

it('bad values get the error docker prints, word for word', async () => {
  for (const argv of BAD) {
    const theirs = (await dk!.docker(['create', ...argv, IMAGE, 'true'])).stderr.split('\n')[0].replace(/^docker: /, '');
    const ours = argv[1] === '64' ? await cpusError(argv) : ourError(argv);
    assert.is(ours, theirs, argv.join(' '));
  }
});

/** `--cpus` over the host's count is refused at create(), where the host is known. */
async function cpusError(argv: string[]): Promise<string> {
  return withCgroupParent(async (_parent, open) => {
    try {
      await open().create(parseResources(flagsOf(argv)));
    } catch (err) {
      return `Error response from daemon: ${(err as Error).message}`;
    }
    return 'accepted';
  });
}

/** A process's cgroup path in each v1 hierarchy, from /proc/PID/cgroup ("4:memory:/x/y"). */
function cgroupsOf(pid: number): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers, path] = line.split(':');
    for (const c of controllers.split(',')) paths.set(c, path);
  }
  return paths;
}

const FILES: Array<[hierarchy: string, file: string]> = [
  ['memory', 'memory.limit_in_bytes'],
  ['memory', 'memory.memsw.limit_in_bytes'],
  ['memory', 'memory.soft_limit_in_bytes'],
  ['cpu', 'cpu.shares'],
  ['cpu', 'cpu.cfs_period_us'],
  ['cpu', 'cpu.cfs_quota_us'],
  ['cpuset', 'cpuset.cpus'],
  ['cpuset', 'cpuset.mems'],
  ['pids', 'pids.max'],
  ['blkio', 'blkio.throttle.write_bps_device'],
  ['blkio', 'blkio.throttle.read_iops_device'],
];

const GOOD: string[][] = [
  [
    '-m',
    '32m',
    '--memory-swap',
    '-1',
    '--memory-reservation',
    '16m',
    '-c',
    '512',
    '--cpus',
    '0.5',
    '--cpuset-cpus',
    '0',
    '--pids-limit',
    '20',
  ],
  ['-m', '64m', '--cpus', '1.25', '--pids-limit', '-1', '--device-write-bps', '/dev/loop0:1mb', '--device-read-iops', '/dev/loop0:100'],
  ['-m', '48m', '--memory-swap', '48m', '--blkio-weight', '300'],
];

it('good values give the cgroup files runc writes for docker, and the same warnings', async () => {
  for (const argv of GOOD) {
    const created = await dk!.docker(['run', '-d', ...argv, IMAGE, 'sleep', '60']);
    assert.is(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    try {
      const pid = (await dk!.dockerOk(['inspect', '--format', '{{.State.Pid}}', id])).trim();
      // The container's own cgroups, read from the kernel's view of its init process.
      const theirs = cgroupsOf(Number(pid));
      const theirWarnings = created.stderr
        .split('\n')
        .filter((l) => /^WARNING: .*kernel does not support/.test(l))
        .map((l) => l.slice('WARNING: '.length));
      await withCgroupParent(async (_parent, open) => {
        const warnings: string[] = [];
        const cg = open(undefined, (m) => warnings.push(m));
        await cg.create(parseResources(flagsOf(argv)));
        for (const [h, file] of FILES)
          assert.is(readV1(h, pathOf(cg), file), readV1(h, theirs.get(h)!, file), `${argv.join(' ')}: ${h}/${file}`);
        assert.equal(warnings, theirWarnings, argv.join(' '));
      });
    } finally {
      await dk!.dockerOk(['rm', '-f', id]);
    }
  }
});

docker.run();
