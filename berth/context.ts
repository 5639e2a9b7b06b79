/** What every container command starts with: absolute dirs, the container lookup, cheap gc. */
import { resolve } from 'node:path';
import type { Globals } from './globals.js';
import type { Dirs } from '../runtime/paths.js';
import { findRecord } from '../runtime/store.js';
import { collectLeftovers } from '../runtime/gc.js';

export function dirsOf(g: Globals): Dirs {
  return { root: resolve(g.root), stateDir: resolve(g.stateDir) };
}

/** The container `ref` names (ID, name or unique ID prefix). @throws {Error} `No such container: REF` */
export const findContainer = findRecord;

/** Runs gc for leftovers a crash left (a dead supervisor's container), cheaply: only the state dir is listed. */
export async function withCleanState(g: Globals): Promise<Dirs> {
  const d = dirsOf(g);
  await collectLeftovers(d, false);
  return d;
}

/** Runs `fn` for each name; reports each failure as Docker does and fails at the end if any failed. */
export async function eachContainer(names: readonly string[], fn: (ref: string) => Promise<void>): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      await fn(name);
    } catch (err) {
      failed = true;
      process.stderr.write(`Error: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}
