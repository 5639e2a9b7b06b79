import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonDepth, MAX_JSON_DEPTH } from '../../../cni/json-depth';

const cases: Array<[string, number]> = [
  ['', 0], ['42', 0], ['{}', 1], ['[[], {"a": [1]}]', 3], ['{"a":"[[[{{{"}', 1], ['{"a":"\\"[[["}', 1], ['["\\\\", [1]]', 2],
];
for (const [text, depth] of cases)
  test(`jsonDepth(${JSON.stringify(text)}) is ${depth}`, () => assert.is(jsonDepth(text), depth));

test('jsonDepth() stops one past the limit', () => {
  assert.is(jsonDepth('['.repeat(1_000_000)), MAX_JSON_DEPTH + 1);
  assert.is(jsonDepth('['.repeat(10), 3), 4);
  assert.is(jsonDepth('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
});

test.run();
