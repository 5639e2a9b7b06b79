import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { runtimeCode } from '../../helpers/purity';

/** The image store's deciding code: tar decoding, names, manifests, configs, formats (STYLE.md section 1). */
const PURE_FILES = ['image/tar.ts', 'image/layer-path.ts', 'image/reference.ts', 'image/manifest.ts', 'image/config.ts', 'image/format.ts'];

for (const file of PURE_FILES)
  test(`${file} stays pure`, () => {
    assert.not.match(runtimeCode(join(__dirname, '../../..', file)), /from '(\.\.\/)+kernel\/|node:fs|node:child_process|from '\.\/(store|unpack|archive|load|commit|remove)\.js'/, file);
  });

test.run();
