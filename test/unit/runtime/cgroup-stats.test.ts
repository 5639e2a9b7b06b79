import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFlatKeyed, sumBlkioV1, sumIoStatV2, usageWithoutCache } from '../../../runtime/cgroup/files';
import { STATS_DEFAULT_FORMAT, STATS_HEADERS, formatStats, statsFields, statsRow } from '../../../runtime/cgroup/stats';
import { formatRows } from '../../../lib/format-rows';
import { bytesSize, formatGoG, humanSize } from '../../../lib/go-units';

const MiB = 1024 * 1024;

test("formatGoG() prints as Go's %g", () => {
  assert.equal(
    [1.5, 32, 0, 1023.99, 999.5, 12.345678, 100].map((x) => formatGoG(x, 4)),
    ['1.5', '32', '0', '1024', '999.5', '12.35', '100'],
  );
  assert.equal(
    [999.5, 0.000012345, 1.05].map((x) => formatGoG(x, 3)),
    ['1e+03', '1.23e-05', '1.05'],
  );
});

test('bytesSize() and humanSize() print sizes as go-units', () => {
  assert.equal([0, 512, 1536, 1.5 * MiB, 32 * MiB, 1.953 * 1024 ** 3, 1023].map(bytesSize), [
    '0B',
    '512B',
    '1.5KiB',
    '1.5MiB',
    '32MiB',
    '1.953GiB',
    '1023B',
  ]);
  assert.equal(
    [0, 999, 1000, 1048576, 12345678, 3 * MiB].map((x) => humanSize(x)),
    ['0B', '999B', '1kB', '1.05MB', '12.3MB', '3.15MB'],
  );
});

test('formatStats() prints the table of docker stats --no-stream', () => {
  const rows = [
    {
      id: 'e4b7c4b7b4f25b4ee1e0b0e7fbd2a0d2a6d5e7b9c3f2a1b0c9d8e7f6a5b4c3d2',
      name: '/web',
      cpuPercent: 50.126,
      memoryUsage: 1.5 * MiB,
      memoryLimit: 32 * MiB,
      blockRead: 0,
      blockWrite: 3 * MiB,
      pids: 3,
    },
    {
      id: '0123456789abcdef',
      name: 'a-much-longer-name',
      cpuPercent: 0,
      memoryUsage: 512 * 1024,
      memoryLimit: 2 * 1024 ** 3,
      netRx: 1296,
      netTx: 0,
      blockRead: 4096,
      blockWrite: 0,
      pids: 1,
    },
  ];
  assert.is(
    formatStats(rows),
    [
      'CONTAINER ID   NAME                 CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      BLOCK I/O     PIDS',
      'e4b7c4b7b4f2   web                  50.13%    1.5MiB / 32MiB      4.69%     0B / 0B      0B / 3.15MB   3',
      '0123456789ab   a-much-longer-name   0.00%     512KiB / 2GiB       0.02%     1.3kB / 0B   4.1kB / 0B    1',
      '',
    ].join('\n'),
  );
  assert.is(formatStats([]), 'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS\n');
  // --format: docker's field names and headers; the default table template gives the same table.
  const fields = rows.map((r) => statsFields(r));
  assert.is(statsFields(rows[0], true).ID, rows[0].id.replace(/^sha256:/, ''), '--no-trunc: the whole ID');
  assert.is(statsFields(rows[0]).ID.length, 12);
  assert.is(
    formatRows('{{.Name}} {{.CPUPerc}} {{.PIDs}}', fields, STATS_HEADERS, STATS_DEFAULT_FORMAT),
    'web 50.13% 3\na-much-longer-name 0.00% 1\n',
  );
  assert.is(
    formatRows('table {{.Container}}\\t{{.MemPerc}}', fields.slice(0, 1), STATS_HEADERS, STATS_DEFAULT_FORMAT),
    'CONTAINER   MEM %\nweb         4.69%\n',
  );
  assert.is(formatRows('table', fields, STATS_HEADERS, STATS_DEFAULT_FORMAT), formatStats(rows));
});

test('statsRow() takes CPU % from two samples as docker does (200% = two CPUs)', () => {
  const before = { cpuUsageNs: 1e9, memoryUsage: 0, memoryLimit: 1, blkioReadBytes: 0, blkioWriteBytes: 0, pids: 1 };
  const after = { ...before, cpuUsageNs: 3e9, memoryUsage: 5, pids: 2 };
  assert.equal(statsRow('id', 'n', before, after, 1e9), {
    id: 'id',
    name: 'n',
    cpuPercent: 200,
    memoryUsage: 5,
    memoryLimit: 1,
    blockRead: 0,
    blockWrite: 0,
    pids: 2,
  });
  assert.is(statsRow('id', 'n', after, before, 1e9).cpuPercent, 0, 'a counter reset is not negative');
});

test('file parsers read memory.stat, blkio and io.stat as docker sums them', () => {
  assert.equal(
    [...parseFlatKeyed('cache 10\ntotal_inactive_file 4096\nbad x\n')],
    [
      ['cache', 10],
      ['total_inactive_file', 4096],
    ],
  );
  assert.equal(sumBlkioV1('7:0 Read 4096\n7:0 Write 8192\n7:0 Sync 100\n7:0 Total 12288\n8:0 Read 1\nTotal 12289\n'), {
    read: 4097,
    write: 8192,
  });
  assert.equal(sumIoStatV2('7:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n8:0 rbytes=1 wbytes=0 rios=1 wios=0\n'), {
    read: 4097,
    write: 8192,
  });
  assert.is(usageWithoutCache(10000, 4000), 6000);
  assert.is(usageWithoutCache(1000, 4000), 1000);
  assert.is(usageWithoutCache(1000, undefined), 1000);
});

test.run();
