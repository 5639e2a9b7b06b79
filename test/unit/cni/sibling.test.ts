import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { isShippedBeside } from '../../../cni/sibling';

test('isShippedBeside: the same file beside the program, by the same path or through a link; not another file', () =>
  withTempDir(async (dir) => {
    const self = join(dir, 'bin');
    const other = join(dir, 'opt');
    mkdirSync(self);
    mkdirSync(other);
    writeFileSync(join(self, 'bridge'), 'ours');
    writeFileSync(join(other, 'bridge'), 'theirs');
    symlinkSync(join(self, 'bridge'), join(other, 'host-local'));
    writeFileSync(join(self, 'host-local'), 'ours too');
    assert.ok(isShippedBeside(join(self, 'bridge'), self), 'the program dir itself');
    assert.not.ok(isShippedBeside(join(other, 'bridge'), self), 'a different file of the same name');
    assert.not.ok(isShippedBeside(join(other, 'host-local'), self), 'a link to a file of another name');
    symlinkSync(join(self, 'bridge'), join(dir, 'bridge'));
    assert.ok(isShippedBeside(join(dir, 'bridge'), self), 'a link to the file beside');
    assert.not.ok(isShippedBeside(join(other, 'portmap'), self), 'nothing of that name beside');
    assert.not.ok(isShippedBeside(join(self, 'bridge'), undefined), 'no program dir');
  }));

test.run();
