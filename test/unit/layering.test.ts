import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ESLint } from 'eslint';

/** The ESLint config (eslint.config.mjs) refuses what the layering forbids, and `make test` runs it. */
const ROOT = join(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });
const problems = async (file: string, code: string): Promise<string[]> =>
  (await eslint.lintText(code, { filePath: join(ROOT, file) }))[0].messages.map((m) => m.ruleId ?? m.message);

const CASES: [file: string, code: string, rule: string | undefined][] = [
  ['kernel/flock.ts', "import { ErrCode } from '../cni/errors.js';\n", 'import-x/no-restricted-paths'],
  ['cni/ip.ts', "import { PLUGINS } from '../plugins/registry.js';\n", 'import-x/no-restricted-paths'],
  ['volume/driver.ts', "import { run } from '../network/runner.js';\n", 'import-x/no-restricted-paths'],
  ['bridge/bridge.ts', "import { x } from '../test/helpers/prng.js';\n", 'import-x/no-restricted-paths'],
  ['bridge/plan.ts', "import { readFileSync } from 'node:fs';\n", 'no-restricted-imports'],
  ['ipam/range.ts', "import { openNetlink } from '../kernel/netlink.js';\n", 'no-restricted-imports'],
  ['cni/version.ts', "import { processIO } from './skel.js';\n", 'no-restricted-imports'],
  ['netctl/cli.ts', "import Ajv from 'ajv';\n", 'no-restricted-imports'],
  // netctl/ is a front door: the runtime and berth reach networks through network/.
  ['runtime/network/connect.ts', "import { check } from '../../netctl/commands/runtime-verbs.js';\n", 'import-x/no-restricted-paths'],
  ['berth/network-create.ts', "import { create } from '../netctl/commands/create.js';\n", 'import-x/no-restricted-paths'],
  ['image/store.ts', "import { runCli } from '../netctl/cli.js';\n", 'import-x/no-restricted-paths'],
  // Allowed: a type from kernel/ in a pure module, kernel/errors.js anywhere, features on kernel/.
  ['firewall/render.ts', "import type { Nft } from '../kernel/nft.js';\n", undefined],
  ['cni/errors.ts', "import { KernelError } from '../kernel/errors.js';\n", undefined],
  ['bridge/bridge.ts', "import { openNetlink } from '../kernel/netlink.js';\n", undefined],
  ['runtime/network/connect.ts', "import { detachOne } from '../../network/attach.js';\n", undefined],
];

for (const [file, code, rule] of CASES)
  test(`${file}: ${code.trim()} ${rule ? `is refused (${rule})` : 'is allowed'}`, async () => {
    assert.equal(await problems(file, code), rule ? [rule] : []);
  });

test.run();
