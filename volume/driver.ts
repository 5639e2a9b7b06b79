/**
 * The volume store: one directory per volume under the root, with its metadata in volume.json and,
 * for managed volumes, the data in _data. An in-memory index (loaded at start) answers reads, so
 * every request costs the same whatever the number of volumes; each change is made durable before
 * the index changes and before the request is answered.
 *
 * Layout under the root (mode 0701, as Docker's volumes root: others may traverse to _data):
 *   <name>/volume.json   metadata and a snapshot of the mount counts (0600)
 *   <name>/mounts.<gen>.log   Mounts and Unmounts since that snapshot, one appended line each
 *   <name>/_data/        managed data (root:root 0755 unless uid/gid/mode)
 *   .staging/<random>/   a volume being created; renamed to <name> in one step once complete
 *   .trash/<random>/     a removed volume, renamed away in one step, then deleted
 * kill -9 at any moment therefore leaves each name either fully there or absent; leftovers in
 * .staging and .trash are deleted at the next start.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, realpathSync, renameSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeBindRefusal } from './bind-policy.js';
import { appendDurable, fsyncDir, writeFileDurable, writeFileSynced } from './disk.js';
import { VolumeError, describeCause, volumeFailure } from './errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import { COMPACT_AFTER_LINES, mountLogName, renderMountEvent, replayMountLog } from './mount-log.js';
import { addMount, isMounted, mountIds, releaseMounts, removeMount, type MountCounts } from './mounts.js';
import { describeBadName } from './names.js';
import { parseVolumeOptions } from './options.js';
import type { Volume, VolumeDriver } from './protocol.js';
import type { Quotas } from './quota.js';
import { describeVolume, formatCreatedAt, parseRecord, renderRecord, type VolumeRecord } from './record.js';

const RECORD_FILE = 'volume.json';
const DATA_DIR = '_data';
const STAGING = '.staging';
const TRASH = '.trash';
const FIRST_PROJECT_ID = 0x10000;

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
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
  for (const dir of [STAGING, TRASH])
    for (const entry of await readdir(join(root, dir)))
      await rm(join(root, dir, entry), { recursive: true, force: true }).catch((err) => warn(`cannot delete leftover ${JSON.stringify(join(root, dir, entry))}: ${describeCause(err)}`));
  const index = new Map<string, VolumeRecord>();
  const logLines = new Map<string, number>();
  const needsCompaction = new Set<string>();
  const names: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.push(entry.name);
    else warn(`ignoring ${JSON.stringify(join(root, entry.name))}: not a volume directory`);
  }
  const load = async (name: string) => {
    try {
      const record = parseRecord(await readFile(join(root, name, RECORD_FILE), 'utf8'), name);
      const log = await readFile(join(root, name, mountLogName(record.logGeneration)), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      const { counts, lines } = replayMountLog(record.mounts, log);
      index.set(name, { ...record, mounts: counts });
      logLines.set(name, lines);
      // A torn last line (power loss mid-append) must not prefix the next append: fold the log first.
      if (log !== '' && !log.endsWith('\n')) needsCompaction.add(name);
    } catch (err) {
      warn(`ignoring ${JSON.stringify(join(root, name))}: ${describeCause(err)}`);
    }
  };
  // Loaded 64 at a time: start-up with 10,000 volumes is bound by file reads, not by one at a time.
  for (let i = 0; i < names.length; i += 64) await Promise.all(names.slice(i, i + 64).map(load));
  const quotas = typeof options.quotas === 'function' ? options.quotas(root) : options.quotas;
  const driver = new LocalDriver(root, allowBind, index, quotas, warn, options.now ?? (() => new Date()));
  driver.adoptLogState(logLines, needsCompaction);
  return driver;
}

export class LocalDriver implements VolumeDriver {
  private readonly locks = new KeyedMutex();
  private readonly pendingDeletes = new Set<Promise<void>>();
  /** Lines in each volume's current mount log. */
  private logLines = new Map<string, number>();
  /** Volumes whose log may end in a partial line: compact before the next append. */
  private needsCompaction = new Set<string>();
  private nextProjectId: number;

  constructor(
    readonly root: string,
    private readonly allowBind: readonly string[],
    private readonly index: Map<string, VolumeRecord>,
    private readonly quotas: Quotas | undefined,
    private readonly warn: (message: string) => void,
    private readonly now: () => Date,
  ) {
    let max = FIRST_PROJECT_ID - 1;
    for (const r of index.values()) if (r.projectId !== undefined && r.projectId > max) max = r.projectId;
    this.nextProjectId = max + 1;
  }

  /** Takes over the mount-log bookkeeping found by openDriver. */
  adoptLogState(logLines: Map<string, number>, needsCompaction: Set<string>): void {
    this.logLines = logLines;
    this.needsCompaction = needsCompaction;
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
    return this.locks.run(name, async () => {
      if (this.index.has(name)) return;
      try {
        const record: VolumeRecord = { name, createdAt: formatCreatedAt(this.now()), options: { ...(opts ?? {}) }, spec, mounts: {}, logGeneration: 0 };
        if (spec.kind === 'bind') record.device = await this.resolveBind(spec.device);
        await this.materialize(record);
        this.index.set(name, record);
        this.logLines.set(name, 0);
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

  /** Builds the volume in .staging, makes it durable, then renames it to its name in one step. */
  private async materialize(record: VolumeRecord): Promise<void> {
    const stage = join(this.root, STAGING, randomBytes(8).toString('hex'));
    const target = join(this.root, record.name);
    // Metadata calls are synchronous (microseconds each); only the flushes wait in the thread pool (disk.ts).
    mkdirSync(stage, { mode: 0o701 });
    try {
      if (record.spec.kind === 'managed') {
        const data = join(stage, DATA_DIR);
        mkdirSync(data);
        chownSync(data, record.spec.uid, record.spec.gid);
        chmodSync(data, record.spec.mode); // mkdir's mode is cut by the umask; chmod is exact
        if (record.spec.size !== undefined) {
          if (!this.quotas) throw new VolumeError('option "size" needs project quotas, which this daemon was started without');
          record.projectId = this.nextProjectId++;
          await this.quotas.limit(data, record.projectId, record.spec.size);
        }
      }
      // The stage is invisible until renamed, so volume.json needs no temporary name here. Its data
      // needs its own fsync; the directory operations (mkdir, chown, chmod, the entries of the stage)
      // are made durable by the fsync of the root after the rename: ext4 and xfs journal metadata in
      // order, so committing the rename commits everything before it.
      await writeFileSynced(join(stage, RECORD_FILE), renderRecord(record));
      // rename(2) would replace an empty directory of that name, and fail on a non-empty one.
      if (exists(target))
        throw new VolumeError(`${JSON.stringify(target)} exists and is not a Berth volume (no valid volume.json): move it away`);
      renameSync(stage, target);
      await fsyncDir(this.root);
    } catch (err) {
      await rm(stage, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Writes a snapshot of `r` with `mounts` and the next log generation (durably), then drops the
   * old logs. Used for Release and when a log grows long.
   */
  private async compact(r: VolumeRecord, mounts: MountCounts): Promise<void> {
    const next: VolumeRecord = { ...r, mounts, logGeneration: r.logGeneration + 1 };
    await writeFileDurable(join(this.root, r.name, RECORD_FILE), renderRecord(next));
    this.index.set(r.name, next);
    this.logLines.set(r.name, 0);
    this.needsCompaction.delete(r.name);
    for (const gen of [r.logGeneration, r.logGeneration - 1])
      if (gen >= 0) await rm(join(this.root, r.name, mountLogName(gen)), { force: true }).catch(() => undefined);
  }

  /** Appends one Mount or Unmount to the volume's log (durably), then updates the index. */
  private async logMount(r: VolumeRecord, kind: 'mount' | 'unmount', id: string, mounts: MountCounts): Promise<void> {
    if (this.needsCompaction.has(r.name)) await this.compact(r, r.mounts);
    const current = this.index.get(r.name) as VolumeRecord;
    try {
      await appendDurable(join(this.root, r.name, mountLogName(current.logGeneration)), renderMountEvent(kind, id));
    } catch (err) {
      // The log may now end in a partial line; the next change starts a fresh generation.
      this.needsCompaction.add(r.name);
      throw err;
    }
    this.index.set(r.name, { ...current, mounts });
    const lines = (this.logLines.get(r.name) ?? 0) + 1;
    this.logLines.set(r.name, lines);
    if (lines >= COMPACT_AFTER_LINES) await this.compact(this.index.get(r.name) as VolumeRecord, mounts).catch((err) => this.warn(`cannot compact the mount log of ${JSON.stringify(r.name)}: ${describeCause(err)}`));
  }

  async remove(name: string): Promise<void> {
    this.lookup('remove', name);
    return this.locks.run(name, async () => {
      const r = this.lookup('remove', name);
      if (isMounted(r.mounts)) {
        const ids = mountIds(r.mounts);
        const list = ids.map((id) => JSON.stringify(id)).join(', ');
        throw volumeFailure('remove', name, `volume is in use by mount ${ids.length === 1 ? 'ID' : 'IDs'} ${list} (if those containers are gone: berth volume release ${JSON.stringify(name)})`);
      }
      const trash = join(this.root, TRASH, randomBytes(8).toString('hex'));
      try {
        // One rename takes the volume away for good; its data is deleted after the reply.
        renameSync(join(this.root, name), trash);
        await fsyncDir(this.root);
      } catch (err) {
        throw volumeFailure('remove', name, err);
      }
      this.index.delete(name);
      this.logLines.delete(name);
      this.needsCompaction.delete(name);
      this.deleteLater(r, trash);
    });
  }

  private deleteLater(r: VolumeRecord, trash: string): void {
    const done = (async () => {
      if (r.projectId !== undefined && this.quotas)
        await this.quotas.clear(trash, r.projectId).catch((err) => this.warn(`cannot clear the quota of removed volume ${JSON.stringify(r.name)}: ${describeCause(err)}`));
      // A bind volume's trash holds only volume.json: the host directory is never inside it.
      await rm(trash, { recursive: true, force: true }).catch((err) => this.warn(`cannot delete removed volume ${JSON.stringify(r.name)} at ${JSON.stringify(trash)}: ${describeCause(err)}`));
    })();
    this.pendingDeletes.add(done);
    void done.then(() => this.pendingDeletes.delete(done));
  }

  /** Waits for the data of removed volumes to be deleted (for a clean shutdown and for tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.pendingDeletes]);
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
    return this.locks.run(name, async () => {
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
    return this.locks.run(name, async () => {
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
    return this.locks.run(name, async () => {
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
