import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The executables `make build` produces in dist/bin, each bundled from one entry point.
// A new executable is one line here. `plugin`: a CNI plugin, exec'd once per call, so it runs on Bun
// when Bun is installed (see findBun in build.mjs); `bun`: a second entry point of that compiled
// executable when Bun is installed (berth: its start-up is on `berth run`'s path); `daemon`: long-lived
// (see withStartFlag there).
export const executables = [
  { name: 'loopback', plugin: true, entry: 'loopback/main.ts' },
  { name: 'berth-volumed', entry: 'volume/main.ts', daemon: true },
  { name: 'berth', entry: 'berth/main.ts', bun: true },
  { name: 'bridge', plugin: true, entry: 'bridge/main.ts' },
  { name: 'host-local', plugin: true, entry: 'ipam/main.ts' },
  { name: 'netctl', entry: 'netctl/main.ts' },
  { name: 'portmap', plugin: true, entry: 'portmap/main.ts' },
  { name: 'dnsname', plugin: true, entry: 'dnsname/main.ts' },
];

/**
 * The entry points compiled with Bun into one executable: the first runs, berth's loads by embedded
 * path. The plugins are chunks the first loads through plugins/registry.ts (code splitting), so a
 * call loads only its own code; their `entry` here is for the Node build.
 */
export const bunEntries = ['plugins/multicall.ts', 'berth/main.ts'];

/**
 * `bun build` flags of that executable besides `--compile` and its options (scripts/build.mjs):
 * ES modules split into chunks, so an `import()` loads only its own code and a shared module is one
 * instance (test/unit/bundle-split.test.ts builds with them). Identifiers minified, since a chunk's
 * bytecode loads its names too; `--keep-names` keeps each function's and class's `name`.
 * BERTH_SOURCE_NAMES=1 keeps the source's names, for a CPU profile that names functions.
 */
export const bunBundleFlags = [
  '--splitting',
  '--format',
  'esm',
  '--minify-syntax',
  ...(process.env.BERTH_SOURCE_NAMES === '1' ? [] : ['--minify-identifiers', '--keep-names']),
  '--external',
  'koffi',
];

/**
 * Bun's binary from the optional dependency @oven/bun-linux-x64 under `root`, when it is installed
 * and runs on this machine (npm's build needs a CPU with AVX2); else undefined.
 */
export function bunBinary(root) {
  const bin = join(root, 'node_modules/@oven/bun-linux-x64/bin/bun');
  return existsSync(bin) && spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0 ? bin : undefined;
}
