/**
 * The compiled plugins' C front (plugins/front/) for tests: the front itself (dist/bin/<plugin>),
 * the compiled executable it execs, called directly as that plugin, and a lone copy of the front
 * with no compiled executable beside it, which shows which calls the front answers itself.
 */
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, run, withTempDir, type RunResult } from './sandbox';

export const PLUGINS = ['bridge', 'dnsname', 'host-local', 'loopback', 'portmap'];
export const LIB = join(BIN_DIR, '../lib');
/** dist/lib/cni-front.<hash>, of which dist/bin/loopback is a hard link, and the executable it execs. */
const inode = existsSync(join(BIN_DIR, 'loopback')) ? statSync(join(BIN_DIR, 'loopback')).ino : -1;
const frontFile = existsSync(LIB)
  ? readdirSync(LIB).find((f) => /^cni-front\.[0-9a-f]{16}$/.test(f) && statSync(join(LIB, f)).ino === inode)
  : undefined;
export const front = frontFile ? join(LIB, frontFile) : '';
export const target = frontFile ? readdirSync(LIB).find((f) => /^cni\.[0-9a-f]{16}$/.test(f)) : undefined;
/** Whether the plugins are built with their front and the compiled executable it execs. */
export const isBuilt = !!frontFile && !!target;

export type Input = string | Buffer;
/** The call through dist/bin (the front). */
export const viaFront = (plugin: string, env: Record<string, string>, input: Input) => run(join(BIN_DIR, plugin), [], { env, input });
/** The same call straight to the compiled executable, as the plugin it is exec'd as (argv[0]). */
export const viaBun = (plugin: string, env: Record<string, string>, input: Input) =>
  run(join(LIB, target!), [], { env, input, argv0: join(BIN_DIR, plugin) });

/** Runs `fn` with a dir holding copies of the front under every plugin name and no compiled executable. */
export async function withLoneFront<T>(
  fn: (alone: (plugin: string, env: Record<string, string>, input: Input) => Promise<RunResult>) => Promise<T>,
) {
  return withTempDir(async (dir) => {
    mkdirSync(join(dir, 'bin'));
    for (const p of PLUGINS) copyFileSync(front, join(dir, 'bin', p));
    return fn((plugin, env, input) => run(join(dir, 'bin', plugin), [], { env, input }));
  });
}

/** Asserts that the lone front passed the call on (it found no compiled executable to exec). */
export const assertNotAnswered = (r: RunResult, what: string) => {
  assert.is(r.code, 1, what);
  assert.match(r.json?.msg ?? '', /^cannot run \S+\/lib\/cni\.[0-9a-f]{16}: No such file or directory$/, `${what}: ${r.stdout}`);
};
