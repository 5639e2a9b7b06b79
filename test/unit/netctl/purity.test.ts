import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runtimeCode } from '../../helpers/purity';

const ROOT = join(__dirname, '../../..');
/** netctl's pure modules: planning, rendering, parsing. */
const PURE_FILES = ['names.ts', 'subnets.ts', 'plan.ts', 'conflist.ts', 'ports.ts', 'describe.ts', 'errors.ts', 'context.ts'].map((f) => join(ROOT, 'netctl', f));

test('netctl pure modules stay pure', () => {
  for (const file of PURE_FILES) assert.not.match(runtimeCode(file), /kernel\/|node:fs|node:child_process/, file);
});

test('netctl never compiles a schema at run time and never loads ip-address', async () => {
  const { readdir } = await import('node:fs/promises');
  const files = [...(await readdir(join(ROOT, 'netctl'))).map((f) => join(ROOT, 'netctl', f)), ...(await readdir(join(ROOT, 'netctl/commands'))).map((f) => join(ROOT, 'netctl/commands', f))];
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const text = await readFile(file, 'utf8');
    assert.not.match(text, /from 'ajv'|new Ajv|'ip-address'/, file);
  }
});

test.run();
