import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Source modules stay small enough to read in one sitting (issue 20); tests may be longer. */
const ROOT = join(__dirname, '../..');
const MAX_LINES = 300;
const SKIPPED_DIRS = new Set(['node_modules', 'gen', 'dist', 'test', 'docs', '.git']);
const SOURCE = /\.(ts|mts|mjs|cjs)$/;

/**
 * Modules allowed past the limit, each with the reason it cannot be split. Keep this short: a
 * growing module is split along a seam whose names explain themselves.
 */
const ALLOWED: Record<string, string> = {};

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.isFile() && SOURCE.test(entry.name)) yield path;
  }
}

const lineCount = (path: string): number => readFileSync(path, 'utf8').split('\n').length - 1;

test(`every source module has at most ${MAX_LINES} lines`, () => {
  const over = [...sourceFiles(ROOT)]
    .map((path) => ({ file: relative(ROOT, path), lines: lineCount(path) }))
    .filter(({ file, lines }) => lines > MAX_LINES && !(file in ALLOWED))
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  assert.equal(over, [], `split these modules along a seam:\n${over.join('\n')}`);
});

test('the allow-list names only modules that exist and are still over the limit', () => {
  for (const file of Object.keys(ALLOWED)) assert.ok(lineCount(join(ROOT, file)) > MAX_LINES, `${file} is no longer over the limit`);
});

test.run();
