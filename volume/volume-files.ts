/**
 * A volume's own files after its Create: volume.json (written at the checkpoint) and the mount logs
 * (mount-log.ts), with what the driver knows of each: where its log stands, whether it needs
 * compacting, whether its volume.json is still unwritten.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtDurable, writeFileDurable, writeFileSynced, type Flush } from './disk.js';
import { describeCause } from './errors.js';
import type { Journal } from './journal-file.js';
import { COMPACT_AFTER_LINES, LOG_BLOCK, mountLogName, planMountWrite, renderMountEvent } from './mount-log.js';
import type { MountCounts } from './mounts.js';
import { renderRecord, type VolumeRecord } from './record.js';
import { RECORD_FILE, type LogState } from './store-layout.js';

export class VolumeFiles {
  /** New volumes whose volume.json is not written yet (writeFiles, at the next checkpoint). */
  readonly unwritten = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly index: Map<string, VolumeRecord>,
    private readonly journal: Journal,
    private readonly warn: (message: string) => void,
    /** Where each volume's current mount log stands. */
    private readonly logs: Map<string, LogState>,
    /** Volumes whose log may end in a partial line: compact before the next append. */
    private readonly needsCompaction: Set<string>,
  ) {}

  /** A volume just created: its volume.json is written at the next checkpoint, its log is empty. */
  created(name: string): void {
    this.unwritten.add(name);
    this.logs.set(name, { lines: 0, end: 0, size: 0 });
  }

  /** A volume removed: nothing more is written for it. */
  forget(name: string): void {
    this.logs.delete(name);
    this.unwritten.delete(name);
    this.needsCompaction.delete(name);
  }

  /**
   * Writes a snapshot of `r` with `mounts` and the next log generation (durably), then drops the
   * old logs. Used for Release and when a log grows long.
   */
  async compact(r: VolumeRecord, mounts: MountCounts, flush: Flush): Promise<void> {
    const next: VolumeRecord = { ...r, mounts, logGeneration: r.logGeneration + 1 };
    // The next log first (pre-written, flushed), so the snapshot never points at a missing one; the
    // directory fsync of writeFileDurable makes both names durable. A leftover of that generation
    // from a crashed compaction was never referenced: it is overwritten.
    await writeFileSynced(join(this.root, r.name, mountLogName(next.logGeneration)), new Uint8Array(LOG_BLOCK), flush);
    await writeFileDurable(join(this.root, r.name, RECORD_FILE), renderRecord(next), flush);
    this.index.set(r.name, next);
    this.unwritten.delete(r.name);
    this.logs.set(r.name, { lines: 0, end: 0, size: LOG_BLOCK });
    this.needsCompaction.delete(r.name);
    for (const gen of [r.logGeneration, r.logGeneration - 1])
      if (gen >= 0) await rm(join(this.root, r.name, mountLogName(gen)), { force: true }).catch(() => undefined);
  }

  /** Writes one Mount or Unmount into the volume's log (durably), then updates the index. */
  async logMount(r: VolumeRecord, kind: 'mount' | 'unmount', id: string, mounts: MountCounts, flush: Flush): Promise<void> {
    if (this.unwritten.has(r.name)) {
      // No volume.json or log yet: the counts go into the journal (absolute, so a replay takes the
      // last). No line may go into a log before volume.json is on disk: a replay treats logs beside
      // a missing volume.json as an older volume's (see replayEntry).
      const ticket = await this.journal.append({ op: 'mounts', name: r.name, id: r.id as string, mounts }, flush);
      ticket.done([]);
      this.index.set(r.name, { ...(this.index.get(r.name) as VolumeRecord), mounts });
      return;
    }
    if (this.needsCompaction.has(r.name)) await this.compact(r, r.mounts, flush);
    const current = this.index.get(r.name) as VolumeRecord;
    const log = this.logs.get(r.name) ?? { lines: 0, end: 0, size: 0 };
    const line = Buffer.from(renderMountEvent(kind, id));
    const data = planMountWrite(line, log.end, log.size);
    try {
      await writeAtDurable(join(this.root, r.name, mountLogName(current.logGeneration)), log.end, data, flush);
    } catch (err) {
      // The log may now hold a partial line; the next change starts a fresh generation.
      this.needsCompaction.add(r.name);
      throw err;
    }
    this.index.set(r.name, { ...current, mounts });
    const lines = log.lines + 1;
    this.logs.set(r.name, { lines, end: log.end + line.length, size: Math.max(log.size, log.end + data.length) });
    if (lines >= COMPACT_AFTER_LINES)
      await this.compact(this.index.get(r.name) as VolumeRecord, mounts, flush).catch((err) =>
        this.warn(`cannot compact the mount log of ${JSON.stringify(r.name)}: ${describeCause(err)}`),
      );
  }

  /**
   * Writes a new volume's volume.json (with its current mount counts) and pre-writes its
   * mounts.0.log (zeros), flushed with their directory; call under the volume's lock. Done by the
   * journal's checkpoint (LocalDriver.writeUnwritten), not by the Create: a new inode is costly on the
   * Create's path, and the journal already holds what volume.json says (Mounts
   * and Unmounts until then are journaled too, see logMount). In the thread pool, so the event loop
   * keeps answering other requests meanwhile.
   */
  async writeFiles(name: string): Promise<void> {
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
}
