import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { createFileDurable, replaceFile, replaceFileFlushLater, writeFileDurable, writeNewFile } from '../../../lib/durable';

function withDir(fn: (dir: string) => Promise<void> | void) {
  return () => withTempDir(async (dir) => fn(dir));
}

test(
  'writeFileDurable replaces the file whole and leaves no temp file',
  withDir(async (dir) => {
    const path = join(dir, 'a.json');
    writeFileSync(path, 'old');
    writeFileSync(`${path}.tmp`, 'left by a killed writer');
    await writeFileDurable(path, 'new', 'inline', { mode: 0o640 });
    assert.is(readFileSync(path, 'utf8'), 'new');
    assert.is(statSync(path).mode & 0o777, 0o640);
    assert.equal(readdirSync(dir), ['a.json']);
  }),
);

test(
  'replaceFileFlushLater puts the file in place at once and settles once flushed; a file removed meanwhile needs no flush',
  withDir(async (dir) => {
    const path = join(dir, 'c');
    writeFileSync(path, 'old');
    const flushed = replaceFileFlushLater(path, 'new', 0o640, join(dir, '.c.tmp'));
    assert.is(readFileSync(path, 'utf8'), 'new'); // before the flush settles
    assert.is(statSync(path).mode & 0o777, 0o640);
    assert.equal(readdirSync(dir), ['c']);
    await flushed;
    const gone = replaceFileFlushLater(join(dir, 'd'), 'x');
    rmSync(join(dir, 'd'));
    await gone;
    assert.equal(readdirSync(dir), ['c']);
  }),
);

test(
  'writeFileDurable in the pool, with a named temp file',
  withDir(async (dir) => {
    const path = join(dir, 'b');
    await writeFileDurable(path, new Uint8Array([1, 2, 3]), 'pool', { tmp: join(dir, '.b.1.tmp') });
    assert.equal([...readFileSync(path)], [1, 2, 3]);
    assert.equal(readdirSync(dir), ['b']);
  }),
);

test(
  'writeFileDurable into a missing directory fails and creates nothing',
  withDir(async (dir) => {
    try {
      await writeFileDurable(join(dir, 'no', 'c'), 'x');
      assert.unreachable();
    } catch (err) {
      assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
    }
    assert.equal(readdirSync(dir), []);
  }),
);

test(
  'createFileDurable never replaces an existing file',
  withDir(async (dir) => {
    const path = join(dir, 'n.conflist');
    assert.is(await createFileDurable(path, 'first', 'inline', { mode: 0o644 }), true);
    assert.is(await createFileDurable(path, 'second'), false);
    assert.is(readFileSync(path, 'utf8'), 'first');
    assert.is(statSync(path).mode & 0o777, 0o644);
    assert.equal(readdirSync(dir), ['n.conflist']);
  }),
);

test(
  'writeNewFile refuses an existing file; replaceFile swaps it',
  withDir((dir) => {
    const path = join(dir, 'lease');
    writeNewFile(path, 'one', 0o600);
    assert.throws(() => writeNewFile(path, 'two', 0o600), /EEXIST/);
    replaceFile(path, 'three');
    assert.is(readFileSync(path, 'utf8'), 'three');
    assert.equal(readdirSync(dir), ['lease']);
    writeFileSync(`${path}.tmp`, 'left by a killed writer');
    replaceFile(path, 'four');
    assert.is(readFileSync(path, 'utf8'), 'four');
    assert.equal(readdirSync(dir), ['lease']);
  }),
);

test(
  'createFileDurable takes over a temp file a killed writer left',
  withDir(async (dir) => {
    const path = join(dir, 'b');
    writeFileSync(`${path}.tmp`, 'left by a killed writer');
    assert.ok(await createFileDurable(path, 'new'));
    assert.is(readFileSync(path, 'utf8'), 'new');
    assert.equal(readdirSync(dir), ['b']);
  }),
);

test.run();
