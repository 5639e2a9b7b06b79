import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { joinCgroupPath, parseCgroupLayout } from '../../../runtime/cgroup/layout';
import { blkioToIoWeight, planV1, planV2, sharesToWeight } from '../../../runtime/cgroup/plan';

/** This machine's mountinfo (hybrid: v1 controllers, name=systemd, a hugetlb-only cgroup2). */
export const HYBRID_MOUNTINFO = `22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
41 30 0:31 / /sys/fs/cgroup/memory\\040again rw,relatime - cgroup cgroup rw,memory`;

test('parseCgroupLayout() finds every v1 hierarchy of a hybrid host and its unified cgroup2', () => {
  assert.equal(parseCgroupLayout(HYBRID_MOUNTINFO, '/sys/fs/cgroup'), {
    version: 1,
    hierarchies: [
      { mountPoint: '/sys/fs/cgroup/cpu', controllers: ['cpu'] },
      { mountPoint: '/sys/fs/cgroup/cpuacct', controllers: ['cpuacct'] },
      { mountPoint: '/sys/fs/cgroup/cpuset', controllers: ['cpuset'] },
      { mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
      { mountPoint: '/sys/fs/cgroup/pids', controllers: ['pids'] },
      { mountPoint: '/sys/fs/cgroup/systemd', controllers: ['name=systemd'] },
    ],
    unified: '/sys/fs/cgroup/unified',
  });
});

test('parseCgroupLayout() reads a unified host as v2, and names what is missing', () => {
  const v2 = '25 22 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
  assert.equal(parseCgroupLayout(v2, '/sys/fs/cgroup/'), { version: 2, unified: '/sys/fs/cgroup' });
  assert.equal(parseCgroupLayout('41 30 0:50 / /tmp/x\\040y rw - cgroup cgroup rw,cpu,cpuacct', '/tmp/x y'), {
    version: 1,
    hierarchies: [{ mountPoint: '/tmp/x y', controllers: ['cpu', 'cpuacct'] }],
  });
  assert.throws(
    () => parseCgroupLayout('22 1 0:21 / /sys rw - sysfs sysfs rw', '/sys/fs/cgroup'),
    /^no cgroup filesystem is mounted under "\/sys\/fs\/cgroup"$/,
  );
});

test('joinCgroupPath() joins parent and name, and refuses escapes', () => {
  assert.is(joinCgroupPath('/berth', 'abc'), '/berth/abc');
  assert.is(joinCgroupPath('berth//x/', 'abc'), '/berth/x/abc');
  assert.is(joinCgroupPath('/', 'abc'), '/abc');
  assert.throws(
    () => joinCgroupPath('/berth/../..', 'a'),
    /^invalid cgroup parent "\/berth\/\.\.\/\.\.": no segment may be "\." or "\.\."$/,
  );
  for (const name of ['..', 'a/b', '', '.'])
    assert.throws(
      () => joinCgroupPath('/berth', name),
      new RegExp(`^invalid cgroup name "${name.replace(/\./g, '\\.')}": want one plain path segment$`),
    );
});

test('sharesToWeight() and blkioToIoWeight() follow runc', () => {
  assert.is(sharesToWeight(1024), 39);
  assert.is(sharesToWeight(2), 1);
  assert.is(sharesToWeight(262144), 10000);
  assert.is(sharesToWeight(1), 1, 'clamped as the v1 kernel does');
  assert.is(blkioToIoWeight(10), 1);
  assert.is(blkioToIoWeight(500), 4950);
  assert.is(blkioToIoWeight(1000), 10000);
});

const ALL_V1 = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer']);
const EVERYTHING = {
  memory: 32 << 20,
  memorySwap: 64 << 20,
  memoryReservation: 16 << 20,
  cpuShares: 512,
  nanoCpus: 1.5e9,
  cpusetCpus: '0',
  pidsLimit: 20,
  blkioWeight: 500,
  deviceReadBps: [{ path: '/dev/loop7', rate: 1048576 }],
  deviceWriteIops: [{ path: '/dev/loop7', rate: 100 }],
};
const devices = new Map([['/dev/loop7', '7:7']]);

test('planV1() writes every limit in the file runc uses, cpuset from the parent first', () => {
  const plan = planV1(EVERYTHING, {
    controllers: ALL_V1,
    devices,
    memsw: true,
    weightFile: 'blkio.weight',
    parentCpus: '0-1',
    parentMems: '0',
  });
  assert.equal(
    plan.writes.map((w) => `${w.file}=${w.value}`),
    [
      'cpuset.cpus=0',
      'cpuset.mems=0',
      'memory.limit_in_bytes=33554432',
      'memory.memsw.limit_in_bytes=67108864',
      'memory.soft_limit_in_bytes=16777216',
      'cpu.shares=512',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=150000',
      'pids.max=20',
      'blkio.weight=500',
      'blkio.throttle.read_bps_device=7:7 1048576',
      'blkio.throttle.write_iops_device=7:7 100',
    ],
  );
  assert.equal(plan.warnings, []);
});

test("planV1() drops what the kernel lacks with Docker's warnings; the cpuset is always copied", () => {
  const plan = planV1(EVERYTHING, {
    controllers: new Set(['cpuset', 'memory']),
    devices,
    memsw: false,
    parentCpus: '0-1',
    parentMems: '0',
  });
  assert.equal(
    plan.writes.map((w) => w.file),
    ['cpuset.cpus', 'cpuset.mems', 'memory.limit_in_bytes', 'memory.soft_limit_in_bytes'],
  );
  assert.equal(plan.warnings, [
    'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
    'Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.',
    'Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.',
    'Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.',
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
    'Your kernel does not support Block I/O throttling or the cgroup is not mounted. Block I/O limits discarded.',
  ]);
  assert.equal(
    planV1({ memory: 32 << 20, memorySwap: -1 }, { controllers: ALL_V1, devices, memsw: false, parentCpus: '0', parentMems: '0' }).warnings,
    [],
    'unlimited swap needs no accounting',
  );
});

test('planV1() and planV2() refuse a weight out of range only where the kernel has weights, as Docker', () => {
  const facts = { controllers: new Set([...ALL_V1, 'io']), devices, parentCpus: '0', parentMems: '0' };
  for (const weight of [5, 1001]) {
    assert.throws(
      () => planV1({ blkioWeight: weight }, { ...facts, weightFile: 'blkio.weight' }),
      /^Range of blkio weight is from 10 to 1000$/,
    );
    assert.throws(
      () => planV2({ blkioWeight: weight }, { ...facts, weightFile: 'io.weight' }),
      /^Range of blkio weight is from 10 to 1000$/,
    );
    assert.equal(planV1({ blkioWeight: weight }, facts).warnings, [
      'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
    ]);
  }
});

test('planV2() maps to the unified files: swap alone, weights converted, io.max per device', () => {
  const controllers = new Set(['cpu', 'cpuset', 'io', 'memory', 'pids']);
  const plan = planV2(EVERYTHING, { controllers, devices, weightFile: 'io.weight' });
  assert.equal(
    plan.writes.map((w) => `${w.file}=${w.value}`),
    [
      'memory.max=33554432',
      'memory.swap.max=33554432',
      'memory.low=16777216',
      'cpu.weight=20',
      'cpu.max=150000 100000',
      'cpuset.cpus=0',
      'pids.max=20',
      'io.weight=default 4950',
      'io.max=7:7 rbps=1048576',
      'io.max=7:7 wiops=100',
    ],
  );
  assert.equal(
    planV2({ memory: 32 << 20, memorySwap: -1, blkioWeight: 300 }, { controllers, devices, weightFile: 'io.bfq.weight' }).writes.map(
      (w) => `${w.file}=${w.value}`,
    ),
    ['memory.max=33554432', 'memory.swap.max=max', 'io.bfq.weight=300'],
  );
  assert.equal(planV2({ pidsLimit: 5 }, { controllers: new Set(), devices }).warnings, [
    'Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.',
  ]);
});

test.run();
