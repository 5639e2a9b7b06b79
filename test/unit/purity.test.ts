import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeCode } from '../helpers/purity';

/**
 * Files that decide without side effects (STYLE.md section 1): config parsing, IP math, allocation,
 * plans and rule rendering import neither kernel/ nor the fs, nor child processes. cni/ has its own
 * list (test/unit/cni/purity.test.ts); this one covers the plugins.
 */
const PURE_FILES = [
  'bridge/config.ts', 'bridge/plan.ts', 'cni/hash.ts', 'kernel/rtnl-codec.ts',
  'ipam/range.ts', 'ipam/allocator.ts', 'firewall/render.ts', 'firewall/layout.ts',
  'berth/flags.ts', 'berth/globals.ts', 'berth/run-flags.ts', 'runtime/caps.ts', 'runtime/ids.ts', 'runtime/spec.ts', 'runtime/user.ts',
  'runtime/format.ts', 'runtime/frames.ts', 'runtime/shim-args.ts', 'runtime/signals.ts', 'runtime/paths.ts',
];

for (const file of PURE_FILES)
  test(`${file} stays pure`, () => {
    const path = join(__dirname, '../..', file);
    assert.ok(existsSync(path), `${file} exists`);
    assert.not.match(runtimeCode(path), /from '(\.\.\/)+kernel\/(?!errors)|from '\.\/(netlink|nft|exec|flock|libc|sysctl)\.js'|node:fs|node:child_process/, file);
  });

test.run();
