import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  IMAGE_DEFAULT_FORMAT,
  IMAGE_HEADERS,
  humanDuration,
  imageRowData,
  imageRows,
  renderColumns,
  renderImageTable,
} from '../../../image/format';
import { humanSize } from '../../../lib/go-units';
import { formatRows } from '../../../lib/format-rows';

const sizes: Array<[number, string]> = [
  [0, '0B'],
  [999, '999B'],
  [1000, '1kB'],
  [1234, '1.23kB'],
  [1_984_459, '1.98MB'],
  [826_000, '826kB'],
  [999_950, '1e+03kB'],
  [12_345_678_901, '12.3GB'],
  [100_000, '100kB'],
];
for (const [bytes, text] of sizes) test(`humanSize(${bytes}) is ${text}`, () => assert.is(humanSize(bytes), text));

const durations: Array<[number, string]> = [
  [500, 'Less than a second'],
  [1000, '1 second'],
  [59_000, '59 seconds'],
  [60_000, 'About a minute'],
  [30 * 60_000, '30 minutes'],
  [3_600_000, 'About an hour'],
  [47 * 3_600_000, '47 hours'],
  [3 * 86_400_000, '3 days'],
  [20 * 86_400_000, '2 weeks'],
  [90 * 86_400_000, '3 months'],
  [800 * 86_400_000, '2 years'],
];
for (const [ms, text] of durations) test(`humanDuration(${ms}) is ${text}`, () => assert.is(humanDuration(ms), text));

test("renderColumns() pads as docker's tabwriter (minimum 10, padding 3)", () => {
  assert.is(
    renderColumns([
      ['A', 'LONGER HEADER', 'Z'],
      ['bb', 'c', 'last'],
    ]),
    'A         LONGER HEADER   Z\nbb        c               last',
  );
});

test('renderImageTable() lists a row per tag and <none> for an untagged image', () => {
  const now = Date.parse('2024-01-02T04:04:05Z');
  const base = { layerDirs: [], config: {}, diffIds: [], size: 1_984_459, created: '2024-01-02T03:04:05Z' };
  const rows = imageRows(
    [
      { ...base, id: `sha256:${'a'.repeat(64)}`, repoTags: ['busybox:latest', 'localhost:5000/bb:1'] },
      { ...base, id: `sha256:${'b'.repeat(64)}`, repoTags: [], created: undefined },
    ],
    now,
    false,
  );
  assert.is(
    renderImageTable(rows),
    [
      'REPOSITORY          TAG       IMAGE ID       CREATED             SIZE',
      'busybox             latest    aaaaaaaaaaaa   About an hour ago   1.98MB',
      'localhost:5000/bb   1         aaaaaaaaaaaa   About an hour ago   1.98MB',
      '<none>              <none>    bbbbbbbbbbbb   N/A                 1.98MB',
    ].join('\n'),
  );
});

test('images --format: Go templates, table templates and json as docker 20.10 prints them', () => {
  const now = Date.parse('2024-01-02T04:04:05Z');
  const img = { layerDirs: [], config: {}, diffIds: [], size: 1_982_459, created: '2024-01-02T03:04:05Z', id: `sha256:${'a'.repeat(64)}` };
  const rows = imageRows([{ ...img, repoTags: ['bb:latest'] }], now, false).map(imageRowData);
  assert.is(formatRows('{{.Repository}}:{{.Tag}}', rows, IMAGE_HEADERS, IMAGE_DEFAULT_FORMAT), 'bb:latest\n');
  assert.is(
    formatRows('table {{.Repository}}\\t{{.ID}}', rows, IMAGE_HEADERS, IMAGE_DEFAULT_FORMAT),
    'REPOSITORY   IMAGE ID\nbb           aaaaaaaaaaaa\n',
  );
  assert.is(
    formatRows('{{json .}}', rows, IMAGE_HEADERS, IMAGE_DEFAULT_FORMAT),
    '{"Containers":"N/A","CreatedAt":"2024-01-02 03:04:05 +0000 UTC","CreatedSince":"About an hour ago","Digest":"\\u003cnone\\u003e",' +
      '"ID":"aaaaaaaaaaaa","Repository":"bb","SharedSize":"N/A","Size":"1.98MB","Tag":"latest","UniqueSize":"N/A","VirtualSize":"1.982MB"}\n',
  );
});

test.run();
