/** The exec template the front (plugins/front/berth.c) completes, so a plain `berth exec` needs no JavaScript. */
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupOf } from './cgroups.js';
import { configFile, runDir, type Dirs } from './paths.js';
import type { ContainerRecord } from './record.js';
import { execTemplate } from './shim-args.js';

/**
 * Saves it unless one newer than config.json is there: written aside and renamed, so the front reads
 * all of it or none; best effort, as the front falls back to the Bun path, which saves it again.
 */
export function saveExecTemplate(d: Dirs, rec: ContainerRecord): void {
  const file = join(runDir(d, rec.Id), 'exec.args');
  try {
    if (statSync(file).mtimeMs >= statSync(configFile(d, rec.Id)).mtimeMs) return;
  } catch {
    /* none yet */
  }
  try {
    writeFileSync(`${file}.${process.pid}.tmp`, `${execTemplate(rec, cgroupOf(rec).procsFiles()).join('\0')}\0`);
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    /* the state dir went away: the container stopped meanwhile */
  }
}
