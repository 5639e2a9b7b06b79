/**
 * Journal replay at start-up: makes each last journal entry of a name true on disk (see driver.ts
 * for the layout). A failure other than "not there" (EACCES, EIO) is thrown, never taken as absent.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createFileUnsynced } from './disk.js';
import { describeCause } from './errors.js';
import { isAbsent, type VolumeFileOps } from './file-ops.js';
import type { CreateEntry, RemoveEntry } from './journal.js';
import type { MountCounts } from './mounts.js';
import { describeBadName } from './names.js';
import type { Quotas } from './quota.js';
import { parseRecord, renderRecord, type VolumeRecord } from './record.js';
import {
  DATA_DIR,
  MOUNT_LOG,
  ORPHANED,
  RECORD_FILE,
  TRASH,
  buildVolume,
  createdPaths,
  dirIdOf,
  exists,
  holdsNoData,
  makeDataDir,
  recordFromEntry,
} from './store-layout.js';

/** Whether a volume's _data holds anything (a missing one holds nothing we could keep). */
function holdsData(data: string, fs: VolumeFileOps): boolean {
  try {
    return fs.readdirSync(data).length > 0;
  } catch (err) {
    if (isAbsent(err)) return false;
    throw err;
  }
}

/**
 * Makes one journal entry true on disk, without flushing (Journal.start fsyncs `touched`):
 * - a Create whose volume is absent is built; one whose directory is there but whose volume.json
 *   is missing, empty or torn (a power loss before the checkpoint) gets its volume.json and _data
 *   (with owner and mode) made again, keeping what is in it; one that is there with the same id is
 *   complete (a missing _data is made); a volume of that name with another id is an older one whose
 *   Remove was recorded before this Create, and goes to .trash first.
 * - a Remove whose volume is still there (same id, or a volume.json that never became valid) goes
 *   to .trash.
 * A failure other than "not there" while reading the directory is thrown: openDriver reports it.
 */
export async function replayEntry(
  fs: VolumeFileOps,
  root: string,
  e: CreateEntry | RemoveEntry,
  mounts: MountCounts | undefined,
  quotas: Quotas | undefined,
  warn: (m: string) => void,
  touched: string[],
): Promise<void> {
  const bad = describeBadName(e.name);
  if (bad !== undefined) return warn(`journal: ignoring an entry for ${JSON.stringify(e.name)}: ${bad}`);
  const dir = join(root, e.name);
  touched.push(...createdPaths(root, e.name));
  let st;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if (!isAbsent(err)) throw err;
    st = undefined;
  }
  if (st && !st.isDirectory()) return warn(`journal: ${JSON.stringify(dir)} is not a directory: left alone`);
  let raw: Buffer | undefined;
  let existing: VolumeRecord | undefined;
  if (st) {
    try {
      raw = fs.readFileSync(join(dir, RECORD_FILE));
    } catch (err) {
      if (!isAbsent(err)) throw err;
    }
    // A torn or foreign volume.json is no record: the entry decides what the directory is.
    try {
      existing = raw === undefined ? undefined : parseRecord(raw.toString('utf8'), e.name);
    } catch {
      existing = undefined;
    }
  }
  const toTrash = (why: string) => {
    renameSync(dir, join(root, TRASH, randomBytes(8).toString('hex')));
    warn(`journal replay: ${JSON.stringify(dir)}: ${why}`);
  };
  if (e.op === 'remove') {
    if (!st) return;
    if (existing ? e.id === undefined || existing.id === e.id : raw !== undefined || holdsNoData(dir, fs))
      toTrash('finished a recorded Remove');
    else if (!existing) warn(`journal: ${JSON.stringify(dir)} was removed but is there again without a Berth volume.json: left alone`);
    return;
  }
  let record: VolumeRecord;
  try {
    record = recordFromEntry(e);
  } catch (err) {
    return warn(`journal: cannot replay the Create of ${JSON.stringify(e.name)}: ${describeCause(err)}`);
  }
  if (existing && existing.id === e.id) {
    if (record.spec.kind === 'managed' && !exists(join(dir, DATA_DIR), fs))
      await makeDataDir(fs, join(dir, DATA_DIR), record.spec, record.projectId, quotas);
    return;
  }
  if (existing) toTrash('an older volume of this name, whose Remove was recorded before a newer Create');
  else if (st && (e.dirId === undefined || dirIdOf(dir) !== e.dirId) && holdsData(join(dir, DATA_DIR), fs)) {
    // No volume.json, data, and not the directory this Create made (another identity, or none
    // recorded): an older volume of this name whose Create, Remove and rename all missed the disk
    // (only the last entry of a name is replayed). Never hand one volume's data to another: keep
    // it aside, for a person to look at, and make this volume afresh.
    mkdirSync(join(root, ORPHANED), { recursive: true, mode: 0o700 });
    const aside = join(root, ORPHANED, `${e.name}-${randomBytes(4).toString('hex')}`);
    renameSync(dir, aside);
    touched.push(join(root, ORPHANED));
    warn(`journal replay: ${JSON.stringify(dir)} had data but no volume.json; moved to ${JSON.stringify(aside)} and the volume made empty`);
    await buildVolume(fs, root, { ...record, mounts: mounts ?? {} }, quotas, true);
    return;
  } else if (st) {
    // Half-made: the rename reached the disk, not everything before it.
    const data = join(dir, DATA_DIR);
    if (record.spec.kind === 'managed' && !exists(data, fs)) await makeDataDir(fs, data, record.spec, record.projectId, quotas);
    // Mount logs here belong to an older volume whose directory was recycled (a Mount of this one
    // waits for its volume.json to be written and flushed first): they must not be replayed.
    for (const f of fs.readdirSync(dir)) if (MOUNT_LOG.test(f)) rmSync(join(dir, f), { force: true });
    const tmp = join(dir, `${RECORD_FILE}.tmp`);
    rmSync(tmp, { force: true });
    closeSync(createFileUnsynced(tmp, renderRecord({ ...record, mounts: mounts ?? {} })));
    renameSync(tmp, join(dir, RECORD_FILE));
    warn(`journal replay: completed the half-made volume ${JSON.stringify(dir)}`);
    return;
  }
  await buildVolume(fs, root, { ...record, mounts: mounts ?? {} }, quotas, true);
}
