import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
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

test.run();
