import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Readable } from 'node:stream';
import { readTarStream } from '../../../image/tar-stream';
import { TarSplitRecorder, decodeTarSplit, splitSize } from '../../../image/tar-split';
import { makeTar } from '../../helpers/tar-writer';

test('the tar-split of a stream and the files it names rebuild the stream byte for byte', async () => {
  const files: Record<string, string> = { 'etc/motd': 'x'.repeat(700), 'etc/long': 'y'.repeat(1025) };
  const tar = Buffer.concat([
    makeTar([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/motd', data: files['etc/motd'] },
      { name: 'etc/empty', data: '' },
      { name: 'etc/hard', type: 'link', linkname: 'etc/motd' },
      { name: 'x', data: files['etc/long'], pax: { path: 'etc/long' } },
    ]),
    Buffer.alloc(1536), // trailing blocks past the end marker count too (the diff ID hashes them)
  ]);
  const chunks = [];
  for (let i = 0; i < tar.length; i += 100) chunks.push(tar.subarray(i, i + 100));
  const split = new TarSplitRecorder();
  // the consumer reads some bodies and not others
  let n = 0;
  for await (const { body } of readTarStream(Readable.from(chunks), undefined, split)) if (n++ % 2 === 0) for await (const _ of body);
  const parts = decodeTarSplit(split.encode());
  assert.equal(
    parts.flatMap((p) => ('raw' in p ? [] : [[p.name, p.size]])),
    [
      ['etc/motd', 700],
      ['etc/long', 1025],
    ],
  );
  assert.is(splitSize(parts), tar.length);
  const rebuilt = Buffer.concat(parts.map((p) => ('raw' in p ? p.raw : Buffer.from(files[p.name]))));
  assert.ok(rebuilt.equals(tar));
});

test('decodeTarSplit() refuses a damaged split', () => {
  const split = new TarSplitRecorder();
  split.raw(Buffer.alloc(512));
  const good = decodeTarSplit(split.encode());
  assert.is(good.length, 1);
  assert.throws(() => decodeTarSplit(Buffer.from('not gzip')));
});

test.run();
