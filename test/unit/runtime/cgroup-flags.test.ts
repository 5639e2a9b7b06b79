import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkHostResources,
  parseCpuList,
  parseNanoCpus,
  parseRamSize,
  parseResources,
  ResourceFlagError,
} from '../../../runtime/cgroup/flags';
import { thrownBy } from '../../helpers/thrown';

const MiB = 1024 * 1024;

const sizes: Array<[string, number]> = [
  ['512', 512],
  ['32m', 32 * MiB],
  ['32M', 32 * MiB],
  ['32mb', 32 * MiB],
  ['32MiB', 32 * MiB],
  ['1.5g', 1.5 * 1024 * MiB],
  ['64k', 65536],
  ['1 kb', 1024],
  ['10b', 10],
  ['1t', 1024 ** 4],
];
for (const [text, bytes] of sizes)
  test(`parseRamSize() reads ${JSON.stringify(text)} as go-units does`, () => assert.is(parseRamSize(text), bytes));
for (const text of ['', '-1', '32x', 'm', '1e3', '0x10'])
  test(`parseRamSize() refuses ${JSON.stringify(text)}`, () =>
    assert.throws(
      () => parseRamSize(text),
      (e: Error) => e.message === `invalid size: '${text}'`,
    ));
test('parseRamSize() refuses 8 EiB and more (an int64 of bytes), takes just below', () => {
  for (const text of ['99999999999999999999', '8589934592g', '8192p'])
    assert.throws(
      () => parseRamSize(text),
      (e: Error) => e.message === `invalid size: '${text}': more than an int64 of bytes`,
    );
  assert.is(parseRamSize('8191p'), 8191 * 1024 ** 5);
});
test('parseRamSize() refuses "1.2.3m" with Go ParseFloat\'s error', () =>
  assert.throws(() => parseRamSize('1.2.3m'), /strconv\.ParseFloat: parsing "1\.2\.3": invalid syntax/));

const cpus: Array<[string, number]> = [
  ['0.5', 5e8],
  ['1', 1e9],
  ['1.25', 1.25e9],
  ['.5', 5e8],
  ['3/2', 1.5e9],
  ['0.000000001', 1],
  ['2e-1', 2e8],
];
for (const [text, nano] of cpus) test(`parseNanoCpus() reads ${text}`, () => assert.is(parseNanoCpus(text), nano));
test('parseNanoCpus() refuses what big.Rat cannot read, and sub-nano precision', () => {
  assert.throws(() => parseNanoCpus('abc'), /^failed to parse abc as a rational number$/);
  assert.throws(() => parseNanoCpus(''), /^failed to parse  as a rational number$/);
  assert.throws(() => parseNanoCpus('0.0000000001'), /^value is too precise$/);
  assert.throws(() => parseNanoCpus('1/3'), /^value is too precise$/);
});

test('parseCpuList() expands ranges and refuses what moby refuses', () => {
  assert.equal(parseCpuList('0-2,5'), [0, 1, 2, 5]);
  assert.equal(parseCpuList(''), []);
  for (const bad of ['0-x', '3-1', 'a', '1,,2', '-1']) assert.throws(() => parseCpuList(bad), new RegExp(`^invalid format: ${bad}$`));
});

test('parseResources() maps every flag, short names and camelCase keys too', () => {
  assert.equal(
    parseResources({
      m: '32m',
      'memory-swap': '-1',
      'memory-reservation': '16m',
      c: '512',
      cpus: 0.5,
      'cpuset-cpus': '0-1',
      'pids-limit': 20,
      'blkio-weight': '300',
      'device-read-bps': '/dev/loop0:1mb',
      deviceWriteBps: ['/dev/loop0:2m', '/dev/loop1:3k'],
      'device-read-iops': ['/dev/loop0:100'],
      'device-write-iops': '/dev/loop0:200',
    }),
    {
      memory: 32 * MiB,
      memorySwap: -1,
      memoryReservation: 16 * MiB,
      cpuShares: 512,
      nanoCpus: 5e8,
      cpusetCpus: '0-1',
      pidsLimit: 20,
      blkioWeight: 300,
      deviceReadBps: [{ path: '/dev/loop0', rate: MiB }],
      deviceWriteBps: [
        { path: '/dev/loop0', rate: 2 * MiB },
        { path: '/dev/loop1', rate: 3072 },
      ],
      deviceReadIops: [{ path: '/dev/loop0', rate: 100 }],
      deviceWriteIops: [{ path: '/dev/loop0', rate: 200 }],
    },
  );
});

