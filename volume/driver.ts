/**
 * The volume store: one directory per volume under the root, with its metadata in volume.json and,
 * for managed volumes, the data in _data. An in-memory index (loaded at start) answers reads, so
 * every request costs the same whatever the number of volumes; each change is durable before the
 * index changes and before the request is answered.
 *
 * The layout on disk is described in store-layout.ts. A Create appends its record to the journal
 * (one fdatasync, no file system journal commit), then renames a spare directory to its name (no
 * inode allocated) and answers. A Remove appends its
 * record, renames the volume into .trash and answers. The checkpoint writes the new volumes'
 * volume.json and mount logs and fsyncs what the changes touched before a journal file is reused;
 * a start replays both files first (replayEntry), so after kill -9 or a power loss every answered
 * Create is complete, every answered Remove is finished, and a change never answered is either.
 */
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { checkMountpoint, resolveBind } from './bind-check.js';
import type { Flush } from './disk.js';
import { VolumeError, describeCause, volumeFailure } from './errors.js';
import { nodeFileOps, type VolumeFileOps } from './file-ops.js';
import { Journal, type Ticket } from './journal-file.js';
import { KeyedMutex } from './keyed-mutex.js';
import { addMount, isMounted, mountIds, releaseMounts, removeMount } from './mounts.js';
import { describeBadName, describeBadNewName } from './names.js';
import { describeOptionConflict, parseVolumeOptions, type VolumeSpec } from './options.js';
import type { Volume, VolumeDriver } from './protocol.js';
import type { Quotas } from './quota.js';
import { describeVolume, formatCreatedAt, type VolumeRecord } from './record.js';
import { SpareDirs } from './spares.js';
import {
  DATA_DIR,
  FIRST_PROJECT_ID,
  TRASH,
  buildVolume,
  createEntryOf,
  createdPaths,
  dirIdOf,
  exists,
  type LogState,
} from './store-layout.js';
import { TrashQueue } from './trash-queue.js';
import { VolumeFiles } from './volume-files.js';

export class LocalDriver implements VolumeDriver {
  private readonly locks = new KeyedMutex();
  /** Work done after the reply: deleting removed volumes, pre-writing new mount logs. */
  private readonly background = new Set<Promise<void>>();
  /** Changes (Create, Remove, Mount, Unmount, Release) in progress or queued for their volume's lock. */
  private changing = 0;
  private nextProjectId: number;
  private readonly spares: SpareDirs;
  private readonly trash: TrashQueue;
  private readonly files: VolumeFiles;

  constructor(
    readonly root: string,
    private readonly allowBind: readonly string[],
    private readonly index: Map<string, VolumeRecord>,
    private readonly quotas: Quotas | undefined,
    private readonly warn: (message: string) => void,
    private readonly now: () => Date,
    private readonly journal: Journal,
    /** Where each volume's mount log stands, and which need compacting, as openDriver found them. */
    logs: Map<string, LogState>,
    needsCompaction: Set<string>,
    private readonly fs: VolumeFileOps = nodeFileOps,
  ) {
    this.files = new VolumeFiles(root, index, journal, warn, logs, needsCompaction);
    this.spares = new SpareDirs(root, fs, warn, (work) => this.track(work));
    this.trash = new TrashQueue(this.spares, quotas, warn, (work) => this.track(work));
    let max = FIRST_PROJECT_ID - 1;
    for (const r of index.values()) if (r.projectId !== undefined && r.projectId > max) max = r.projectId;
    this.nextProjectId = max + 1;
    journal.beforeCheckpoint = () => this.writeUnwritten();
    this.spares.refill();
  }

