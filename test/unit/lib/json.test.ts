import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isJsonObject, jsonDepth, MAX_JSON_DEPTH, parseJsonObject, tryParseJsonObject } from '../../../lib/json';

const cases: Array<[string, number]> = [
  ['', 0],
  ['42', 0],
  ['{}', 1],
  ['[[], {"a": [1]}]', 3],
  ['{"a":"[[[{{{"}', 1],
  ['{"a":"\\"[[["}', 1],
  ['["\\\\", [1]]', 2],
];
for (const [text, depth] of cases) test(`jsonDepth(${JSON.stringify(text)}) is ${depth}`, () => assert.is(jsonDepth(text), depth));

test('jsonDepth() stops one past the limit', () => {
  assert.is(jsonDepth('['.repeat(1_000_000)), MAX_JSON_DEPTH + 1);
  assert.is(jsonDepth('['.repeat(10), 3), 4);
  assert.is(jsonDepth('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
});

test('parseJsonObject tells not JSON from not an object', () => {
  assert.equal(parseJsonObject('{"a":1}\n'), { ok: true, value: { a: 1 } });
  const bad = parseJsonObject('{"a":');
  assert.is(bad.ok, false);
  assert.is(!bad.ok && bad.why, 'not-json');
  assert.ok(!bad.ok && bad.why === 'not-json' && bad.detail.length > 0);
  assert.equal(parseJsonObject('[1]'), { ok: false, why: 'not-object', value: [1] });
  assert.equal(parseJsonObject('null'), { ok: false, why: 'not-object', value: null });
  assert.equal(parseJsonObject('"s"'), { ok: false, why: 'not-object', value: 's' });
});

test('parseJsonObject refuses nesting past maxDepth before parsing', () => {
  assert.equal(parseJsonObject('{"a":{"b":{}}}', 2), { ok: false, why: 'too-deep' });
  assert.equal(parseJsonObject('{"a":{"b":{}}}', 3), { ok: true, value: { a: { b: {} } } });
  assert.equal(parseJsonObject('['.repeat(1_000_000), MAX_JSON_DEPTH), { ok: false, why: 'too-deep' });
  // Many brackets, shallow: parsed. Brackets in strings do not nest. Deep under either bracket kind: refused.
  const wide = `{"a":[${'{},'.repeat(2 * MAX_JSON_DEPTH)}[]]}`;
  assert.equal(parseJsonObject(wide, MAX_JSON_DEPTH).ok, true);
  assert.equal(parseJsonObject(`{"a":"${'{['.repeat(MAX_JSON_DEPTH)}"}`, MAX_JSON_DEPTH).ok, true);
  assert.equal(parseJsonObject(`{"a":${'{"b":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`, MAX_JSON_DEPTH), {
    ok: false,
    why: 'too-deep',
  });
  assert.equal(parseJsonObject(`{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`, MAX_JSON_DEPTH), {
    ok: false,
    why: 'too-deep',
  });
  assert.equal(parseJsonObject(`{"a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`, MAX_JSON_DEPTH).ok, true);
});

test('tryParseJsonObject and isJsonObject', () => {
  assert.equal(tryParseJsonObject('{"k":"v"}'), { k: 'v' });
  for (const text of ['', 'nope', '[]', '1', 'null', 'true']) assert.is(tryParseJsonObject(text), undefined, text);
  assert.ok(isJsonObject({}));
  for (const v of [null, [], 'x', 1, undefined]) assert.not.ok(isJsonObject(v));
});

test.run();