test('parseResources() applies the daemon defaults: swap twice memory, 0 and -1 pids unlimited, 0 unset', () => {
  assert.equal(parseResources({ memory: '64m' }), { memory: 64 * MiB, memorySwap: 128 * MiB });
  assert.equal(parseResources({ memory: '64m', 'memory-swap': '64m' }), { memory: 64 * MiB, memorySwap: 64 * MiB });
  assert.equal(parseResources({ 'pids-limit': '-1' }), {});
  assert.equal(parseResources({ 'pids-limit': '0', 'cpu-shares': '0', memory: '0' }), {});
  assert.equal(parseResources({ 'cpu-shares': '0x400' }), { cpuShares: 1024 }, 'pflag reads integers with base 0');
  assert.equal(parseResources({}), {});
});

const rejected: Array<[Record<string, unknown>, string, 'flag' | 'daemon']> = [
  [{ m: '32x' }, `invalid argument "32x" for "-m, --memory" flag: invalid size: '32x'`, 'flag'],
  [{ 'memory-swap': 'lots' }, `invalid argument "lots" for "--memory-swap" flag: invalid size: 'lots'`, 'flag'],
  [{ c: 'x' }, 'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax', 'flag'],
  [{ cpus: 'half' }, 'invalid argument "half" for "--cpus" flag: failed to parse half as a rational number', 'flag'],
  [{ 'pids-limit': '1.5' }, 'invalid argument "1.5" for "--pids-limit" flag: strconv.ParseInt: parsing "1.5": invalid syntax', 'flag'],
  [
    { 'blkio-weight': '70000' },
    'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range',
    'flag',
  ],
  [
    { 'device-write-bps': 'loop0:1mb' },
    'invalid argument "loop0:1mb" for "--device-write-bps" flag: bad format for device path: loop0:1mb',
    'flag',
  ],
  [{ 'device-write-bps': '/dev/loop0' }, 'invalid argument "/dev/loop0" for "--device-write-bps" flag: bad format: /dev/loop0', 'flag'],
  [
    { 'device-read-bps': '/dev/loop0:fast' },
    'invalid argument "/dev/loop0:fast" for "--device-read-bps" flag: invalid rate for device: /dev/loop0:fast. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb',
    'flag',
  ],
  [
    { 'device-write-iops': '/dev/loop0:1k' },
    'invalid argument "/dev/loop0:1k" for "--device-write-iops" flag: invalid rate for device: /dev/loop0:1k. The correct format is <device-path>:<number>. Number must be a positive integer',
    'flag',
  ],
  [{ m: '4m' }, 'Minimum memory limit allowed is 6MB', 'daemon'],
  [{ m: '32m', 'memory-swap': '16m' }, 'Minimum memoryswap limit should be larger than memory limit, see usage', 'daemon'],
  [{ 'memory-swap': '64m' }, 'You should always set the Memory limit when using Memoryswap limit, see usage', 'daemon'],
  [{ 'memory-reservation': '1m' }, 'Minimum memory reservation allowed is 6MB', 'daemon'],
  [{ m: '32m', 'memory-reservation': '64m' }, 'Minimum memory limit can not be less than memory reservation limit, see usage', 'daemon'],
  [{ 'cpuset-cpus': '1-0' }, 'Invalid value 1-0 for cpuset cpus: invalid format: 1-0', 'daemon'],
  [{ c: '-5' }, 'shares: invalid argument', 'daemon'],
];
for (const [flags, message, kind] of rejected)
  test(`parseResources() refuses ${JSON.stringify(flags)} with Docker's words`, () => {
    const err = thrownBy(() => parseResources(flags), ResourceFlagError);
    assert.is(err.message, message);
    assert.is(err.kind, kind);
  });

test('checkHostResources() refuses more CPUs than the host has and CPUs outside the parent cpuset', () => {
  checkHostResources({ nanoCpus: 2e9, cpusetCpus: '0-1' }, 2, '0-1');
  assert.throws(
    () => checkHostResources({ nanoCpus: 3e9 }, 2, '0-1'),
    /^Range of CPUs is from 0\.01 to 2\.00, as there are only 2 CPUs available$/,
  );
  assert.throws(() => checkHostResources({ nanoCpus: -1 }, 2, '0-1'), /^Range of CPUs is from 0\.01 to 2\.00/);
  assert.throws(
    () => checkHostResources({ cpusetCpus: '1-3' }, 2, '0-1'),
    /^Requested CPUs are not available - requested 1-3, available: 0-1$/,
  );
});

test.run();
