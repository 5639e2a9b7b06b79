import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Readable } from 'node:stream';
import { TarDecoder, parsePax } from '../../../image/tar';
import { readTarStream } from '../../../image/tar-stream';
import { makeTar, sha256 } from '../../helpers/tar-writer';
import { createHash } from 'node:crypto';

async function entries(tar: Buffer, chunk = 100) {
  const chunks = [];
  for (let i = 0; i < tar.length; i += chunk) chunks.push(tar.subarray(i, i + chunk));
  const hash = createHash('sha256');
  const out = [];
  for await (const { entry, body } of readTarStream(Readable.from(chunks), (c) => hash.update(c))) {
    const data: Buffer[] = [];
    for await (const c of body) data.push(c);
    out.push({ ...entry, data: Buffer.concat(data).toString() });
  }
  return { out, digest: `sha256:${hash.digest('hex')}` };
}

test('readTarStream() reads names, types, owners, modes, data and links in small chunks', async () => {
  const tar = makeTar([
    { name: 'etc/', type: 'dir', mode: 0o750, uid: 7, gid: 8 },
    { name: 'etc/motd', data: 'x'.repeat(700), mode: 0o4711 },
    { name: 'etc/hard', type: 'link', linkname: 'etc/motd' },
    { name: 'etc/soft', type: 'symlink', linkname: '/etc/motd' },
    { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3 },
  ]);
  const { out, digest } = await entries(tar, 37);
  assert.equal(
    out.map((e) => [e.name, e.type]),
    [
      ['etc/', 'dir'],
      ['etc/motd', 'file'],
      ['etc/hard', 'link'],
      ['etc/soft', 'symlink'],
      ['dev/null', 'char'],
    ],
  );
  assert.is(out[0].mode, 0o750);
  assert.is(out[0].uid, 7);
  assert.is(out[1].mode, 0o4711);
  assert.is(out[1].data, 'x'.repeat(700));
  assert.is(out[2].linkname, 'etc/motd');
  assert.equal([out[4].devmajor, out[4].devminor], [1, 3]);
  assert.is(digest, sha256(tar), 'every byte, the end blocks included, is hashed');
});

test('readTarStream() applies pax path, size and xattr records', async () => {
  const long = `${'d/'.repeat(80)}file`;
  const tar = makeTar([
    { name: 'short', data: 'hi', pax: { path: long, 'SCHILY.xattr.user.k': 'v', 'SCHILY.xattr.security.capability': 'cap' } },
  ]);
  const { out } = await entries(tar);
  assert.is(out[0].name, long);
  assert.equal(Object.keys(out[0].xattrs).sort(), ['security.capability', 'user.k']);
  assert.is(out[0].xattrs['user.k'].toString(), 'v');
});

test('readTarStream() refuses a stream cut inside an entry', async () => {
  const tar = makeTar([{ name: 'f', data: 'y'.repeat(2000) }]);
  try {
    await entries(tar.subarray(0, 1200));
    assert.unreachable('a truncated stream was accepted');
  } catch (err) {
    assert.match(String(err), /truncated/);
  }
});

test('TarDecoder.header() refuses a bad checksum and a GNU sparse file', () => {
  const tar = makeTar([{ name: 'f', data: 'z' }]);
  const bad = Buffer.from(tar.subarray(0, 512));
  bad[0] ^= 1;
  assert.throws(() => new TarDecoder().header(bad), /checksum mismatch/);
  const sparse = Buffer.from(tar.subarray(0, 512));
  sparse[156] = 'S'.charCodeAt(0);
  sparse.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of sparse) sum += b;
  sparse.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  assert.throws(() => new TarDecoder().header(sparse), /GNU sparse/);
});

test('TarDecoder.header() reads base-256 numbers', () => {
  const block = Buffer.from(makeTar([{ name: 'big', uid: 0 }]).subarray(0, 512));
  block.fill(0, 108, 116);
  block[108] = 0x80;
  block.writeUInt32BE(3_000_000_000, 112);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const decoded = new TarDecoder().header(block);
  assert.is(decoded.kind === 'entry' && decoded.entry.uid, 3_000_000_000);
});

test('parsePax() refuses a record whose length is wrong', () => {
  assert.throws(() => parsePax(Buffer.from('99 path=x\n')), /malformed pax record/);
  assert.equal(parsePax(Buffer.from('11 path=ab\n')).get('path')?.toString(), 'ab');
});

test.run();
