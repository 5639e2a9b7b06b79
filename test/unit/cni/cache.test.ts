import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cacheFilePath,
  decodeCachedConfig,
  deleteCacheEntry,
  listCachedAttachments,
  parseCacheEntry,
  readCacheEntry,
  renderCacheEntry,
  writeCacheEntry,
} from '../../../cni/cache';
import { withTempDir } from '../../helpers/sandbox';

const KEY = { networkName: 'web', containerId: 'c1', ifName: 'eth0' };
const CONF = '{"cniVersion":"1.0.0","name":"web","plugins":[{"type":"bridge"}]}';
const RESULT = { cniVersion: '1.0.0', ips: [{ address: '192.0.2.5/24' }] };

test('cacheFilePath() is <dir>/results/<network>-<container>-<ifname> and refuses path characters', () => {
  assert.is(cacheFilePath('/var/lib/cni', KEY), '/var/lib/cni/results/web-c1-eth0');
  assert.throws(() => cacheFilePath('/x', { ...KEY, containerId: '../etc' }), /invalid name part "\.\.\/etc"$/);
  assert.throws(() => cacheFilePath('/x', { ...KEY, ifName: '' }), /invalid name part ""$/);
});

test('cache entries of a 10,000-character container ID and a 300-character network name are written, read, listed and deleted', () =>
  withTempDir(async (dir) => {
    const key = { networkName: 'n'.repeat(300), containerId: 'c'.repeat(10_000), ifName: 'eth0' };
    const short = { ...KEY, containerId: 'c'.repeat(200) }; // fits: keeps its libcni name
    for (const k of [key, short]) await writeCacheEntry(dir, renderCacheEntry(k, { config: CONF, result: RESULT }));
    const names = readdirSync(join(dir, 'results')).sort();
    assert.equal(
      names.map((n) => Buffer.byteLength(n) <= 255),
      [true, true],
    );
    assert.ok(names.includes(`web-${'c'.repeat(200)}-eth0`));
    assert.equal((await readCacheEntry(dir, key))?.containerId, key.containerId);
    assert.equal(
      (await listCachedAttachments(dir, { networkName: key.networkName })).map((e) => e.containerId),
      [key.containerId],
    );
    assert.equal(
      (await listCachedAttachments(dir, { networkName: 'web' })).map((e) => e.containerId),
      [short.containerId],
    );
    await deleteCacheEntry(dir, key);
    assert.is(await readCacheEntry(dir, key), undefined);
    assert.equal(readdirSync(join(dir, 'results')), [`web-${'c'.repeat(200)}-eth0`]);
  }));

test("renderCacheEntry() uses libcni's keys, base64 config, and omits empty optional keys", () => {
  assert.equal(renderCacheEntry(KEY, { config: CONF, netns: '', cniArgs: [], capabilityArgs: {}, result: RESULT }), {
    kind: 'cniCacheV1',
    containerId: 'c1',
    config: Buffer.from(CONF).toString('base64'),
    ifName: 'eth0',
    networkName: 'web',
    result: RESULT,
  });
  const full = renderCacheEntry(KEY, {
    config: CONF,
    netns: '/run/netns/x',
    cniArgs: [['IP', '192.0.2.5']],
    capabilityArgs: { mac: '02:00:00:00:00:01' },
    result: RESULT,
  });
  assert.equal(Object.keys(full), [
    'kind',
    'containerId',
    'config',
    'ifName',
    'networkName',
    'netns',
    'cniArgs',
    'capabilityArgs',
    'result',
  ]);
  assert.is(decodeCachedConfig(full), CONF);
});

test('parseCacheEntry() accepts a libcni-written file (null fields) and refuses other kinds', () => {
  const libcni = `{"kind":"cniCacheV1","containerId":"c1","config":"${Buffer.from(CONF).toString('base64')}","ifName":"eth0","networkName":"web","netns":"/run/netns/x","cniArgs":null,"capabilityArgs":null,"result":{"cniVersion":"1.0.0"}}`;
  assert.equal(parseCacheEntry(libcni), {
    kind: 'cniCacheV1',
    containerId: 'c1',
    config: Buffer.from(CONF).toString('base64'),
    ifName: 'eth0',
    networkName: 'web',
    netns: '/run/netns/x',
    result: { cniVersion: '1.0.0' },
  });
  for (const bad of [
    '',
    '{',
    '[]',
    '{"kind":"other","containerId":"c","ifName":"e","networkName":"n"}',
    '{"kind":"cniCacheV1","containerId":"","ifName":"e","networkName":"n"}',
    '{"kind":"cniCacheV1","containerId":"c","ifName":"e","networkName":"n","cniArgs":[["a"]]}',
    '{"kind":"cniCacheV1","containerId":"c","ifName":"e","networkName":"n","result":[]}',
  ])
    assert.is(parseCacheEntry(bad), undefined, bad);
});

