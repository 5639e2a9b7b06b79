import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAttachment, deleteAttachment } from '../../../firewall/engine';
import { gcNetwork } from '../../../firewall/gc';
import { element, masqueradeElements } from '../../../firewall/render';
import { readRecord } from '../../../firewall/records';
import { FakeNetlinkNft, FakeNft } from '../../fakes/nft';
import { toCniError } from '../../../cni/errors';

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-engine-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

const ref = (containerId: string, ifName = 'eth0', network = 'web') => ({ network, containerId, ifName, stateDir: dir });
const port = (p: number, to: string) =>
  element('portmap', 'hostport4', [{ proto: 'tcp' }, { port: p }], {
    data: { parts: [{ ip: to }, { port: 80 }] },
    exclusive: true,
    what: `host port ${p}/tcp`,
  });
const masq = (cidr: string) => ({ features: ['masq' as const], elements: masqueradeElements([cidr]), schema: () => '' });
/** The keys an attachment's record lists. */
const recordedKeys = (containerId: string) => readRecord(dir, 'web', containerId, 'eth0')?.elements.map((e) => e.key);

test('addAttachment() adds tagged elements and records them', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), masq('192.0.2.5/24'));
  assert.is(nft.count('web/c1/eth0'), 1);
  assert.equal(recordedKeys('c1'), ['192.0.2.5']);
});

test('addAttachment() makes a records directory that does not exist yet, then locks in it', async () => {
  const nft = new FakeNft();
  const nested = join(dir, 'not', 'yet');
  await addAttachment(nft, { ...ref('c1'), stateDir: nested }, masq('192.0.2.5/24'));
  assert.ok(readdirSync(nested).includes('.lock'));
  assert.equal(
    readRecord(nested, 'web', 'c1', 'eth0')?.elements.map((e) => e.key),
    ['192.0.2.5'],
  );
  await deleteAttachment(() => nft, { ...ref('c1'), stateDir: nested });
  assert.is(nft.count('web/c1/eth0'), 0);
});

test('addAttachment() applies the schema only when the tables are missing', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), { ...masq('192.0.2.5/24'), schema: () => 'add table inet berth\n' });
  await addAttachment(nft, ref('c2'), { ...masq('192.0.2.6/24'), schema: () => 'add table inet berth\n' });
  assert.equal(
    nft.scripts.map((s) => s.includes('add table')),
    [true, false],
  );
  assert.is(nft.count('web/c2/eth0'), 1);
});

test('addAttachment() again is idempotent and drops elements no longer asked for', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), {
    features: ['portmap'],
    elements: [port(8080, '192.0.2.5'), port(8081, '192.0.2.5')],
    schema: () => '',
  });
  await addAttachment(nft, ref('c1'), { features: ['portmap'], elements: [port(8080, '192.0.2.5')], schema: () => '' });
  assert.equal(
    [...nft.elements.values()].map((e) => e.key),
    ['tcp . 8080'],
  );
});

/** c2 asks for c1's host port (and a free one): refused with code 106 naming c1, and nothing changes. */
async function refusesAnotherAttachmentsPort(nft: FakeNft): Promise<void> {
  await addAttachment(nft, ref('c1'), { features: ['portmap'], elements: [port(8080, '192.0.2.5')], schema: () => '' });
  try {
    await addAttachment(nft, ref('c2'), {
      features: ['portmap'],
      elements: [port(8081, '192.0.2.6'), port(8080, '192.0.2.6')],
      schema: () => '',
    });
    assert.unreachable();
  } catch (err: any) {
    assert.is(err.code, 106);
    assert.is(err.message, 'cannot map host port 8080/tcp: already mapped for container "c1" (interface "eth0" on network "web")');
  }
  assert.is(readRecord(dir, 'web', 'c2', 'eth0'), undefined);
  assert.is(nft.count('web/c2/'), 0);
  assert.is(nft.count('web/c1/'), 1);
}

test('addAttachment() refuses a host port owned by another attachment with code 106 and changes nothing', () =>
  refusesAnotherAttachmentsPort(new FakeNft()));

test('addAttachment() refuses the same host port twice in one request', async () => {
  const nft = new FakeNft();
  try {
    await addAttachment(nft, ref('c1'), {
      features: ['portmap'],
      elements: [port(8080, '192.0.2.5'), port(8080, '192.0.2.5')],
      schema: () => '',
    });
    assert.unreachable();
  } catch (err: any) {
    assert.is(err.code, 106);
    assert.match(err.message, /appears twice in the request$/);
  }
});

