import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeBadName, describeBadNewName, isValidName } from '../../../volume/names';

const test = suite('volume names');

const refused: Array<[string, string]> = [
  ['', 'must not be empty'],
  ['.', 'must not start with "."'],
  ['..', 'must not start with "."'],
  ['.hidden', 'must not start with "."'],
  ['/', 'must not contain "/"'],
  ['a/b', 'must not contain "/"'],
  ['../x', 'must not contain "/"'],
  ['a\0b', 'must not contain NUL'],
  ['a\nb', 'must not contain control characters'],
  ['x'.repeat(256), 'must not be longer than 255 bytes'],
  ['é'.repeat(128), 'must not be longer than 255 bytes'],
];
for (const [name, reason] of refused)
  test(`describeBadName() refuses ${JSON.stringify(name).slice(0, 20)}`, () => assert.is(describeBadName(name), reason));

for (const name of ['a', 'v1', 'my-vol_1.0', 'x'.repeat(255), 'é'.repeat(127), 'a..b', 'name with space', '0'.repeat(64)])
  test(`isValidName() accepts ${JSON.stringify(name).slice(0, 20)}`, () => assert.ok(isValidName(name)));

const RULE = 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two or more characters, the first a letter or digit)';
for (const name of ['a', 'name with space', '-x', '_x', '.x', 'a/b', 'é'.repeat(2), ''])
  test(`describeBadNewName() refuses ${JSON.stringify(name)} with Docker's rule`, () => assert.is(describeBadNewName(name), RULE));
for (const name of ['v1', 'my-vol_1.0', '0'.repeat(64), 'a..b'])
  test(`describeBadNewName() accepts ${JSON.stringify(name)}`, () => assert.is(describeBadNewName(name), undefined));
test('describeBadNewName() refuses a name over 255 bytes', () =>
  assert.is(describeBadNewName('x'.repeat(256)), 'must not be longer than 255 bytes'));

test.run();
