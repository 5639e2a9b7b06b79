import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { executables } from '../../../scripts/executables.mjs';
import { PLUGINS } from '../../../plugins/registry.js';

const ROOT = join(__dirname, '../../..');
const plugins = executables.filter((e) => e.plugin);

test('the registry holds the plugins scripts/executables.mjs builds, and no others', () => {
  assert.equal(Object.keys(PLUGINS).sort(), plugins.map((e) => e.name).sort());
});

test("each plugin's entry point of the Node build exists", () => {
  for (const { entry } of plugins) assert.ok(existsSync(join(ROOT, entry)), entry);
});

test('each registry entry loads the handlers of its plugin', async () => {
  for (const [name, load] of Object.entries(PLUGINS)) {
    const handlers = await load();
    for (const command of ['add', 'del', 'check'] as const) assert.type(handlers[command], 'function', `${name} ${command}`);
  }
});

test.run();
