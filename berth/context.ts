/** What every container command starts with: absolute dirs, the container lookup, cheap gc. */
import { resolve } from 'node:path';
import type { Globals } from './globals.js';
import type { Dirs } from '../runtime/paths.js';
import type { ContainerRecord } from '../runtime/record.js';
import { findRecord, withContainerLock } from '../runtime/store.js';
import { collectLeftovers } from '../runtime/gc.js';
import { printErr, printOut } from '../lib/write-out.js';

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

/**
 * Runs `fn` for each name; reports each failure as Docker does and fails at the end if any failed.
 * `summary` (start's "failed to start containers") ends the report with the names that failed.
 */
export async function eachContainer(names: readonly string[], fn: (ref: string) => Promise<void>, summary?: string): Promise<number> {
  const failed: string[] = [];
  for (const name of names) {
    try {
      await fn(name);
    } catch (err) {
      failed.push(name);
      printErr(`Error: ${(err as Error).message}\n`);
    }
  }
  if (failed.length > 0 && summary) printErr(`Error: ${summary}: ${failed.join(', ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

/** eachContainer() with `fn` under each container's lock; prints each ref done, as Docker does. */
export function eachLockedContainer(
  d: Dirs,
  refs: readonly string[],
  fn: (rec: ContainerRecord, ref: string) => Promise<unknown>,
  summary?: string,
): Promise<number> {
  return eachContainer(
    refs,
    async (ref) => {
      const rec = findContainer(d, ref);
      await withContainerLock(d, rec.Id, () => fn(rec, ref));
      printOut(`${ref}\n`);
    },
    summary,
  );
}
