import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ifPresent } from '../../../lib/if-present';

const failing = (code: string) => () => {
  throw Object.assign(new Error(`${code}: failed`), { code });
};

test('ifPresent() returns what the read returns', () => {
  assert.equal(
    ifPresent(() => ['a']),
    ['a'],
  );
});

test('ifPresent() answers undefined when the read fails with ENOENT', () => {
  assert.is(ifPresent(failing('ENOENT')), undefined);
});

test('ifPresent() rethrows any other failure', () => {
  for (const code of ['EACCES', 'ENOTDIR', 'EIO']) assert.throws(() => ifPresent(failing(code)), new RegExp(`^${code}: failed$`));
  assert.throws(
    () => ifPresent(() => JSON.parse('{')),
    (err: unknown) => err instanceof SyntaxError,
  );
});

test.run();
