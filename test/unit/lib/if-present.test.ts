import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ifPresent, namesIn } from '../../../lib/if-present';
import { withTempDir } from '../../helpers/sandbox';

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

test('namesIn() lists a directory, and nothing for one it cannot read: absent or a file', () =>
  withTempDir(async (dir) => {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'a'), '');
    writeFileSync(join(dir, 'f'), '');
    assert.equal(namesIn(join(dir, 'd')), ['a']);
    assert.equal(namesIn(join(dir, 'absent')), []);
    assert.equal(namesIn(join(dir, 'f')), [], 'ENOTDIR');
  }));

test.run();
