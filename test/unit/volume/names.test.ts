import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeBadName, isValidName } from '../../../volume/names';

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

test.run();
