/**
 * The store's write-ahead journal on disk (the format is in journal.ts): two files in the root,
 * `.journal.0` and `.journal.1`, each JOURNAL_SIZE bytes pre-written with zeros, used in turn.
 *
 * A Create or Remove appends its record to the active file in place (over zeros) and fdatasyncs it:
 * durable, without a file system journal commit. Then it changes the directories without flushing
 * them and reports which paths it touched (`Ticket.done`). A checkpoint makes those paths durable:
 * after CHECKPOINT_RECORDS records, CHECKPOINT_MS after the first record, or at shutdown, the other
 * file (already checkpointed) becomes the active one, with a higher epoch and from offset 0; the
 * old one's changes still in progress are waited for, then every path they touched is fsync'd (in
 * parallel, in the thread pool, off the requests' path). Only then may that file be reused.
 *
 * So at any moment the two files together hold every Create and Remove not yet checkpointed, in
 * order (the older epoch's file first), and replaying both (planReplay) gives each name's intended
 * state. At start the driver replays them, fsyncs what it touched (`start`), and writing begins in
 * the file with the lower epoch: records left over in it are unreadable from then on (another
 * epoch, a broken CRC chain).
 */
import { closeSync, fstatSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { flushAll, fsyncIfPresent, openOrCreate, type Flush } from './disk.js';
import { describeCause } from './errors.js';
import { decodeJournal, encodeRecord, nextEpoch, planReplay, type DecodedJournal, type JournalEntry, type ReplayStep } from './journal.js';

export const JOURNAL_FILES = ['.journal.0', '.journal.1'] as const;
/** Each file's pre-written size; a record that does not fit is written past it (slower, still correct). */
export const JOURNAL_SIZE = 1024 * 1024;
export const CHECKPOINT_RECORDS = 4096;
export const CHECKPOINT_MS = 2000;

interface Slot {
  path: string;
  fd: number;
  epoch: number;
  offset: number;
  seq: number;
  lastCrc: number;
  /** Changes whose record is in this file and whose directory work is not finished. */
  inflight: number;
  onIdle: Array<() => void>;
  /** Paths to fsync at this file's checkpoint. */
  dirty: Set<string>;
  state: 'active' | 'checkpointing' | 'clean';
  /** A write or flush failed: nothing more is appended to this file before a checkpoint. */
  broken: boolean;
}

/** Given back by append(): report what the change touched once its directory work is done. */
export interface Ticket {
  done(paths: readonly string[]): void;
}

/** fsyncs each path that still exists (a volume created then removed is gone: its parent's fsync covers it). */
export async function fsyncPaths(paths: Iterable<string>): Promise<void> {
  await Promise.all([...new Set(paths)].map((p) => fsyncIfPresent(p, 'pool')));
}

function writeAll(fd: number, buf: Uint8Array, position: number): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off, position + off);
}

export class Journal {
  private active!: Slot;
  private timer: NodeJS.Timeout | undefined;
  private readonly checkpoints = new Set<Promise<void>>();
  /** Runs before each checkpoint's fsyncs (the driver writes the volume.json files it deferred). */
  beforeCheckpoint: () => Promise<void> = async () => undefined;
  /** Set during settle(): a failed checkpoint is not retried. */
  private closing = false;

  private constructor(
    private readonly root: string,
    private readonly slots: Slot[],
    private readonly warn: (message: string) => void,
  ) {}

