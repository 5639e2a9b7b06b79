import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  RECORD_HEADER,
  crc32,
  decodeJournal,
  encodeRecord,
  nextEpoch,
  planReplay,
  tryParseEntry,
  type JournalEntry,
} from '../../../volume/journal';

const test = suite('volume journal (pure)');

const create = (name: string, id = `id-${name}`): JournalEntry => ({
  op: 'create',
  name,
  id,
  createdAt: '2026-11-22T08:00:00Z',
  options: { mode: '0700' },
});
const remove = (name: string, id?: string): JournalEntry => ({ op: 'remove', name, ...(id !== undefined && { id }) });

/** The bytes of a journal file holding `entries` of `epoch` from offset 0, padded with zeros to `size`. */
function file(entries: JournalEntry[], epoch: number, size = 4096, under?: Uint8Array): Uint8Array {
  const out = under ? Uint8Array.from(under) : new Uint8Array(size);
  let off = 0,
    prev = 0;
  entries.forEach((e, i) => {
    const { bytes, crc } = encodeRecord(e, epoch, i, prev);
    out.set(bytes, off);
    off += bytes.length;
    prev = crc;
  });
  return out;
}

test('crc32() matches the IEEE check value and continues from a seed', () => {
  const enc = new TextEncoder();
  assert.is(crc32(enc.encode('123456789')), 0xcbf43926);
  assert.is(crc32(enc.encode('6789'), crc32(enc.encode('12345'))), 0xcbf43926);
});

test('decodeJournal() reads back every record, ends at the zeros, and gives the next write offset and seed', () => {
  const entries = [
    create('a'),
    { op: 'mounts', name: 'a', id: 'id-a', mounts: { x: 2 } } as JournalEntry,
    remove('a', 'id-a'),
    create('b'),
  ];
  const d = decodeJournal(file(entries, 7));
  assert.equal(d.entries, entries);
  assert.is(d.epoch, 7);
  assert.is(d.stoppedAtGarbage, false);
  const lengths = entries.map((e, i) => encodeRecord(e, 7, i, 0).bytes.length);
  assert.is(
    d.end,
    lengths.reduce((a, b) => a + b),
  );
  assert.equal(decodeJournal(new Uint8Array(4096)), { epoch: undefined, entries: [], end: 0, lastCrc: 0, stoppedAtGarbage: false });
  assert.equal(decodeJournal(new Uint8Array(0)).entries, []);
});

test('decodeJournal() drops a torn last record: cut short, or a byte that never reached the disk', () => {
  const full = file([create('a'), create('b'), create('torn')], 3);
  const end = decodeJournal(full).end;
  const lastLen = encodeRecord(create('torn'), 3, 2, 0).bytes.length;
  const cut = Uint8Array.from(full);
  cut.fill(0, end - Math.floor(lastLen / 2), end); // the second half of the last record is still zeros
  const d = decodeJournal(cut);
  assert.equal(
    d.entries.map((e) => e.name),
    ['a', 'b'],
  );
  assert.is(d.end, end - lastLen);
  assert.is(d.stoppedAtGarbage, true);
  const flipped = Uint8Array.from(full);
  flipped[end - 3] ^= 0x20;
  assert.equal(
    decodeJournal(flipped).entries.map((e) => e.name),
    ['a', 'b'],
  );
  const shortFile = full.subarray(0, end - 5); // the file itself ends inside the record
  assert.equal(
    decodeJournal(shortFile).entries.map((e) => e.name),
    ['a', 'b'],
  );
});

test('decodeJournal() never reads what an older use of the file left after the new records', () => {
  const old = file([create('o1'), create('o2'), create('o3'), create('o4')], 4);
  // Epoch 5 overwrote the start of the file with one record: what follows is epoch 4's.
  const reused = file([create('n1')], 5, 0, old);
  assert.equal(
    decodeJournal(reused).entries.map((e) => e.name),
    ['n1'],
  );
  // Same epoch, right sequence, valid CRC of its own, but chained to another first record: not read.
  const a = file([create('x'), remove('victim')], 9);
  const b = file([create('y')], 9, 0, a);
  const firstLenX = encodeRecord(create('x'), 9, 0, 0).bytes.length;
  const firstLenY = encodeRecord(create('y'), 9, 0, 0).bytes.length;
  assert.is(firstLenX, firstLenY);
  assert.equal(
    decodeJournal(b).entries.map((e) => e.name),
    ['y'],
  );
});

