import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { deleteRecord, listRecords, readRecord, recordPath, writeRecord, type AttachmentRecord } from '../../../firewall/records';

test('recordPath() fits any valid container ID and network name (10,000 and 300 characters)', () => {
  const path = recordPath('/run/berth/firewall', 'n'.repeat(300), 'c'.repeat(10_000), 'eth0');
  assert.ok(
    path.split('/').every((part) => Buffer.byteLength(part) <= 255),
    path,
  );
  assert.is(recordPath('/d', 'web', 'c1', 'eth0'), '/d/web/c1@eth0.json', 'short names as before');
});

test('writeRecord(), readRecord(), listRecords(), deleteRecord() with a 10,000-character ID and a 300-character network', async () => {
  await withTempDir(async (dir) => {
    const [network, containerId] = ['n'.repeat(300), 'c'.repeat(10_000)];
    const rec: AttachmentRecord = { version: 1, network, containerId, ifName: 'eth0', tag: 'x', elements: [] };
    writeRecord(dir, rec);
    assert.equal(readRecord(dir, network, containerId, 'eth0'), rec);
    assert.equal(listRecords(dir, network), [rec]);
    assert.equal(readdirSync(join(dir, readdirSync(dir)[0])), [basename(recordPath(dir, network, containerId, 'eth0'))]);
    deleteRecord(dir, network, containerId, 'eth0');
    assert.is(readRecord(dir, network, containerId, 'eth0'), undefined);
  });
});

test('a record is rewritten in place, whole; a reader stops at the first newline, before a killed writer left the old tail', async () => {
  await withTempDir(async (dir) => {
    const rec = (tag: string, n: number): AttachmentRecord => ({
      version: 1,
      network: 'web',
      containerId: 'c1',
      ifName: 'eth0',
      tag,
      elements: Array.from({ length: n }, (_, i) => ({
        feature: 'masq' as const,
        set: 'masq4',
        key: `192.0.2.${i}`,
        parts: [{ ip: `192.0.2.${i}` }],
      })),
    });
    const path = recordPath(dir, 'web', 'c1', 'eth0');
    writeRecord(dir, rec('long', 20));
    writeRecord(dir, rec('short', 1));
    assert.is(readFileSync(path, 'utf8'), JSON.stringify(rec('short', 1)) + '\n', 'no tail of the longer record');
    // Killed between the write and the truncation: the new line, then the old record's tail.
    writeFileSync(path, JSON.stringify(rec('short', 1)) + '\n' + JSON.stringify(rec('long', 20)).slice(200) + '\n');
    assert.equal(readRecord(dir, 'web', 'c1', 'eth0'), rec('short', 1));
    // Longer than a page: through a temporary file, renamed; none is left.
    writeRecord(dir, rec('page', 100));
    assert.equal(readRecord(dir, 'web', 'c1', 'eth0'), rec('page', 100));
    assert.equal(readdirSync(join(dir, 'web')), ['c1@eth0.json']);
  });
});

test.run();
