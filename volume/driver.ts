/**
 * The volume store: one directory per volume under the root, with its metadata in volume.json and,
 * for managed volumes, the data in _data. An in-memory index (loaded at start) answers reads, so
 * every request costs the same whatever the number of volumes; each change is durable before the
 * index changes and before the request is answered.
 *
 * Layout under the root (mode 0701, as Docker's volumes root: others may traverse to _data):
 *   .journal.0, .journal.1   the write-ahead journal of Creates, Removes and early mount counts (journal-file.ts)
 *   <name>/volume.json   metadata and a snapshot of the mount counts (0600), written at the checkpoint after the Create
 *   <name>/mounts.<gen>.log   Mounts and Unmounts since that snapshot, one line each, written in place (mount-log.ts)
 *   <name>/_data/        managed data (root:root 0755 unless uid/gid/mode)
 *   .spare/<random>/     empty volume directories (with _data) made ahead, or recycled from removed volumes
 *   .trash/<random>/     a removed volume, renamed away in one step, then deleted (or recycled)
 *   .staging/            only emptied at start (older Berth built volumes there)
 * A Create appends its record to the journal (one fdatasync, no file system journal commit), then
 * renames a spare directory to its name (no inode allocated) and answers. A Remove appends its
 * record, renames the volume into .trash and answers. The checkpoint writes the new volumes'
 * volume.json and mount logs and fsyncs what the changes touched before a journal file is reused;
 * a start replays both files first (replayEntry), so after kill -9 or a power loss every answered
 * Create is complete, every answered Remove is finished, and a change never answered is either.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, open, readdir, readFile, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describeBindRefusal } from './bind-policy.js';
import { createFileUnsynced, writeAtDurable, writeFileDurable, writeFileSynced, type Flush } from './disk.js';
import { VolumeError, describeCause, volumeFailure } from './errors.js';
import type { CreateEntry, RemoveEntry } from './journal.js';
import { Journal, type Ticket } from './journal-file.js';
import { KeyedMutex } from './keyed-mutex.js';
import { COMPACT_AFTER_LINES, LOG_BLOCK, mountLogName, planMountWrite, renderMountEvent, replayMountLog, splitMountLog } from './mount-log.js';
import { addMount, isMounted, mountIds, releaseMounts, removeMount, type MountCounts } from './mounts.js';
import { describeBadName } from './names.js';
import { parseVolumeOptions, type VolumeSpec } from './options.js';
import type { Volume, VolumeDriver } from './protocol.js';
import type { Quotas } from './quota.js';
import { describeVolume, formatCreatedAt, parseRecord, renderRecord, type VolumeRecord } from './record.js';

const RECORD_FILE = 'volume.json';
const DATA_DIR = '_data';
const STAGING = '.staging';
const TRASH = '.trash';
/** Directories a replay could not attribute to a volume and would not delete (docs/berth-volumed.md "State on disk"). */
const ORPHANED = '.orphaned';
/** Volume directories made ahead of time (with an empty root:root 0755 _data): a Create renames one. */
const SPARE = '.spare';
/** How many spare directories are kept ready (refilled in the background below half). */
const SPARES = 16;
/** Up to how many spares removed volumes are recycled into (each is an empty directory and _data). */
const MAX_SPARES = 256;
const FIRST_PROJECT_ID = 0x10000;
/** How long removed volumes wait in .trash before their data is deleted (see deleteLater). */
const TRASH_DELAY_MS = 200;

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Where a volume's current mount log stands: lines written, byte offset of the next, file size. */
interface LogState { lines: number; end: number; size: number }

/**
 * A directory left by a Create that a power loss cut between its rename and its flush: volume.json
 * empty or zeros (its data never reached the disk), nothing but Berth's files beside it and an empty
 * _data. Such a Create was never answered. Anything else without a valid volume.json is left alone.
 */
async function isInterruptedCreate(dir: string, record: Buffer): Promise<boolean> {
  if (!record.every((b) => b === 0)) return false;
  const entries = await readdir(dir);
  if (!entries.every((e) => e === RECORD_FILE || e === DATA_DIR || /^mounts\.\d+\.log$/.test(e))) return false;
  return !entries.includes(DATA_DIR) || (await readdir(join(dir, DATA_DIR))).length === 0;
}

/** True when `dir` holds nothing but Berth's files and no data (an empty or absent _data). */
function holdsNoData(dir: string): boolean {
  const entries = readdirSync(dir);
  if (!entries.every((e) => e === RECORD_FILE || e === DATA_DIR || e === `${RECORD_FILE}.tmp` || /^mounts\.\d+\.log$/.test(e))) return false;
  return !entries.includes(DATA_DIR) || readdirSync(join(dir, DATA_DIR)).length === 0;
}

