/**
 * The v1 and v2 drivers against an in-memory cgroupfs (test/fakes/cgroupfs.ts). v2 cannot run on
 * the development machine (cgroup v1 hybrid), so this is where its code is exercised.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listCgroups, openCgroup, parseResources } from '../../../runtime/cgroup/index';
import { FakeCgroupFs } from '../../fakes/cgroupfs';
import { rejects } from '../../helpers/sandbox';

const R = '/fake/cgroup';
const MiB = 1024 * 1024;

function fakeV2(): FakeCgroupFs {
  return new FakeCgroupFs(`25 22 0:23 / ${R} rw - cgroup2 cgroup2 rw,nsdelegate`, R).seed(R, {
    'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc',
    'cgroup.subtree_control': '',
    'cgroup.procs': '1\n',
    'cpuset.cpus.effective': '0-1',
  });
}

function fakeV1(opts: { memsw?: boolean } = {}): FakeCgroupFs {
  const hierarchies = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer', 'systemd'];
  const lines = hierarchies.map(
    (h, i) => `${31 + i} 30 0:${28 + i} / ${R}/${h} rw - cgroup cgroup rw,${h === 'systemd' ? 'name=systemd' : h}`,
  );
  const fs = new FakeCgroupFs([...lines, `40 30 0:40 / ${R}/unified rw - cgroup2 cgroup2 rw`].join('\n'));
  fs.seed(R);
  for (const h of hierarchies) fs.seed(`${R}/${h}`, { 'cgroup.procs': '1\n' });
  fs.seed(`${R}/unified`, { 'cgroup.procs': '1\n', 'cgroup.controllers': 'hugetlb' });
  fs.seed(`${R}/cpuset`, { 'cpuset.cpus': '0-1', 'cpuset.mems': '0' });
  fs.seed(`${R}/blkio`, { 'blkio.throttle.write_bps_device': '' });
  if (opts.memsw !== false) fs.seed(`${R}/memory`, { 'memory.memsw.limit_in_bytes': '' });
  Object.assign(fs.v1Files, {
    cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '' },
    memory: {
      'memory.limit_in_bytes': '9223372036854771712',
      'memory.memsw.limit_in_bytes': '9223372036854771712',
      'memory.soft_limit_in_bytes': '',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
      'memory.usage_in_bytes': '0',
      'memory.stat': '',
    },
    cpu: { 'cpu.shares': '1024', 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '-1' },
    pids: { 'pids.max': 'max', 'pids.current': '0' },
    blkio: { 'blkio.throttle.write_bps_device': '', 'blkio.throttle.io_service_bytes_recursive': '' },
    freezer: { 'freezer.state': 'THAWED' },
    cpuacct: { 'cpuacct.usage': '0' },
  });
  return fs;
}

test('v2 create() enables the controllers down the parents and writes the limits in the container dir', async () => {
  const fs = fakeV2();
  const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs });
  await cg.create(
    parseResources({ m: '32m', 'memory-swap': '48m', c: '1024', cpus: '0.5', 'pids-limit': '20', 'device-write-bps': '/dev/loop7:1mb' }),
  );
  assert.equal(cg.procsFiles(), [`${R}/berth/c1/cgroup.procs`]);
  assert.equal(fs.writes, [
    `${R}/cgroup.subtree_control +cpu`,
    `${R}/cgroup.subtree_control +cpuset`,
    `${R}/cgroup.subtree_control +io`,
    `${R}/cgroup.subtree_control +memory`,
    `${R}/cgroup.subtree_control +pids`,
    `${R}/berth/cgroup.subtree_control +cpu`,
    `${R}/berth/cgroup.subtree_control +cpuset`,
    `${R}/berth/cgroup.subtree_control +io`,
    `${R}/berth/cgroup.subtree_control +memory`,
    `${R}/berth/cgroup.subtree_control +pids`,
    `${R}/berth/c1/memory.max 33554432`,
    `${R}/berth/c1/memory.swap.max 16777216`,
    `${R}/berth/c1/cpu.weight 39`,
    `${R}/berth/c1/cpu.max 50000 100000`,
    `${R}/berth/c1/pids.max 20`,
    `${R}/berth/c1/io.max 7:7 wbps=1048576`,
  ]);
  // A second container finds the controllers enabled and writes only its own files.
  fs.writes.length = 0;
  await openCgroup({ parent: '/berth', name: 'c2', fsRoot: R, fs }).create({});
  assert.equal(fs.writes, []);
});

test('v2 freeze(), thaw(), oomKilled(), stats(), killAll() and destroy() use the unified files', async () => {
  const fs = fakeV2();
  const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs });
  await cg.create(parseResources({ m: '64m' }));
  const dir = `${R}/berth/c1`;
  await cg.freeze();
  assert.is(fs.files.get(`${dir}/cgroup.freeze`), '1');
  await cg.thaw();
  assert.is(fs.files.get(`${dir}/cgroup.freeze`), '0');
  assert.is(await cg.oomKilled(), false);
  fs.files.set(`${dir}/memory.events`, 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
  assert.is(await cg.oomKilled(), true);
  fs.files.set(`${dir}/cpu.stat`, 'usage_usec 1500\nuser_usec 1000\n');
  fs.files.set(`${dir}/memory.current`, String(10 * MiB));
  fs.files.set(`${dir}/memory.stat`, `anon 100\ninactive_file ${4 * MiB}\n`);
  fs.files.set(`${dir}/io.stat`, '7:7 rbytes=10 wbytes=20 rios=1 wios=1\n');
  fs.files.set(`${dir}/pids.current`, '2');
  fs.files.set(`${dir}/cgroup.procs`, '4242\n4243\n');
  assert.equal(await cg.stats(), {
    cpuUsageNs: 1500000,
    memoryUsage: 6 * MiB,
    memoryLimit: 64 * MiB,
    blkioReadBytes: 10,
    blkioWriteBytes: 20,
    pids: 2,
  });
  assert.equal(await cg.pids(), [4242, 4243]);
  await cg.destroy();
  assert.ok(fs.writes.includes(`${dir}/cgroup.kill 1`), 'cgroup.kill empties the cgroup');
  assert.not.ok(fs.dirs.has(dir));
  assert.ok(fs.dirs.has(`${R}/berth`), 'the parent stays');
  await cg.destroy();
});

test('destroy() of an emptied cgroup (v1 and v2) removes its dirs without reading a process list or killing', async () => {
  for (const fs of [fakeV1(), fakeV2()]) {
    const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs });
    await cg.create({});
    const reads: string[] = [];
    const read = fs.read.bind(fs);
    fs.read = (path: string) => {
      reads.push(path);
      return read(path);
    };
    await cg.destroy();
    assert.equal(reads, [], 'nothing read');
    assert.equal(fs.killed, []);
    assert.equal(
      [...fs.dirs].filter((d) => d.includes('/c1')),
      [],
    );
  }
});

test('v2 stats() shows the host memory as the limit of an unlimited cgroup', async () => {
  const fs = fakeV2();
  const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs });
  await cg.create({});
  assert.is((await cg.stats()).memoryLimit, 2 * 1024 ** 3);
});

test('v1 create() joins every hierarchy, copies the cpuset down the parents and writes each file in its hierarchy', async () => {
  const fs = fakeV1();
  const cg = openCgroup({ parent: '/berth/sub', name: 'c1', fsRoot: R, fs });
  await cg.create(parseResources({ m: '32m', 'cpuset-cpus': '1', 'pids-limit': '20', cpus: '1.5', 'device-write-bps': '/dev/loop7:2mb' }));
  assert.equal(
    cg.procsFiles(),
    ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer', 'systemd', 'unified'].map(
      (h) => `${R}/${h}/berth/sub/c1/cgroup.procs`,
    ),
  );
  assert.equal(fs.writes, [
    `${R}/cpuset/berth/cpuset.cpus 0-1`,
    `${R}/cpuset/berth/cpuset.mems 0`,
    `${R}/cpuset/berth/sub/cpuset.cpus 0-1`,
    `${R}/cpuset/berth/sub/cpuset.mems 0`,
    `${R}/cpuset/berth/sub/c1/cpuset.cpus 1`,
    `${R}/cpuset/berth/sub/c1/cpuset.mems 0`,
    `${R}/memory/berth/sub/c1/memory.limit_in_bytes 33554432`,
    `${R}/memory/berth/sub/c1/memory.memsw.limit_in_bytes 67108864`,
    `${R}/cpu/berth/sub/c1/cpu.cfs_period_us 100000`,
    `${R}/cpu/berth/sub/c1/cpu.cfs_quota_us 150000`,
    `${R}/pids/berth/sub/c1/pids.max 20`,
    `${R}/blkio/berth/sub/c1/blkio.throttle.write_bps_device 7:7 2097152`,
  ]);
});

test('v1 create() beside an existing container makes its own dirs only, and fills an empty parent cpuset someone else made', async () => {
  const fs = fakeV1();
  await openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs }).create({});
  // Made by hand, empty, as a new v1 cpuset cgroup is.
  fs.files.set(`${R}/cpuset/berth/cpuset.cpus`, '');
  fs.writes.length = 0;
  const c2 = openCgroup({ parent: '/berth', name: 'c2', fsRoot: R, fs });
  await c2.create({});
  assert.equal(fs.writes, [
    `${R}/cpuset/berth/cpuset.cpus 0-1`,
    `${R}/cpuset/berth/c2/cpuset.cpus 0-1`,
    `${R}/cpuset/berth/c2/cpuset.mems 0`,
  ]);
  await c2.destroy();
  assert.ok(fs.dirs.has(`${R}/memory/berth/c1`) && !fs.dirs.has(`${R}/memory/berth/c2`));
  // A failed create removes only what it made: never the shared parent.
  await rejects(
    openCgroup({ parent: '/berth', name: 'c3', fsRoot: R, fs }).create(parseResources({ 'cpuset-cpus': '0-3' })),
    /^Requested CPUs are not available/,
  );
  assert.equal([...fs.dirs].filter((d) => d.endsWith('/berth')).length, 9);
});

test('v1 create() warns as Docker does when the kernel has no swap accounting', async () => {
  const warnings: string[] = [];
  const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs: fakeV1({ memsw: false }), warn: (m) => warnings.push(m) });
  await cg.create(parseResources({ m: '32m' }));
  assert.equal(warnings, [
    'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
  ]);
});

test('v1 create() undoes its dirs when a device or a host check fails', async () => {
  const fs = fakeV1();
  const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs });
  await rejects(cg.create(parseResources({ 'device-read-bps': '/dev/nope:1mb' })), /^cannot stat "\/dev\/nope": ENOENT$/);
  await rejects(cg.create(parseResources({ 'cpuset-cpus': '0-3' })), /^Requested CPUs are not available - requested 0-3, available: 0-1$/);
  assert.equal(
    [...fs.dirs].filter((d) => d.includes('/berth')),
    [],
  );
});

test('v1 freeze/thaw, oomKilled() from memory.oom_control, stats() from the v1 files, destroy()', async () => {
  const fs = fakeV1();
  const cg = openCgroup({ parent: '/berth', name: 'c1', fsRoot: R, fs });
  await cg.create(parseResources({ m: '32m' }));
  await cg.freeze();
  assert.is(fs.files.get(`${R}/freezer/berth/c1/freezer.state`), 'FROZEN');
  await cg.thaw();
  assert.is(fs.files.get(`${R}/freezer/berth/c1/freezer.state`), 'THAWED');
  fs.files.set(`${R}/memory/berth/c1/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  assert.is(await cg.oomKilled(), true);
  fs.files.set(`${R}/memory/berth/c1/memory.usage_in_bytes`, String(10 * MiB));
  fs.files.set(`${R}/memory/berth/c1/memory.stat`, `cache 5\ntotal_inactive_file ${3 * MiB}\n`);
  fs.files.set(`${R}/cpuacct/berth/c1/cpuacct.usage`, '123456789');
  fs.files.set(`${R}/blkio/berth/c1/blkio.throttle.io_service_bytes_recursive`, '7:7 Read 1\n7:7 Write 2\n7:7 Total 3\nTotal 3\n');
  fs.files.set(`${R}/pids/berth/c1/pids.current`, '1');
  assert.equal(await cg.stats(), {
    cpuUsageNs: 123456789,
    memoryUsage: 7 * MiB,
    memoryLimit: 32 * MiB,
    blkioReadBytes: 1,
    blkioWriteBytes: 2,
    pids: 1,
  });
  for (const h of ['freezer', 'memory']) fs.files.set(`${R}/${h}/berth/c1/cgroup.procs`, '777\n');
  await cg.destroy();
  assert.equal(fs.killed, [777]);
  assert.equal(
    [...fs.dirs].filter((d) => d.includes('/c1')),
    [],
  );
});

test('openCgroup() refuses a name that would leave the parent', () => {
  assert.throws(() => openCgroup({ parent: '/berth', name: '../x', fsRoot: R, fs: fakeV2() }), /^invalid cgroup name "\.\.\/x"/);
});

test('listCgroups() names the cgroups under a parent in any hierarchy', async () => {
  const fs = fakeV1();
  assert.equal(await listCgroups({ parent: '/berth', fsRoot: R, fs }), []);
  await openCgroup({ parent: '/berth', name: 'b', fsRoot: R, fs }).create({});
  await openCgroup({ parent: '/berth', name: 'a', fsRoot: R, fs }).create({});
  await fs.rmdir(`${R}/memory/berth/a`);
  assert.equal(await listCgroups({ parent: '/berth', fsRoot: R, fs }), ['a', 'b']);
  assert.equal(await listCgroups({ parent: '/other', fsRoot: R, fs }), []);
});

test.run();