test("an address taken over after a leak: the old owner's DEL leaves it alone", async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('old'), masq('192.0.2.5/24'));
  await addAttachment(nft, ref('new'), masq('192.0.2.5/24'));
  assert.is(nft.count('web/new/eth0'), 1);
  await deleteAttachment(() => nft, ref('old'));
  assert.is(nft.count('web/new/eth0'), 1);
  assert.is(readRecord(dir, 'web', 'old', 'eth0'), undefined);
});

test('deleteAttachment() without a record touches neither nftables nor the lock', async () => {
  const nft = new FakeNft();
  assert.is(await deleteAttachment(() => nft, ref('none')), undefined);
  assert.equal(nft.calls, []);
  assert.not.ok(readdirSync(dir).includes('.lock'));
});

test('deleteAttachment() of one feature keeps the others', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), masq('192.0.2.5/24'));
  await addAttachment(nft, ref('c1'), { features: ['portmap'], elements: [port(8080, '192.0.2.5')], schema: () => '' });
  await deleteAttachment(() => nft, ref('c1'), ['portmap']);
  assert.equal(
    [...nft.elements.values()].map((e) => e.set),
    ['masq4'],
  );
  assert.equal(
    readRecord(dir, 'web', 'c1', 'eth0')?.elements.map((e) => e.feature),
    ['masq'],
  );
  await deleteAttachment(() => nft, ref('c1'));
  assert.is(nft.elements.size, 0);
  assert.is(readRecord(dir, 'web', 'c1', 'eth0'), undefined);
});

test('deleteAttachment() removes a record that holds no element (ipMasq with no address)', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), { features: ['masq'], elements: [], schema: () => '' });
  assert.ok(readRecord(dir, 'web', 'c1', 'eth0'));
  await deleteAttachment(() => nft, ref('c1'), ['masq', 'macspoof']);
  assert.is(readRecord(dir, 'web', 'c1', 'eth0'), undefined);
});

test('deleteAttachment() of a feature the record lacks leaves the other features untouched', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), masq('192.0.2.5/24'));
  const before = readRecord(dir, 'web', 'c1', 'eth0');
  await deleteAttachment(() => nft, ref('c1'), ['portmap']);
  assert.equal(readRecord(dir, 'web', 'c1', 'eth0'), before);
  assert.is(nft.count('web/c1/eth0'), 1);
});

test("a temporary record file left by a killed writer goes with the attachment's DEL, or with a GC", async () => {
  const nft = new FakeNft();
  mkdirSync(join(dir, 'web'), { recursive: true });
  writeFileSync(join(dir, 'web', 'c1@eth0.json.tmp'), ''); // killed before its first rename: no record
  writeFileSync(join(dir, 'web', 'c2@eth0.json.tmp'), '{"half');
  await deleteAttachment(() => nft, ref('c1'));
  assert.equal(readdirSync(join(dir, 'web')), ['c2@eth0.json.tmp']);
  await gcNetwork(() => nft, { stateDir: dir, network: 'web', valid: [], features: ['masq'] });
  assert.equal(readdirSync(join(dir, 'web')), []);
});

test('deleteAttachment() twice succeeds, and skips elements already gone', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), masq('192.0.2.5/24'));
  nft.elements.clear(); // e.g. the table was flushed by hand
  await deleteAttachment(() => nft, ref('c1'));
  await deleteAttachment(() => nft, ref('c1'));
  assert.is(readRecord(dir, 'web', 'c1', 'eth0'), undefined);
});

test('addAttachment() puts the old record back when nftables refuses', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), masq('192.0.2.5/24'));
  nft.failNext = 'Operation not permitted';
  try {
    await addAttachment(nft, ref('c1'), masq('192.0.2.9/24'));
    assert.unreachable();
  } catch (err: any) {
    assert.is(toCniError(err).code, 107);
    assert.is(err.message, 'cannot apply the firewall of container "c1": Operation not permitted');
  }
  assert.equal(recordedKeys('c1'), ['192.0.2.5']);
});

