import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitFileName, KEPT_BYTES, NAME_MAX } from '../../../cni/file-name';

test('fitFileName() keeps a name of up to NAME_MAX bytes as it is', () => {
  for (const name of ['web-c1-eth0', 'x'.repeat(NAME_MAX)]) assert.is(fitFileName(name), name);
});

test('fitFileName() cuts a longer name to its first bytes plus "~" and a hash of the whole', () => {
  const a = fitFileName('c'.repeat(10_000) + 'a'),
    b = fitFileName('c'.repeat(10_000) + 'b');
  for (const name of [a, b]) {
    assert.is(Buffer.byteLength(name), NAME_MAX);
    assert.match(name, new RegExp(`^c{${KEPT_BYTES}}~[0-9a-f]{16}$`));
  }
  assert.is.not(a, b);
  assert.is(fitFileName('c'.repeat(10_000) + 'a'), a, 'stable');
});

test('fitFileName() never cuts a character in half', () => {
  const name = fitFileName('é'.repeat(200));
  assert.ok(Buffer.byteLength(name) <= NAME_MAX);
  assert.match(name, /^é+~[0-9a-f]{16}$/);
});

test('fitFileName() leaves room for a suffix', () => {
  assert.is(fitFileName('a'.repeat(246), '.json.tmp'), 'a'.repeat(246));
  for (const length of [247, 300, 10_000]) {
    const name = fitFileName('a'.repeat(length), '.json.tmp');
    assert.is(Buffer.byteLength(name + '.json.tmp'), NAME_MAX, String(length));
    assert.match(name, /^a+~[0-9a-f]{16}$/);
  }
});

test.run();
