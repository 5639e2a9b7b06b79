import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { executables } from '../../../scripts/executables.mjs';
import { PLUGIN_ENTRIES } from '../../../plugins/entries.js';
import { PLUGINS } from '../../../plugins/registry.js';

/** The compiled executable's plugin entry points (scripts/build.mjs) are the ones the multicall entry imports. */
const ROOT = join(__dirname, '../../..');
const built = Object.fromEntries(executables.filter((e) => e.plugin).map((e) => [e.name, e.entry.replace(/\.ts$/, '.js')]));

test('plugins/entries.ts names each plugin entry point of scripts/executables.mjs', () => {
  assert.equal({ ...PLUGIN_ENTRIES }, built);
});

test('the registry runs in process the plugins the entry points run as processes', () => {
  assert.equal(Object.keys(PLUGINS).sort(), Object.keys(PLUGIN_ENTRIES).sort());
});

test('every plugin entry point exists', () => {
  for (const entry of Object.values(PLUGIN_ENTRIES)) assert.ok(existsSync(join(ROOT, entry.replace(/\.js$/, '.ts'))), entry);
});

test.run();