/** A netlink fake whose tables exist, with the calls of making them forgotten. */
async function netlinkWithSchema(): Promise<FakeNetlinkNft> {
  const nft = new FakeNetlinkNft();
  await addAttachment(nft, ref('first'), { ...masq('198.51.100.1/24'), schema: () => 'add table inet berth\n' });
  nft.calls.length = 0;
  return nft;
}

test('over netlink, a new attachment is added in one batch, without reading an owner', async () => {
  const nft = await netlinkWithSchema();
  await addAttachment(nft, ref('c1'), { features: ['portmap'], elements: [port(8080, '192.0.2.5')], schema: () => '' });
  assert.equal(nft.calls, ['applyElements']);
  assert.is(nft.count('web/c1/eth0'), 1);
  assert.equal(recordedKeys('c1'), ['tcp . 8080']);
});

test("over netlink, another attachment's host port is refused with its owner named, and nothing changes", async () =>
  refusesAnotherAttachmentsPort(await netlinkWithSchema()));

test('over netlink, ADD again refreshes its own elements and drops those no longer asked for', async () => {
  const nft = await netlinkWithSchema();
  await addAttachment(nft, ref('c1'), {
    features: ['portmap'],
    elements: [port(8080, '192.0.2.5'), port(8081, '192.0.2.5')],
    schema: () => '',
  });
  await addAttachment(nft, ref('c1'), { features: ['portmap'], elements: [port(8080, '192.0.2.7')], schema: () => '' });
  assert.equal(
    [...nft.elements.values()].filter((e) => e.set === 'hostport4').map((e) => [e.key, e.comment]),
    [['tcp . 8080', 'web/c1/eth0']],
  );
  assert.equal(recordedKeys('c1'), ['tcp . 8080']);
});

test("over netlink, an address leaked by another attachment is taken over, and the old owner's DEL leaves it", async () => {
  const nft = await netlinkWithSchema();
  await addAttachment(nft, ref('old'), masq('192.0.2.5/24'));
  await addAttachment(nft, ref('new'), masq('192.0.2.5/24'));
  assert.is(nft.count('web/new/eth0'), 1);
  assert.is(nft.count('web/old/eth0'), 0);
  await deleteAttachment(() => nft, ref('old'));
  assert.is(nft.count('web/new/eth0'), 1);
});

test('over netlink, the first ADD makes the tables with the schema; later ADDs never render it', async () => {
  const nft = new FakeNetlinkNft();
  let rendered = 0;
  const schema = () => {
    rendered += 1;
    return 'add table inet berth\n';
  };
  await addAttachment(nft, ref('c1'), { ...masq('192.0.2.5/24'), schema });
  assert.is(nft.hasSchema, true);
  assert.is(nft.count('web/c1/eth0'), 1);
  assert.is(rendered, 1);
  await addAttachment(nft, ref('c2'), { ...masq('192.0.2.6/24'), schema });
  assert.is(nft.count('web/c2/eth0'), 1);
  assert.is(rendered, 1);
});

test('gcNetwork() removes stale attachments of its network only, records and elements', async () => {
  const nft = new FakeNft();
  await addAttachment(nft, ref('c1'), masq('192.0.2.5/24'));
  await addAttachment(nft, ref('c2'), masq('192.0.2.6/24'));
  await addAttachment(nft, ref('c9', 'eth0', 'other'), masq('198.51.100.9/24'));
  const removed = await gcNetwork(() => nft, {
    stateDir: dir,
    network: 'web',
    valid: [{ containerID: 'c2', ifname: 'eth0' }],
    features: ['masq'],
  });
  assert.equal(
    removed.map((r) => r.containerId),
    ['c1'],
  );
  assert.is(nft.count('web/c1/'), 0);
  assert.is(nft.count('web/c2/'), 1);
  assert.is(nft.count('other/c9/'), 1);
  assert.is(readRecord(dir, 'web', 'c1', 'eth0'), undefined);
});

test('gcNetwork() also removes tagged elements whose record was lost', async () => {
  const nft = new FakeNft();
  nft.elements.set('masq4 192.0.2.7', { set: 'masq4', key: '192.0.2.7', comment: 'web/lost/eth0', value: 'jump x' });
  await gcNetwork(() => nft, { stateDir: dir, network: 'web', valid: [], features: ['masq'] });
  assert.is(nft.elements.size, 0);
});

test.run();