test('decodeJournal() stops at a record whose payload is not an entry', () => {
  const bytes = new Uint8Array(1024);
  const good = encodeRecord(create('a'), 1, 0, 0);
  bytes.set(good.bytes);
  const payload = new TextEncoder().encode('{"op":"explode","name":"b"}');
  const bad = new Uint8Array(RECORD_HEADER + payload.length);
  const v = new DataView(bad.buffer);
  v.setUint32(0, 0x31524a42, true);
  v.setUint32(4, payload.length, true);
  v.setUint32(8, 1, true);
  v.setUint32(12, 1, true);
  bad.set(payload, RECORD_HEADER);
  const head = crc32(bad.subarray(4, 16), good.crc);
  v.setUint32(16, crc32(payload, head), true);
  bytes.set(bad, good.bytes.length);
  const d = decodeJournal(bytes);
  assert.equal(
    d.entries.map((e) => e.name),
    ['a'],
  );
  assert.is(d.stoppedAtGarbage, true);
});

test('tryParseEntry() accepts the three kinds and refuses anything else', () => {
  assert.equal(tryParseEntry(JSON.stringify(create('a'))), create('a'));
  assert.equal(tryParseEntry(JSON.stringify({ ...create('a'), dirId: '12:34' })), { ...create('a'), dirId: '12:34' });
  assert.equal(tryParseEntry('{"op":"remove","name":"a"}'), remove('a'));
  assert.equal(tryParseEntry('{"op":"mounts","name":"a","id":"i","mounts":{"x":1}}'), {
    op: 'mounts',
    name: 'a',
    id: 'i',
    mounts: { x: 1 },
  });
  for (const text of [
    '',
    'null',
    '[]',
    '{"op":"create","name":"a"}',
    '{"op":"create","name":"a","id":"i","createdAt":"t","options":{"k":1}}',
    '{"op":"remove","name":""}',
    '{"op":"remove","name":"a","id":5}',
    '{"op":"mounts","name":"a","id":"i","mounts":{"x":0}}',
    '{"op":"mounts","name":"a","mounts":{}}',
    '{"op":"create","name":"a","id":"i","createdAt":"t","options":{},"dirId":7}',
  ])
    assert.is(tryParseEntry(text), undefined, text);
});

test("planReplay() takes the files in epoch order and keeps each name's last Create or Remove", () => {
  const older = decodeJournal(file([create('a'), create('b'), create('c')], 11));
  const newer = decodeJournal(file([remove('a', 'id-a'), create('b', 'id-b2'), create('d')], 12));
  for (const files of [
    [older, newer],
    [newer, older],
  ]) {
    const plan = planReplay([...files, decodeJournal(new Uint8Array(64))]);
    assert.equal([...plan.keys()].sort(), ['a', 'b', 'c', 'd']);
    assert.equal(plan.get('a')?.entry, remove('a', 'id-a'));
    assert.is((plan.get('b')?.entry as any).id, 'id-b2');
    assert.equal(plan.get('c')?.entry, create('c'));
  }
});

test('planReplay() gives a Create the last counts recorded for that volume, not for an older one of its name', () => {
  const m = (name: string, id: string, mounts: Record<string, number>): JournalEntry => ({ op: 'mounts', name, id, mounts });
  const j = decodeJournal(
    file(
      [
        create('a', 'one'),
        m('a', 'one', { x: 1 }),
        remove('a', 'one'),
        create('a', 'two'),
        m('a', 'one', { y: 1 }),
        create('b'),
        m('b', 'id-b', { z: 1 }),
        m('b', 'id-b', { z: 2 }),
        m('c', 'id-c', { q: 1 }),
      ],
      1,
    ),
  );
  const plan = planReplay([j]);
  assert.equal(plan.get('a'), { entry: create('a', 'two') });
  assert.equal(plan.get('b'), { entry: create('b'), mounts: { z: 2 } });
  assert.not.ok(plan.has('c'), 'counts of a volume without a Create in the journal change nothing');
});

test('nextEpoch() is above every epoch read', () => {
  assert.is(nextEpoch([decodeJournal(new Uint8Array(10)), decodeJournal(new Uint8Array(0))]), 1);
  assert.is(nextEpoch([decodeJournal(file([create('a')], 41)), decodeJournal(file([create('a')], 40))]), 42);
});

test.run();