  /** Runs a change of volume `name` under its lock, counted in `changing`. */
  private change<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.changing += 1;
    return this.locks.run(name, fn).finally(() => {
      this.changing -= 1;
    });
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
    const bad = describeBadNewName(name);
    if (bad !== undefined) throw volumeFailure('create', name, `invalid name: ${bad}`);
    let spec: VolumeSpec;
    try {
      spec = parseVolumeOptions(opts);
    } catch (err) {
      throw volumeFailure('create', name, err);
    }
    if (this.index.has(name)) return this.recreate(name, spec);
    return this.change(name, async () => {
      if (this.index.has(name)) return this.recreate(name, spec);
      try {
        const record: VolumeRecord = {
          name,
          id: randomBytes(8).toString('hex'),
          createdAt: formatCreatedAt(this.now()),
          options: { ...(opts ?? {}) },
          spec,
          mounts: {},
          logGeneration: 0,
        };
        if (spec.kind === 'bind') record.device = resolveBind(spec.device, this.allowBind, this.root);
        const target = join(this.root, name);
        // rename(2) would replace an empty directory of that name, and fail on a non-empty one.
        if (exists(target, this.fs))
          throw new VolumeError(`${JSON.stringify(target)} exists and is not a Berth volume (no valid volume.json): move it away`);
        if (spec.kind === 'managed' && spec.size !== undefined) {
          if (!this.quotas) throw new VolumeError('option "size" needs project quotas, which this daemon was started without');
          record.projectId = this.nextProjectId++;
        }
        // Durable once this record is: the directories follow without a flush (see journal-file.ts).
        // A managed volume is always made from a spare, so its record can carry the directory's inode.
        const spare = record.spec.kind === 'managed' ? this.spares.take() : undefined;
        const dirId = dirIdOf(spare);
        const ticket = await this.journal.append(createEntryOf(record, dirId), this.flush);
        try {
          await buildVolume(this.fs, this.root, record, this.quotas, false, dirId === undefined ? undefined : spare);
          this.spares.refill();
        } catch (err) {
          // Take the record back, so that a restart does not complete a Create answered with an error.
          await this.journal.append({ op: 'remove', name, id: record.id }, this.flush).then(
            (t) => t.done([]),
            (e) => this.warn(`cannot record the undoing of failed Create of ${JSON.stringify(name)}: ${describeCause(e)}`),
          );
          ticket.done([this.root]);
          throw err;
        }
        ticket.done(createdPaths(this.root, name));
        this.files.created(name);
        this.index.set(name, record);
      } catch (err) {
        throw volumeFailure('create', name, err);
      }
    });
  }

  /** A Create of an existing volume: done when the options are the same, a conflict when not. */
  private recreate(name: string, spec: VolumeSpec): void {
    const conflict = describeOptionConflict(this.index.get(name)!.spec, spec);
    if (conflict !== undefined) throw volumeFailure('create', name, conflict);
  }

  async remove(name: string): Promise<void> {
    this.lookup('remove', name);
    return this.change(name, async () => {
      const r = this.lookup('remove', name);
      if (isMounted(r.mounts)) {
        const ids = mountIds(r.mounts);
        const list = ids.map((id) => JSON.stringify(id)).join(', ');
        throw volumeFailure(
          'remove',
          name,
          `volume is in use by mount ${ids.length === 1 ? 'ID' : 'IDs'} ${list} (if those containers are gone: berth volume release ${JSON.stringify(name)})`,
        );
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
          await this.journal.append(createEntryOf(r), this.flush).then(
            (t) => t.done([]),
            (e) => this.warn(`cannot record the undoing of failed Remove of ${JSON.stringify(name)}: ${describeCause(e)}`),
          );
          ticket.done([]);
        }
        throw volumeFailure('remove', name, err);
      }
      ticket.done([this.root, join(this.root, TRASH)]);
      this.index.delete(name);
      this.files.forget(name);
      this.trash.add(r, trash);
    });
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.then(() => this.background.delete(work));
  }

  /** Writes every volume.json still missing (before a checkpoint lets go of their records). */
  private async writeUnwritten(): Promise<void> {
    await Promise.all(
      [...this.files.unwritten].map((name) =>
        this.change(name, () =>
          this.files.writeFiles(name).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
            // The volume's directory is gone (not by Berth): nothing to write, and nothing to keep the journal for.
            this.files.unwritten.delete(name);
            this.warn(`cannot write the files of volume ${JSON.stringify(name)}: its directory is gone`);
          }),
        ),
      ),
    );
  }

  /** Waits for the work done after replies (for a clean shutdown and for tests). */
  async settle(): Promise<void> {
    this.trash.empty();
    while (this.background.size > 0) await Promise.all([...this.background]);
    await this.journal.settle();
  }

  /** settle(), then closes the journal files. */
  async close(): Promise<void> {
    await this.settle();
    this.journal.close();
  }

  /** Runs a change of the existing volume `name` under its lock; a failure names the action and the volume. */
  private changeVolume<T>(action: string, name: string, fn: (r: VolumeRecord) => Promise<T>): Promise<T> {
    this.lookup(action, name);
    return this.change(name, async () => {
      const r = this.lookup(action, name);
      try {
        return await fn(r);
      } catch (err) {
        throw volumeFailure(action, name, err);
      }
    });
  }

  async mount(name: string, id: string): Promise<string> {
    return this.changeVolume('mount', name, async (r) => {
      const mountpoint = checkMountpoint(r.spec.kind, this.mountpointOf(r), this.allowBind, this.root);
      await this.files.logMount(r, 'mount', id, addMount(r.mounts, id), this.flush);
      return mountpoint;
    });
  }

  async unmount(name: string, id: string): Promise<void> {
    return this.changeVolume('unmount', name, async (r) => {
      const mounts = removeMount(r.mounts, id);
      if (mounts !== r.mounts) await this.files.logMount(r, 'unmount', id, mounts, this.flush); // else an ID that holds nothing
    });
  }

  async release(name: string, ids: readonly string[]): Promise<string[]> {
    return this.changeVolume('release', name, async (r) => {
      const { counts, released } = releaseMounts(r.mounts, ids);
      if (released.length > 0) await this.files.compact(r, counts, this.flush);
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
