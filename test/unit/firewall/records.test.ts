import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { deleteRecord, fitFileName, listRecords, readRecord, recordPath, writeRecord, type AttachmentRecord } from '../../../firewall/records';

test('fitFileName() keeps a name that fits, suffix included', () => {
  assert.is(fitFileName('web'), 'web');
  assert.is(fitFileName('a'.repeat(246), '.json.tmp'), 'a'.repeat(246));
});

test('fitFileName() shortens a longer name to 255 bytes with its suffix: start, "~", 32 hex digits', () => {
  for (const length of [247, 300, 10_000]) {
    const name = fitFileName('a'.repeat(length), '.json.tmp');
    assert.is(name.length + '.json.tmp'.length, 255, String(length));
    assert.match(name, /^a+~[0-9a-f]{32}$/);
  }
  assert.is.not(fitFileName('a'.repeat(300) + 'b'), fitFileName('a'.repeat(300) + 'c'), 'the hash covers the whole name');
  assert.is(fitFileName('n'.repeat(300)), fitFileName('n'.repeat(300)), 'stable');
  assert.is(Buffer.byteLength(fitFileName('é'.repeat(200))), 255, 'counts bytes, not characters');
});

test('recordPath() fits any valid container ID and network name (10,000 and 300 characters)', () => {
  const path = recordPath('/run/berth/firewall', 'n'.repeat(300), 'c'.repeat(10_000), 'eth0');
  assert.ok(path.split('/').every((part) => Buffer.byteLength(part) <= 255), path);
  assert.is(recordPath('/d', 'web', 'c1', 'eth0'), '/d/web/c1@eth0.json', 'short names as before');
});

test('writeRecord(), readRecord(), listRecords(), deleteRecord() with a 10,000-character ID and a 300-character network', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-records-'));
  try {
    const [network, containerId] = ['n'.repeat(300), 'c'.repeat(10_000)];
    const rec: AttachmentRecord = { version: 1, network, containerId, ifName: 'eth0', tag: 'x', elements: [] };
    writeRecord(dir, rec);
    assert.equal(readRecord(dir, network, containerId, 'eth0'), rec);
    assert.equal(listRecords(dir, network), [rec]);
    assert.equal(readdirSync(join(dir, readdirSync(dir)[0])), [basename(recordPath(dir, network, containerId, 'eth0'))]);
    deleteRecord(dir, network, containerId, 'eth0');
    assert.is(readRecord(dir, network, containerId, 'eth0'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