function createEntryOf(r: VolumeRecord, dirId?: string): CreateEntry {
  return {
    op: 'create', name: r.name, id: r.id as string, createdAt: r.createdAt, options: r.options,
    ...(r.device !== undefined && { device: r.device }), ...(r.projectId !== undefined && { projectId: r.projectId }),
    ...(dirId !== undefined && { dirId }),
  };
}

/**
 * A directory's identity, "<inode>:<birth time in ns>" (an inode number is reused once freed; its
 * birth time is new then), or undefined when it is gone (a Create then makes its own directory).
 */
function dirIdOf(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.birthtimeNs}`;
  } catch {
    return undefined;
  }
}

/** The volume a journaled Create describes (its spec re-derived from the options, as parseRecord does). */
function recordFromEntry(e: CreateEntry): VolumeRecord {
  const spec = parseVolumeOptions(e.options);
  if (spec.kind === 'bind' && e.device === undefined) throw new VolumeError('the record of a bind volume has no device');
  return {
    name: e.name, id: e.id, createdAt: e.createdAt, options: e.options, spec, mounts: {}, logGeneration: 0,
    ...(e.device !== undefined && { device: e.device }), ...(e.projectId !== undefined && { projectId: e.projectId }),
  };
}

/** What a checkpoint fsyncs for a created volume: its files and directories, and the root (its name). */
function createdPaths(root: string, name: string): string[] {
  const dir = join(root, name);
  return [join(dir, RECORD_FILE), join(dir, DATA_DIR), dir, root];
}

/** Makes a managed volume's data directory with its owner and mode (and quota). */
async function makeDataDir(data: string, spec: VolumeSpec, projectId: number | undefined, quotas: Quotas | undefined, made = false): Promise<void> {
  if (spec.kind !== 'managed') return;
  if (!made) {
    try {
      mkdirSync(data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  // A spare's _data is already root:root 0755: those calls would change nothing.
  if (!made || spec.uid !== 0 || spec.gid !== 0) chownSync(data, spec.uid, spec.gid);
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
 * the directories durable. (Building in .staging and renaming cost one more directory block in
 * every Create's path, .staging's, which every Create and commit touched.)
 */
async function buildVolume(root: string, record: VolumeRecord, quotas: Quotas | undefined, withRecordFile: boolean, spare?: string): Promise<void> {
  const dir = join(root, record.name);
  // Metadata calls are synchronous: no trip through the thread pool. A spare directory saves the
  // two inode allocations (measured 0.5-1 ms of system CPU each on the development kernel).
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
    await makeDataDir(join(dir, DATA_DIR), record.spec, record.projectId, quotas, spare !== undefined);
    if (withRecordFile) closeSync(createFileUnsynced(join(dir, RECORD_FILE), renderRecord(record)));
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
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
 */
/** Whether a volume's _data holds anything (a missing or unreadable one holds nothing we could keep). */
function holdsData(data: string): boolean {
  try {
    return readdirSync(data).length > 0;
  } catch {
    return false;
  }
}

async function replayEntry(root: string, e: CreateEntry | RemoveEntry, mounts: MountCounts | undefined, quotas: Quotas | undefined, warn: (m: string) => void, touched: string[]): Promise<void> {
  const bad = describeBadName(e.name);
  if (bad !== undefined) return warn(`journal: ignoring an entry for ${JSON.stringify(e.name)}: ${bad}`);
  const dir = join(root, e.name);
  touched.push(...createdPaths(root, e.name));
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) return warn(`journal: ${JSON.stringify(dir)} is not a directory: left alone`);
  let raw: Buffer | undefined;
  let existing: VolumeRecord | undefined;
  if (st) {
    try {
      raw = readFileSync(join(dir, RECORD_FILE));
      existing = parseRecord(raw.toString('utf8'), e.name);
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
    if (existing ? e.id === undefined || existing.id === e.id : raw !== undefined || holdsNoData(dir)) toTrash('finished a recorded Remove');
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
    if (record.spec.kind === 'managed' && !exists(join(dir, DATA_DIR))) await makeDataDir(join(dir, DATA_DIR), record.spec, record.projectId, quotas);
    return;
  }
  if (existing) toTrash('an older volume of this name, whose Remove was recorded before a newer Create');
  else if (st && (e.dirId === undefined || dirIdOf(dir) !== e.dirId) && holdsData(join(dir, DATA_DIR))) {
    // No volume.json, data, and not the directory this Create made (another identity, or none
    // recorded): an older volume of this name whose Create, Remove and rename all missed the disk
    // (only the last entry of a name is replayed). Never hand one volume's data to another: keep
    // it aside, for a person to look at, and make this volume afresh.
    mkdirSync(join(root, ORPHANED), { recursive: true, mode: 0o700 });
    const aside = join(root, ORPHANED, `${e.name}-${randomBytes(4).toString('hex')}`);
    renameSync(dir, aside);
    touched.push(join(root, ORPHANED));
    warn(`journal replay: ${JSON.stringify(dir)} had data but no volume.json; moved to ${JSON.stringify(aside)} and the volume made empty`);
    await buildVolume(root, { ...record, mounts: mounts ?? {} }, quotas, true);
    return;
  } else if (st) {
    // Half-made: the rename reached the disk, not everything before it.
    const data = join(dir, DATA_DIR);
    if (record.spec.kind === 'managed' && !exists(data)) await makeDataDir(data, record.spec, record.projectId, quotas);
    // Mount logs here belong to an older volume whose directory was recycled (a Mount of this one
    // waits for its volume.json to be written and flushed first): they must not be replayed.
    for (const f of readdirSync(dir)) if (/^mounts\.\d+\.log$/.test(f)) rmSync(join(dir, f), { force: true });
    const tmp = join(dir, `${RECORD_FILE}.tmp`);
    rmSync(tmp, { force: true });
    closeSync(createFileUnsynced(tmp, renderRecord({ ...record, mounts: mounts ?? {} })));
    renameSync(tmp, join(dir, RECORD_FILE));
    warn(`journal replay: completed the half-made volume ${JSON.stringify(dir)}`);
    return;
  }
  await buildVolume(root, { ...record, mounts: mounts ?? {} }, quotas, true);
}

export interface DriverOptions {
  /** The volume root; created (0701) when missing. */
  root: string;
  /** Directories bind volumes may point into (each resolved with realpath at open); empty: anywhere. */
  allowBind?: readonly string[];
  /** Project quotas for `size`, or a factory given the resolved root. */
  quotas?: Quotas | ((resolvedRoot: string) => Quotas);
  /** Warnings about the store (skipped entries, failed clean-ups). */
  warn?: (message: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * Opens the store at `options.root`: creates it, deletes leftovers of interrupted creates and
 * removes, and loads every volume.json into the index.
 * @throws {VolumeError} when the root or an --allow-bind directory cannot be used
 */
export async function openDriver(options: DriverOptions): Promise<LocalDriver> {
  const warn = options.warn ?? (() => undefined);
  let root: string;
  try {
    await mkdir(options.root, { recursive: true, mode: 0o701 });
    root = await realpath(options.root);
    await mkdir(join(root, STAGING), { recursive: true, mode: 0o700 });
    await mkdir(join(root, TRASH), { recursive: true, mode: 0o700 });
    await mkdir(join(root, SPARE), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new VolumeError(`cannot open volume root ${JSON.stringify(options.root)}: ${describeCause(err)}`);
  }
  const allowBind: string[] = [];
  for (const dir of options.allowBind ?? []) {
    try {
      allowBind.push(await realpath(dir));
    } catch (err) {
      throw new VolumeError(`cannot use --allow-bind ${JSON.stringify(dir)}: ${describeCause(err)}`);
    }
  }
  const emptyLeftovers = async () => {
    for (const dir of [STAGING, TRASH, SPARE])
      for (const entry of await readdir(join(root, dir)))
        await rm(join(root, dir, entry), { recursive: true, force: true }).catch((err) => warn(`cannot delete leftover ${JSON.stringify(join(root, dir, entry))}: ${describeCause(err)}`));
  };
  await emptyLeftovers();
  const quotas = typeof options.quotas === 'function' ? options.quotas(root) : options.quotas;
  // Replay the journal: every Create and Remove recorded (so maybe answered) but maybe not yet
  // durable in the directories is completed, then everything it describes is fsync'd.
  let journal: Journal;
  try {
    const { decoded, plan } = Journal.read(root);
    const touched: string[] = [join(root, TRASH)];
    for (const step of plan.values()) await replayEntry(root, step.entry, step.mounts, quotas, warn, touched);
    journal = await Journal.start(root, decoded, touched, warn);
  } catch (err) {
    throw new VolumeError(`cannot replay the journal of volume root ${JSON.stringify(options.root)}: ${describeCause(err)}`);
  }
  await emptyLeftovers();
  const index = new Map<string, VolumeRecord>();
  const logs = new Map<string, LogState>();
  const needsCompaction = new Set<string>();
  const names: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.push(entry.name);
    else warn(`ignoring ${JSON.stringify(join(root, entry.name))}: not a volume directory`);
  }
  const load = async (name: string) => {
    try {
      const raw = await readFile(join(root, name, RECORD_FILE));
      if (await isInterruptedCreate(join(root, name), raw)) {
        const trash = join(root, TRASH, randomBytes(8).toString('hex'));
        renameSync(join(root, name), trash);
        warn(`deleting ${JSON.stringify(join(root, name))}: a Create interrupted by a crash before it was answered (empty volume.json, no data)`);
        await rm(trash, { recursive: true, force: true });
        return;
      }
      const record = parseRecord(raw.toString('utf8'), name);
      const bytes = await readFile(join(root, name, mountLogName(record.logGeneration))).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return Buffer.alloc(0);
        throw err;
      });
      const log = splitMountLog(bytes);
      const { counts, lines } = replayMountLog(record.mounts, log.text);
      index.set(name, { ...record, mounts: counts });
      logs.set(name, { lines, end: log.end, size: bytes.length });
      // A torn line (power loss mid-write) must not be continued by the next one: fold the log first.
      if (!log.clean) needsCompaction.add(name);
    } catch (err) {
      warn(`ignoring ${JSON.stringify(join(root, name))}: ${describeCause(err)}`);
    }
  };
  // Loaded 64 at a time: start-up with 10,000 volumes is bound by file reads, not by one at a time.
  for (let i = 0; i < names.length; i += 64) await Promise.all(names.slice(i, i + 64).map(load));
  const driver = new LocalDriver(root, allowBind, index, quotas, warn, options.now ?? (() => new Date()), journal);
  driver.adoptLogState(logs, needsCompaction);
  return driver;
}

export class LocalDriver implements VolumeDriver {
  private readonly locks = new KeyedMutex();
  /** Work done after the reply: deleting removed volumes, pre-writing new mount logs. */
  private readonly background = new Set<Promise<void>>();
  /** Changes (Create, Remove, Mount, Unmount, Release) in progress or queued for their volume's lock. */
  private changing = 0;
  private readonly trashQueue: Array<{ r: VolumeRecord; trash: string }> = [];
  private trashTimer: NodeJS.Timeout | undefined;
  /** Where each volume's current mount log stands. */
  private logs = new Map<string, LogState>();
  /** Volumes whose log may end in a partial line: compact before the next append. */
  private needsCompaction = new Set<string>();
  private nextProjectId: number;
  /** Spare volume directories ready to be renamed (refillSpares). */
  private readonly spares: string[] = [];
  private refilling = false;
  /** New volumes whose volume.json is not written yet (writeFiles, at the next checkpoint). */
  private readonly unwritten = new Set<string>();

  constructor(
    readonly root: string,
    private readonly allowBind: readonly string[],
    private readonly index: Map<string, VolumeRecord>,
    private readonly quotas: Quotas | undefined,
    private readonly warn: (message: string) => void,
    private readonly now: () => Date,
    private readonly journal: Journal,
  ) {
    let max = FIRST_PROJECT_ID - 1;
    for (const r of index.values()) if (r.projectId !== undefined && r.projectId > max) max = r.projectId;
    this.nextProjectId = max + 1;
    journal.beforeCheckpoint = () => this.writeUnwritten();
    this.refillSpares();
  }

  /** Takes over the mount-log bookkeeping found by openDriver. */
  adoptLogState(logs: Map<string, LogState>, needsCompaction: Set<string>): void {
    this.logs = logs;
    this.needsCompaction = needsCompaction;
  }

  /** Runs a change of volume `name` under its lock, counted in `changing`. */
  private change<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.changing += 1;
    return this.locks.run(name, fn).finally(() => { this.changing -= 1; });
  }

  /**
   * Where this change's flushes run (disk.ts): inline when it is the only change in progress (the
   * shortest wait for one request, as dockerd sends them), in the thread pool when others are, so
   * they overlap instead of queueing behind each other on the event loop.
   */
  private get flush(): Flush {
    return this.changing > 1 ? 'pool' : 'inline';
  }

  /** Number of volumes. */
  get size(): number {
    return this.index.size;
  }

  private mountpointOf(r: VolumeRecord): string {
    return r.spec.kind === 'bind' ? (r.device as string) : join(this.root, r.name, DATA_DIR);
  }

  private lookup(action: string, name: string): VolumeRecord {
    const bad = describeBadName(name);
    if (bad !== undefined) throw volumeFailure(action, name, `invalid name: ${bad}`);
    const r = this.index.get(name);
    if (!r) throw volumeFailure(action, name, 'no such volume');
    return r;
  }

  async create(name: string, opts: Record<string, string> | null): Promise<void> {
    const bad = describeBadName(name);
    if (bad !== undefined) throw volumeFailure('create', name, `invalid name: ${bad}`);
    // A duplicate Create succeeds and keeps the first options and data, as Docker's local driver.
    if (this.index.has(name)) return;
    let spec;
    try {
      spec = parseVolumeOptions(opts);
    } catch (err) {
      throw volumeFailure('create', name, err);
    }
    return this.change(name, async () => {
      if (this.index.has(name)) return;
      try {
        const record: VolumeRecord = { name, id: randomBytes(8).toString('hex'), createdAt: formatCreatedAt(this.now()), options: { ...(opts ?? {}) }, spec, mounts: {}, logGeneration: 0 };
        if (spec.kind === 'bind') record.device = await this.resolveBind(spec.device);
        const target = join(this.root, name);
        // rename(2) would replace an empty directory of that name, and fail on a non-empty one.
        if (exists(target))
          throw new VolumeError(`${JSON.stringify(target)} exists and is not a Berth volume (no valid volume.json): move it away`);
        if (spec.kind === 'managed' && spec.size !== undefined) {
          if (!this.quotas) throw new VolumeError('option "size" needs project quotas, which this daemon was started without');
          record.projectId = this.nextProjectId++;
        }
        // Durable once this record is: the directories follow without a flush (see journal-file.ts).
        // A managed volume is always made from a spare, so its record can carry the directory's inode.
        const spare = record.spec.kind === 'managed' ? this.spares.pop() ?? this.makeSpareNow() : undefined;
        const dirId = dirIdOf(spare);
        const ticket = await this.journal.append(createEntryOf(record, dirId), this.flush);
        try {
          await buildVolume(this.root, record, this.quotas, false, dirId === undefined ? undefined : spare);
          this.refillSpares();
        } catch (err) {
          // Take the record back, so that a restart does not complete a Create answered with an error.
          await this.journal.append({ op: 'remove', name, id: record.id }, this.flush).then((t) => t.done([]), (e) => this.warn(`cannot record the undoing of failed Create of ${JSON.stringify(name)}: ${describeCause(e)}`));
          ticket.done([this.root]);
          throw err;
        }
        ticket.done(createdPaths(this.root, name));
        this.unwritten.add(name);
        this.index.set(name, record);
        this.logs.set(name, { lines: 0, end: 0, size: 0 });
      } catch (err) {
        throw volumeFailure('create', name, err);
      }
    });
  }

  private async resolveBind(device: string): Promise<string> {
    let resolved: string;
    try {
      resolved = realpathSync.native(device);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new VolumeError(`host path ${JSON.stringify(device)} does not exist (Berth never creates it)`);
      throw new VolumeError(`cannot resolve host path ${JSON.stringify(device)}: ${(err as NodeJS.ErrnoException).code ?? describeCause(err)}`);
    }
    if (!statSync(resolved).isDirectory()) throw new VolumeError(`host path ${JSON.stringify(device)} is not a directory`);
    const refusal = describeBindRefusal(device, resolved, this.allowBind, this.root);
    if (refusal !== undefined) throw new VolumeError(refusal);
    return resolved;
  }

  /**
   * Writes a snapshot of `r` with `mounts` and the next log generation (durably), then drops the
   * old logs. Used for Release and when a log grows long.
   */
  private async compact(r: VolumeRecord, mounts: MountCounts): Promise<void> {
    const next: VolumeRecord = { ...r, mounts, logGeneration: r.logGeneration + 1 };
    // The next log first (pre-written, flushed), so the snapshot never points at a missing one; the
    // directory fsync of writeFileDurable makes both names durable. A leftover of that generation
    // from a crashed compaction was never referenced: it is overwritten.
    await writeFileSynced(join(this.root, r.name, mountLogName(next.logGeneration)), new Uint8Array(LOG_BLOCK), this.flush);
    await writeFileDurable(join(this.root, r.name, RECORD_FILE), renderRecord(next), this.flush);
    this.index.set(r.name, next);
    this.unwritten.delete(r.name);
    this.logs.set(r.name, { lines: 0, end: 0, size: LOG_BLOCK });
    this.needsCompaction.delete(r.name);
    for (const gen of [r.logGeneration, r.logGeneration - 1])
      if (gen >= 0) await rm(join(this.root, r.name, mountLogName(gen)), { force: true }).catch(() => undefined);
  }

  /** Writes one Mount or Unmount into the volume's log (durably), then updates the index. */
  private async logMount(r: VolumeRecord, kind: 'mount' | 'unmount', id: string, mounts: MountCounts): Promise<void> {
    if (this.unwritten.has(r.name)) {
      // No volume.json or log yet: the counts go into the journal (absolute, so a replay takes the
      // last). No line may go into a log before volume.json is on disk: a replay treats logs beside
      // a missing volume.json as an older volume's (see replayEntry).
      const ticket = await this.journal.append({ op: 'mounts', name: r.name, id: r.id as string, mounts }, this.flush);
      ticket.done([]);
      this.index.set(r.name, { ...(this.index.get(r.name) as VolumeRecord), mounts });
      return;
    }
    if (this.needsCompaction.has(r.name)) await this.compact(r, r.mounts);
    const current = this.index.get(r.name) as VolumeRecord;
    const log = this.logs.get(r.name) ?? { lines: 0, end: 0, size: 0 };
    const line = Buffer.from(renderMountEvent(kind, id));
    const data = planMountWrite(line, log.end, log.size);
    try {
      await writeAtDurable(join(this.root, r.name, mountLogName(current.logGeneration)), log.end, data, this.flush);
    } catch (err) {
      // The log may now hold a partial line; the next change starts a fresh generation.
      this.needsCompaction.add(r.name);
      throw err;
    }
    this.index.set(r.name, { ...current, mounts });
    const lines = log.lines + 1;
    this.logs.set(r.name, { lines, end: log.end + line.length, size: Math.max(log.size, log.end + data.length) });
    if (lines >= COMPACT_AFTER_LINES) await this.compact(this.index.get(r.name) as VolumeRecord, mounts).catch((err) => this.warn(`cannot compact the mount log of ${JSON.stringify(r.name)}: ${describeCause(err)}`));
  }

  async remove(name: string): Promise<void> {
    this.lookup('remove', name);
    return this.change(name, async () => {
      const r = this.lookup('remove', name);
      if (isMounted(r.mounts)) {
        const ids = mountIds(r.mounts);
        const list = ids.map((id) => JSON.stringify(id)).join(', ');
        throw volumeFailure('remove', name, `volume is in use by mount ${ids.length === 1 ? 'ID' : 'IDs'} ${list} (if those containers are gone: berth volume release ${JSON.stringify(name)})`);
      }
      const trash = join(this.root, TRASH, randomBytes(8).toString('hex'));
      let ticket: Ticket | undefined;
      try {
        // The record makes the Remove durable; one rename then takes the volume away (flushed at
        // the checkpoint); its data is deleted after the reply.
        ticket = await this.journal.append({ op: 'remove', name, ...(r.id !== undefined && { id: r.id }) }, this.flush);
        renameSync(join(this.root, name), trash);
      } catch (err) {
        if (ticket) {
          await this.journal.append(createEntryOf(r), this.flush).then((t) => t.done([]), (e) => this.warn(`cannot record the undoing of failed Remove of ${JSON.stringify(name)}: ${describeCause(e)}`));
          ticket.done([]);
        }
        throw volumeFailure('remove', name, err);
      }
      ticket.done([this.root, join(this.root, TRASH)]);
      this.index.delete(name);
      this.logs.delete(name);
      this.unwritten.delete(name);
      this.needsCompaction.delete(name);
      this.deleteLater(r, trash);
    });
  }

  /**
   * Queues a removed volume's deletion. The queue is emptied TRASH_DELAY_MS after the first entry,
   * not at once: deleting right after the reply put its unlinks into the journal commit (and the
   * thread pool) of whatever request came next, typically a Create.
   */
  private deleteLater(r: VolumeRecord, trash: string): void {
    this.trashQueue.push({ r, trash });
    if (this.trashTimer) return;
    this.trashTimer = setTimeout(() => this.emptyTrash(), TRASH_DELAY_MS);
    this.trashTimer.unref();
  }

  private emptyTrash(): void {
    clearTimeout(this.trashTimer);
    this.trashTimer = undefined;
    for (const { r, trash } of this.trashQueue.splice(0)) this.track(this.deleteNow(r, trash));
  }

  private async deleteNow(r: VolumeRecord, trash: string): Promise<void> {
    if (r.spec.kind === 'managed' && r.projectId === undefined && this.spares.length < MAX_SPARES && await this.recycle(trash).catch(() => false)) return;
    if (r.projectId !== undefined && this.quotas)
      await this.quotas.clear(trash, r.projectId).catch((err) => this.warn(`cannot clear the quota of removed volume ${JSON.stringify(r.name)}: ${describeCause(err)}`));
    // A bind volume's trash holds only volume.json: the host directory is never inside it.
    await rm(trash, { recursive: true, force: true }).catch((err) => this.warn(`cannot delete removed volume ${JSON.stringify(r.name)} at ${JSON.stringify(trash)}: ${describeCause(err)}`));
  }

  /** A spare made on the Create's own path, when none is ready (as a Create did before spares). */
  private makeSpareNow(): string | undefined {
    const dir = join(this.root, SPARE, randomBytes(8).toString('hex'));
    try {
      mkdirSync(join(this.root, SPARE), { recursive: true, mode: 0o700 });
      mkdirSync(dir, { mode: 0o701 });
      mkdirSync(join(dir, DATA_DIR));
      chownSync(join(dir, DATA_DIR), 0, 0);
      chmodSync(join(dir, DATA_DIR), 0o755);
      return dir;
    } catch (err) {
      this.warn(`cannot make a spare volume directory: ${describeCause(err)}`);
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /**
   * Turns a removed managed volume whose _data is empty into a spare: its files are deleted and its
   * _data replaced by a fresh root:root 0755 one (nothing of the old one, ACLs or attributes, is
   * kept), and the directory itself is reused, one inode allocation fewer than a new spare.
   */
  private async recycle(trash: string): Promise<boolean> {
    const data = join(trash, DATA_DIR);
    const entries = await readdir(trash);
    if (!entries.includes(DATA_DIR) || (await readdir(data)).length > 0) return false;
    for (const e of entries) await rm(join(trash, e), { recursive: true, force: true });
    await mkdir(data);
    await chown(data, 0, 0);
    await chmod(data, 0o755);
    // The old files' deletion made durable first: a power loss must never show a new volume made
    // from this directory with another volume's volume.json or mount log in it.
    const fh = await open(trash, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const spare = join(this.root, SPARE, randomBytes(8).toString('hex'));
    await rename(trash, spare);
    this.spares.push(spare);
    return true;
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.then(() => this.background.delete(work));
  }

  /**
   * Writes a new volume's volume.json and pre-writes its mounts.0.log (zeros), flushed with their
   * directory, after the Create was answered, under the volume's lock: a Mount that comes first
   * waits for it (or, if it failed, creates the log itself: writeAtDurable). Not in the Create: on
   * the development kernel each new inode costs 0.5-1 ms of system CPU, and the journal record
   * already holds everything volume.json says; until it is written, the record is kept (the
   * checkpoint calls writeUnwritten first) and a replay writes it.
   */
  /**
   * Writes a new volume's volume.json (with its current mount counts) and pre-writes its
   * mounts.0.log (zeros), flushed with their directory; call under the volume's lock. Done by the
   * journal's checkpoint (writeUnwritten), not by the Create: on the development kernel each new
   * inode costs 0.5-1 ms of system CPU, and the journal already holds what volume.json says (Mounts
   * and Unmounts until then are journaled too, see logMount). In the thread pool, so the event loop
   * keeps answering other requests meanwhile.
   */
  private async writeFiles(name: string): Promise<void> {
    const r = this.index.get(name);
    const log = this.logs.get(name);
    if (!r) return;
    const files: FileHandle[] = [];
    try {
      if (this.unwritten.has(name)) {
        const fh = await open(join(this.root, name, RECORD_FILE), 'w', 0o600);
        files.push(fh);
        await fh.writeFile(renderRecord(r));
      }
      const prewrite = log !== undefined && log.size === 0 && r.logGeneration === 0;
      if (prewrite) {
        const fh = await open(join(this.root, name, mountLogName(r.logGeneration)), 'w', 0o600);
        files.push(fh);
        await fh.writeFile(new Uint8Array(LOG_BLOCK));
      }
      if (files.length === 0) return;
      files.push(await open(join(this.root, name), 'r'));
      await Promise.all(files.map((fh) => fh.sync()));
      this.unwritten.delete(name);
      if (prewrite) this.logs.set(name, { ...log, size: LOG_BLOCK });
    } finally {
      await Promise.all(files.map((fh) => fh.close()));
    }
  }

  /**
   * Makes spare volume directories in the background (in the thread pool, so the event loop keeps
   * answering) until SPARES are ready. They need no flush: a Create's checkpoint fsyncs the volume
   * it became, and leftovers are deleted at the next start.
   */
  private refillSpares(): void {
    if (this.refilling || this.spares.length >= SPARES / 2) return;
    this.refilling = true;
    this.track((async () => {
      try {
        while (this.spares.length < SPARES) {
          const dir = join(this.root, SPARE, randomBytes(8).toString('hex'));
          await mkdir(dir, { mode: 0o701 });
          const data = join(dir, DATA_DIR);
          await mkdir(data);
          await chown(data, 0, 0);
          await chmod(data, 0o755);
          this.spares.push(dir);
        }
      } catch (err) {
        this.warn(`cannot make spare volume directories: ${describeCause(err)}`);
      } finally {
        this.refilling = false;
      }
    })());
  }

  /** Writes every volume.json still missing (before a checkpoint lets go of their records). */
  private async writeUnwritten(): Promise<void> {
    await Promise.all([...this.unwritten].map((name) => this.change(name, () => this.writeFiles(name).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      // The volume's directory is gone (not by Berth): nothing to write, and nothing to keep the journal for.
      this.unwritten.delete(name);
      this.warn(`cannot write the files of volume ${JSON.stringify(name)}: its directory is gone`);
    }))));
  }

  /** Waits for the work done after replies (for a clean shutdown and for tests). */
  async settle(): Promise<void> {
    this.emptyTrash();
    while (this.background.size > 0) await Promise.all([...this.background]);
    await this.journal.settle();
  }

  /** settle(), then closes the journal files. */
  async close(): Promise<void> {
    await this.settle();
    this.journal.close();
  }

  /** Checks that the directory dockerd will bind-mount is there, and is still what was created. */
  private async checkMountpoint(r: VolumeRecord): Promise<string> {
    const mountpoint = this.mountpointOf(r);
    if (r.spec.kind === 'bind') {
      let resolved: string;
      try {
        resolved = realpathSync.native(mountpoint);
      } catch (err) {
        throw new VolumeError(`host path ${JSON.stringify(mountpoint)} is gone: ${(err as NodeJS.ErrnoException).code ?? describeCause(err)}`);
      }
      if (resolved !== mountpoint) throw new VolumeError(`host path ${JSON.stringify(mountpoint)} now resolves to ${JSON.stringify(resolved)}: recreate the volume`);
      const refusal = describeBindRefusal(mountpoint, resolved, this.allowBind, this.root);
      if (refusal !== undefined) throw new VolumeError(refusal);
    }
    let st;
    try {
      st = lstatSync(mountpoint);
    } catch (err) {
      throw new VolumeError(`${r.spec.kind === 'bind' ? 'host path' : 'data directory'} ${JSON.stringify(mountpoint)} is gone: ${(err as NodeJS.ErrnoException).code ?? describeCause(err)}`);
    }
    if (!st.isDirectory()) throw new VolumeError(`${JSON.stringify(mountpoint)} is not a directory`);
    return mountpoint;
  }

  async mount(name: string, id: string): Promise<string> {
    this.lookup('mount', name);
    return this.change(name, async () => {
      const r = this.lookup('mount', name);
      try {
        const mountpoint = await this.checkMountpoint(r);
        await this.logMount(r, 'mount', id, addMount(r.mounts, id));
        return mountpoint;
      } catch (err) {
        throw volumeFailure('mount', name, err);
      }
    });
  }

  async unmount(name: string, id: string): Promise<void> {
    this.lookup('unmount', name);
    return this.change(name, async () => {
      const r = this.lookup('unmount', name);
      const mounts = removeMount(r.mounts, id);
      if (mounts === r.mounts) return; // an ID that holds nothing: harmless
      try {
        await this.logMount(r, 'unmount', id, mounts);
      } catch (err) {
        throw volumeFailure('unmount', name, err);
      }
    });
  }

  async release(name: string, ids: readonly string[]): Promise<string[]> {
    this.lookup('release', name);
    return this.change(name, async () => {
      const r = this.lookup('release', name);
      const { counts, released } = releaseMounts(r.mounts, ids);
      if (released.length === 0) return [];
      try {
        await this.compact(r, counts);
      } catch (err) {
        throw volumeFailure('release', name, err);
      }
      return released;
    });
  }

  async path(name: string): Promise<string> {
    return this.mountpointOf(this.lookup('get the path of', name));
  }

  async get(name: string): Promise<Volume> {
    const r = this.lookup('get', name);
    return describeVolume(r, this.mountpointOf(r));
  }

  async list(): Promise<Array<{ Name: string; Mountpoint: string }>> {
    return [...this.index.values()].map((r) => ({ Name: r.name, Mountpoint: this.mountpointOf(r) }));
  }
}