  /** Reads both files (missing ones read as empty) and what a replay must make true. */
  static read(root: string): { decoded: DecodedJournal[]; plan: Map<string, ReplayStep> } {
    const decoded = JOURNAL_FILES.map((f) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(join(root, f));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        bytes = new Uint8Array(0);
      }
      return decodeJournal(bytes);
    });
    return { decoded, plan: planReplay(decoded) };
  }

  /**
   * Called once the replay is done: fsyncs the paths it touched (and so everything the journals
   * describe), pre-writes the files, and starts writing in the one with the lower epoch.
   */
  static async start(
    root: string,
    decoded: DecodedJournal[],
    touched: Iterable<string>,
    warn: (message: string) => void,
  ): Promise<Journal> {
    let created = false;
    const slots: Slot[] = JOURNAL_FILES.map((f) => {
      const path = join(root, f);
      const opened = openOrCreate(path);
      const fd = opened.fd;
      created ||= opened.created;
      const size = fstatSync(fd).size;
      if (size < JOURNAL_SIZE) writeAll(fd, new Uint8Array(JOURNAL_SIZE - size), size);
      return {
        path,
        fd,
        epoch: 0,
        offset: 0,
        seq: 0,
        lastCrc: 0,
        inflight: 0,
        onIdle: [],
        dirty: new Set(),
        state: 'clean',
        broken: false,
      };
    });
    await flushAll(
      slots.map((s) => s.fd),
      'pool',
    );
    await fsyncPaths([...touched, root]);
    if (created) await fsyncPaths([root]);
    const journal = new Journal(root, slots, warn);
    const lower = (decoded[0].epoch ?? 0) <= (decoded[1].epoch ?? 0) ? 0 : 1;
    journal.activate(slots[lower], nextEpoch(decoded));
    return journal;
  }

  private activate(slot: Slot, epoch: number): void {
    Object.assign(slot, { epoch, offset: 0, seq: 0, lastCrc: 0, state: 'active', broken: false });
    this.active = slot;
  }

  /**
   * Appends `entry` durably (write in place + fdatasync). The caller then does its directory work
   * and calls `done` with the paths to fsync at the checkpoint (also when that work failed).
   */
  async append(entry: JournalEntry, how: Flush): Promise<Ticket> {
    if (this.active.broken && !this.switchFiles())
      throw new Error('the journal could not be written and is still being checkpointed: try again');
    const slot = this.active;
    const { bytes, crc } = encodeRecord(entry, slot.epoch, slot.seq, slot.lastCrc);
    const at = slot.offset;
    slot.offset += bytes.length;
    slot.seq += 1;
    slot.lastCrc = crc;
    slot.inflight += 1;
    let finished = false;
    const ticket: Ticket = {
      done: (paths) => {
        if (finished) return;
        finished = true;
        for (const p of paths) slot.dirty.add(p);
        slot.inflight -= 1;
        if (slot.inflight === 0) for (const wake of slot.onIdle.splice(0)) wake();
      },
    };
    try {
      writeAll(slot.fd, bytes, at);
      await flushAll([slot.fd], how, true);
    } catch (err) {
      // The file may now hold a torn record, after which nothing would be read back: stop using it.
      slot.broken = true;
      ticket.done([]);
      throw new Error(`cannot write the journal ${JSON.stringify(slot.path)}: ${describeCause(err)}`);
    }
    if (slot.seq >= CHECKPOINT_RECORDS || slot.offset >= (JOURNAL_SIZE * 3) / 4) this.switchFiles();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.switchFiles();
      }, CHECKPOINT_MS);
      this.timer.unref();
    }
    return ticket;
  }

  /** Makes the other file active and checkpoints this one; false when the other is still being checkpointed. */
  private switchFiles(): boolean {
    const old = this.active;
    if (old.seq === 0 && !old.broken) return true;
    const next = this.slots.find((s) => s !== old) as Slot;
    if (next.state !== 'clean') return false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.activate(next, (old.epoch + 1) >>> 0 || 1);
    old.state = 'checkpointing';
    const work = this.checkpoint(old);
    this.checkpoints.add(work);
    void work.finally(() => this.checkpoints.delete(work));
    return true;
  }

  private async checkpoint(slot: Slot): Promise<void> {
    for (;;) {
      if (slot.inflight > 0) await new Promise<void>((resolve) => slot.onIdle.push(resolve));
      const paths = [...slot.dirty, this.root];
      try {
        await this.beforeCheckpoint();
        await fsyncPaths(paths);
        slot.dirty.clear();
        slot.state = 'clean';
        break;
      } catch (err) {
        // At shutdown, give up: the records stay in the file and the next start replays them.
        if (this.closing) return this.warn(`journal checkpoint failed at shutdown, left to the next start's replay: ${describeCause(err)}`);
        this.warn(`journal checkpoint failed, retrying in 1 s: ${describeCause(err)}`);
        await new Promise((r) => setTimeout(r, 1000).unref());
      }
    }
    // The active file filled up while this one was being checkpointed.
    const a = this.active;
    if (a.broken || a.seq >= CHECKPOINT_RECORDS || a.offset >= (JOURNAL_SIZE * 3) / 4) this.switchFiles();
  }

  /** Checkpoints everything recorded so far (shutdown, tests); a checkpoint that fails is not retried. */
  async settle(): Promise<void> {
    this.closing = true;
    try {
      await this.settleOnce();
    } finally {
      this.closing = false;
    }
  }

  private async settleOnce(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      while (this.checkpoints.size > 0) await Promise.all([...this.checkpoints]);
      if (this.active.seq === 0 && !this.active.broken) return;
      this.switchFiles();
    }
  }

  /** Closes the files (after settle). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.slots) {
      try {
        closeSync(s.fd);
      } catch {
        /* already closed */
      }
    }
  }
}
