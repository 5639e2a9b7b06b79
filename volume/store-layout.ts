/**
 * The layout of the volume store on disk and the steps that build a volume in it, shared by the
 * requests (driver.ts) and the journal replay (replay.ts).
 *
 * Layout under the root (mode 0701, as Docker's volumes root: others may traverse to _data):
 *   .journal.0, .journal.1   the write-ahead journal of Creates, Removes and early mount counts (journal-file.ts)
 *   <name>/volume.json   metadata and a snapshot of the mount counts (0600), written at the checkpoint after the Create
 *   <name>/mounts.<gen>.log   Mounts and Unmounts since that snapshot, one line each, written in place (mount-log.ts)
 *   <name>/_data/        managed data (root:root 0755 unless uid/gid/mode)
 *   .spare/<random>/     empty volume directories (with _data) made ahead, or recycled from removed volumes
 *   .trash/<random>/     a removed volume, renamed away in one step, then deleted (or recycled)
 *   .staging/            only emptied at start (older Berth built volumes there)
 */
import { chmodSync, closeSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileUnsynced } from './disk.js';
import { VolumeError } from './errors.js';
import { isAbsent, type VolumeFileOps } from './file-ops.js';
import type { CreateEntry } from './journal.js';
import { parseVolumeOptions, type VolumeSpec } from './options.js';
import type { Quotas } from './quota.js';
import { renderRecord, type VolumeRecord } from './record.js';

export const RECORD_FILE = 'volume.json';
export const DATA_DIR = '_data';
export const STAGING = '.staging';
export const TRASH = '.trash';
/** Directories a replay could not attribute to a volume and would not delete (docs/berth-volumed.md "State on disk"). */
export const ORPHANED = '.orphaned';
/** Volume directories made ahead of time (with an empty root:root 0755 _data): a Create renames one. */
export const SPARE = '.spare';
/** How many spare directories are kept ready (refilled in the background below half). */
export const SPARES = 16;
/** Up to how many spares removed volumes are recycled into (each is an empty directory and _data). */
export const MAX_SPARES = 256;
export const FIRST_PROJECT_ID = 0x10000;

/** Whether `path` exists; an error other than "not there" (EACCES, EIO) is thrown, never taken as absent. */
export function exists(path: string, fs: VolumeFileOps): boolean {
  try {
    fs.lstatSync(path);
    return true;
  } catch (err) {
    if (isAbsent(err)) return false;
    throw err;
  }
}

/** Where a volume's current mount log stands: lines written, byte offset of the next, file size. */
export interface LogState {
  lines: number;
  end: number;
  size: number;
}

/** A mount log's file name (mounts.<generation>.log). */
export const MOUNT_LOG = /^mounts\.\d+\.log$/;

/**
 * A directory left by a Create that a power loss cut between its rename and its flush: volume.json
 * empty or zeros (its data never reached the disk), nothing but Berth's files beside it and an empty
 * _data. Such a Create was never answered. Anything else without a valid volume.json is left alone.
 */
export async function isInterruptedCreate(dir: string, record: Buffer): Promise<boolean> {
  if (!record.every((b) => b === 0)) return false;
  const entries = await readdir(dir);
  if (!entries.every((e) => e === RECORD_FILE || e === DATA_DIR || MOUNT_LOG.test(e))) return false;
  return !entries.includes(DATA_DIR) || (await readdir(join(dir, DATA_DIR))).length === 0;
}

/** True when `dir` holds nothing but Berth's files and no data (an empty or absent _data). */
export function holdsNoData(dir: string, fs: VolumeFileOps): boolean {
  const entries = fs.readdirSync(dir);
  if (!entries.every((e) => e === RECORD_FILE || e === DATA_DIR || e === `${RECORD_FILE}.tmp` || MOUNT_LOG.test(e))) return false;
  return !entries.includes(DATA_DIR) || fs.readdirSync(join(dir, DATA_DIR)).length === 0;
}

export function createEntryOf(r: VolumeRecord, dirId?: string): CreateEntry {
  return {
    op: 'create',
    name: r.name,
    id: r.id as string,
    createdAt: r.createdAt,
    options: r.options,
    ...(r.device !== undefined && { device: r.device }),
    ...(r.projectId !== undefined && { projectId: r.projectId }),
    ...(dirId !== undefined && { dirId }),
  };
}

/**
 * A directory's identity, "<inode>:<birth time in ns>" (an inode number is reused once freed; its
 * birth time is new then), or undefined when it is gone (a Create then makes its own directory).
 */
export function dirIdOf(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.birthtimeNs}`;
  } catch {
    return undefined;
  }
}

/** The volume a journaled Create describes (its spec re-derived from the options, as parseRecord does). */
export function recordFromEntry(e: CreateEntry): VolumeRecord {
  const spec = parseVolumeOptions(e.options);
  if (spec.kind === 'bind' && e.device === undefined) throw new VolumeError('the record of a bind volume has no device');
  return {
    name: e.name,
    id: e.id,
    createdAt: e.createdAt,
    options: e.options,
    spec,
    mounts: {},
    logGeneration: 0,
    ...(e.device !== undefined && { device: e.device }),
    ...(e.projectId !== undefined && { projectId: e.projectId }),
  };
}

/** What a checkpoint fsyncs for a created volume: its files and directories, and the root (its name). */
export function createdPaths(root: string, name: string): string[] {
  const dir = join(root, name);
  return [join(dir, RECORD_FILE), join(dir, DATA_DIR), dir, root];
}

/** Makes a managed volume's data directory with its owner and mode (and quota). */
export async function makeDataDir(
  fs: VolumeFileOps,
  data: string,
  spec: VolumeSpec,
  projectId: number | undefined,
  quotas: Quotas | undefined,
  made = false,
): Promise<void> {
  if (spec.kind !== 'managed') return;
  if (!made) {
    try {
      mkdirSync(data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  // A spare's _data is already root:root 0755: those calls would change nothing.
  if (!made || spec.uid !== 0 || spec.gid !== 0) fs.chownSync(data, spec.uid, spec.gid);
  if (!made || spec.mode !== 0o755) chmodSync(data, spec.mode); // mkdir's mode is cut by the umask; chmod is exact
  if (spec.size !== undefined && projectId !== undefined) {
    if (!quotas) throw new VolumeError('option "size" needs project quotas, which this daemon was started without');
    await quotas.limit(data, projectId, spec.size);
  }
}

/**
 * Builds a volume in place: its directory, _data and (at replay) volume.json. Nothing is flushed here and no
 * staging directory is needed: the journal record made the Create durable first, and a volume a
 * crash left half-made is completed from it at the next start (replayEntry); the checkpoint makes
 * the directories durable (docs/internals/speed.md, berth-volumed).
 */
export async function buildVolume(
  fs: VolumeFileOps,
  root: string,
  record: VolumeRecord,
  quotas: Quotas | undefined,
  withRecordFile: boolean,
  spare?: string,
): Promise<void> {
  const dir = join(root, record.name);
  // Metadata calls are synchronous: no trip through the thread pool. A spare directory saves the
  // two inode allocations on the Create's path.
  if (spare !== undefined) {
    try {
      renameSync(spare, dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      spare = undefined; // deleted behind our back: make the directory after all
    }
  }
  if (spare === undefined) mkdirSync(dir, { mode: 0o701 });
  try {
    await makeDataDir(fs, join(dir, DATA_DIR), record.spec, record.projectId, quotas, spare !== undefined);
    if (withRecordFile) closeSync(createFileUnsynced(join(dir, RECORD_FILE), renderRecord(record)));
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
