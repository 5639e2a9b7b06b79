/** What the image integration tests share: running `berth` against a store, and reading a store back. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, run, type RunResult } from '../../helpers/sandbox';

/** Runs dist/bin/berth with `--root=ROOT` before the command (the global option's form). */
export function berth(root: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<RunResult> {
  return run(join(BIN_DIR, 'berth'), [`--root=${root}`, ...args], opts);
}

/** Like berth() but throws with stderr on a non-zero exit; returns stdout. */
export async function berthOk(root: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  const r = await berth(root, args, opts);
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a shell command line (for redirections and pipes into berth). */
export function shell(line: string, env: Record<string, string> = {}): Promise<RunResult> {
  return run('sh', ['-c', line], { env });
}

export const berthBin = () => join(BIN_DIR, 'berth');

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/** The store's contents by kind: layer dirs, image dirs, tags, staging leftovers. */
export function storeContents(root: string): { layers: string[]; images: string[]; tags: Record<string, string>; tmp: string[] } {
  const tagsFile = join(root, 'images/repositories.json');
  return {
    layers: list(join(root, 'layers')).sort(),
    images: list(join(root, 'images'))
      .filter((n) => /^[0-9a-f]{64}$/.test(n))
      .sort(),
    tags: existsSync(tagsFile) ? JSON.parse(readFileSync(tagsFile, 'utf8')) : {},
    tmp: list(join(root, 'tmp', 'images')),
  };
}

/** Inode and ctime of a path: unchanged when nothing rewrote it. */
export function identity(path: string): string {
  const st = statSync(path);
  return `${st.ino}@${st.ctimeMs}`;
}
