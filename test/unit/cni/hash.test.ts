import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stableHash } from '../../../cni/hash';
import { Gen, prng } from '../../helpers/prng';

/** FNV-1a 64 as the spec writes it, in BigInt: the names derived from it must never change. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

test("stableHash() gives FNV-1a 64's published values", () => {
  assert.is(stableHash(''), 'cbf29ce484222325');
  assert.is(stableHash('a'), 'af63dc4c8601ec8c');
  assert.is(stableHash('foobar'), '85944171f73967e8');
});

test('stableHash() matches FNV-1a 64 in BigInt on random text, multi-byte characters included', () => {
  const gen = new Gen(prng(7));
  for (let i = 0; i < 3000; i++) {
    const text = String.fromCodePoint(...Array.from({ length: i % 97 }, () => gen.int(0x2fff)));
    assert.is(stableHash(text), fnv1a64(text), JSON.stringify(text));
  }
  assert.is(stableHash(`${'f'.repeat(64)}\0eth0`), fnv1a64(`${'f'.repeat(64)}\0eth0`));
});

test.run();
