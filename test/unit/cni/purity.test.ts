import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { runtimeCode } from '../../helpers/purity';

/** cni/ modules that decide without side effects: no exec, no fs, no kernel (STYLE.md section 1). */
const PURE_FILES = ['conflist.ts', 'env.ts', 'errors.ts', 'types.ts', 'version.ts', 'ip.ts'];

for (const file of PURE_FILES)
  test(`cni/${file} stays pure`, () => {
    const text = runtimeCode(join(__dirname, '../../../cni', file));
    assert.not.match(text, /kernel\/|node:fs|node:child_process|from '\.\/(invoke|cache|runtime|skel|log)\.js'/, file);
  });

test.run();