test('writeCacheEntry() writes atomically with mode 0600 in a 0700 dir; readCacheEntry() reads it back', () =>
  withTempDir(async (dir) => {
    const entry = renderCacheEntry(KEY, { config: CONF, result: RESULT });
    await writeCacheEntry(dir, entry);
    assert.equal(readdirSync(join(dir, 'results')), ['web-c1-eth0']); // no temp file left
    assert.is(statSync(join(dir, 'results', 'web-c1-eth0')).mode & 0o777, 0o600);
    assert.is(statSync(join(dir, 'results')).mode & 0o777, 0o700);
    assert.equal(await readCacheEntry(dir, KEY), entry);
    await writeCacheEntry(dir, { ...entry, result: { cniVersion: '1.0.0' } });
    assert.equal((await readCacheEntry(dir, KEY))?.result, { cniVersion: '1.0.0' });
    await deleteCacheEntry(dir, KEY);
    await deleteCacheEntry(dir, KEY); // absent is fine
    assert.is(await readCacheEntry(dir, KEY), undefined);
  }));

test('writeCacheEntry() with deferFlush: the entry readable on return, its flush handed over once', () =>
  withTempDir(async (dir) => {
    const entry = renderCacheEntry(KEY, { config: CONF, result: RESULT });
    const flushes: Array<Promise<void>> = [];
    await writeCacheEntry(dir, entry, (flushed) => flushes.push(flushed));
    assert.is(flushes.length, 1);
    assert.equal(await readCacheEntry(dir, KEY), entry);
    await flushes[0];
    assert.equal(readdirSync(join(dir, 'results')), ['web-c1-eth0']);
  }));

test('readCacheEntry() ignores a file whose content names another attachment (names are ambiguous)', () =>
  withTempDir(async (dir) => {
    await writeCacheEntry(
      dir,
      renderCacheEntry({ networkName: 'a-b', containerId: 'c', ifName: 'eth0' }, { config: CONF, result: RESULT }),
    );
    assert.is(await readCacheEntry(dir, { networkName: 'a', containerId: 'b-c', ifName: 'eth0' }), undefined);
    assert.ok(await readCacheEntry(dir, { networkName: 'a-b', containerId: 'c', ifName: 'eth0' }));
  }));

test('listCachedAttachments() lists valid entries, filtered by network and container, sorted', () =>
  withTempDir(async (dir) => {
    assert.equal(await listCachedAttachments(dir), []); // no results dir yet
    for (const [networkName, containerId, ifName] of [
      ['web', 'c2', 'eth0'],
      ['web', 'c1', 'eth1'],
      ['web', 'c1', 'eth0'],
      ['web-2', 'c1', 'eth0'],
      ['db', 'c3', 'eth0'],
    ])
      await writeCacheEntry(dir, renderCacheEntry({ networkName, containerId, ifName }, { config: CONF, result: RESULT }));
    writeFileSync(join(dir, 'results', 'web-junk-eth0'), 'not json');
    writeFileSync(
      join(dir, 'results', '.web-c9-eth0.1.tmp'),
      JSON.stringify(renderCacheEntry({ ...KEY, containerId: 'c9' }, { config: CONF, result: RESULT })),
    );
    mkdirSync(join(dir, 'results', 'web-dir-eth0'));
    const names = (entries: Array<{ networkName: string; containerId: string; ifName: string }>) =>
      entries.map((e) => `${e.networkName}/${e.containerId}/${e.ifName}`);
    assert.equal(names(await listCachedAttachments(dir)), ['db/c3/eth0', 'web/c1/eth0', 'web/c1/eth1', 'web/c2/eth0', 'web-2/c1/eth0']);
    assert.equal(names(await listCachedAttachments(dir, { networkName: 'web' })), ['web/c1/eth0', 'web/c1/eth1', 'web/c2/eth0']);
    assert.equal(names(await listCachedAttachments(dir, { containerId: 'c1' })), ['web/c1/eth0', 'web/c1/eth1', 'web-2/c1/eth0']);
    assert.ok(readFileSync(join(dir, 'results', 'web-c1-eth0'), 'utf8').startsWith('{"kind":"cniCacheV1"'));
  }));

test.run();
