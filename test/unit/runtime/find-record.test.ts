import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import type { Dirs } from '../../../runtime/paths';
import { findRecord } from '../../../runtime/store';

const test = suite('runtime/store findRecord');

const A = `abc1${'0'.repeat(60)}`;
const B = `abc2${'0'.repeat(60)}`;
const C = `def0${'0'.repeat(60)}`;

/** A root with records A (web), B (db) and C (half made: no readable record), and a names dir. */
function withStore(fn: (d: Dirs) => void): Promise<void> {
  return withTempDir(async (dir) => {
    const d = { root: join(dir, 'root'), stateDir: join(dir, 'state') };
    mkdirSync(join(d.root, 'names'), { recursive: true });
    for (const [id, name] of [
      [A, 'web'],
      [B, 'db'],
    ]) {
      mkdirSync(join(d.root, 'containers', id), { recursive: true });
      writeFileSync(join(d.root, 'containers', id, 'config.json'), JSON.stringify({ Id: id, Name: name }));
      writeFileSync(join(d.root, 'names', name), id);
    }
    mkdirSync(join(d.root, 'containers', C), { recursive: true });
    writeFileSync(join(d.root, 'names', 'half'), C);
    writeFileSync(join(dir, 'secret'), A);
    fn(d);
  });
}

const throws = (fn: () => unknown, message: string) => assert.throws(fn, (err: Error) => err.message === message, `expected "${message}"`);

test('a full ID, a name (with or without "/"), a unique ID prefix, in Docker order', () => {
  return withStore((d) => {
    assert.is(findRecord(d, A).Name, 'web');
    assert.is(findRecord(d, 'db').Id, B);
    assert.is(findRecord(d, '/db').Id, B);
    assert.is(findRecord(d, 'abc2').Id, B);
  });
});

test('an ambiguous prefix, an unknown ref, a half-made record, a path-like ref: Docker errors', () => {
  return withStore((d) => {
    throws(() => findRecord(d, 'abc'), 'multiple IDs found with provided prefix: abc');
    throws(() => findRecord(d, 'nothing'), 'No such container: nothing');
    throws(() => findRecord(d, 'half'), 'No such container: half');
    throws(() => findRecord(d, C), `No such container: ${C}`);
    throws(() => findRecord(d, 'def0'), 'No such container: def0');
    throws(() => findRecord(d, '../secret'), 'No such container: ../secret');
  });
});

test('an empty root finds nothing', async () => {
  await withTempDir(async (dir) => {
    throws(() => findRecord({ root: dir, stateDir: dir }, 'web'), 'No such container: web');
  });
});

test.run();
