/**
 * `berth gc`: what crashes left behind. A container whose supervisor died (killed, or the machine
 * rebooted) gets its final state recorded and its cgroup and state dir removed; a state dir with no
 * container is removed. Mounts need no work (they live in the container's own mount namespace,
 * which the kernel tears down with its last process); volume plugins get their Unmount from cleanup.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { namesIn } from '../lib/if-present.js';
import { liveState } from './live.js';
import { type Dirs } from './paths.js';
import { readRecord, withContainerLock } from './store.js';
import { cleanupContainer } from './stop.js';

/** Cleans up every container whose supervisor is gone; returns their IDs. `all`: also report nothing-to-do ones. */
export async function collectLeftovers(d: Dirs, verbose: boolean): Promise<string[]> {
  const cleaned: string[] = [];
  for (const id of namesIn(join(d.stateDir, 'containers'))) {
    let rec;
    try {
      rec = readRecord(d, id);
    } catch {
      rmSync(join(d.stateDir, 'containers', id), { recursive: true, force: true });
      continue;
    }
    if (!liveState(d, rec).needsCleanup) continue;
    await withContainerLock(d, id, () => cleanupContainer(d, id));
    cleaned.push(id);
  }
  if (verbose) for (const id of cleaned) process.stdout.write(`${id}\n`);
  return cleaned;
}
