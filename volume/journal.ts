/**
 * The store's write-ahead journal, pure part: how Create and Remove records are encoded, how a
 * journal file's bytes are read back (torn or stale records detected and dropped), and what a replay
 * must make true on disk. The file handling is in journal-file.ts.
 *
 * Why a journal: a Create made durable by fsyncs of its new directory tree costs one file system
 * journal commit. A record overwritten in place over pre-written zeros and fdatasync'd changes no
 * metadata, so it costs a data write and no commit (docs/internals/speed.md). The directories are made durable later, in the background (a checkpoint), and
 * rebuilt from the records after a crash.
 *
 * A record is a 20-byte header and a JSON payload:
 *   magic "BJR1" | payload length u32 | epoch u32 | sequence u32 | crc u32 | payload
 * (little-endian). Records are written one after another from offset 0. `epoch` is the same for
 * every record of one use of the file (each reuse takes a higher one), `sequence` counts from 0, and
 * the CRC-32 covers the epoch, sequence, length and payload, seeded with the previous record's CRC
 * (0 for the first). Reading stops at the first record that does not fit that chain: zeros, a torn
 * write (CRC mismatch), or what is left of an older use of the file (other epoch, sequence or chain).
 */
import { tryParseJsonObject } from '../lib/json.js';

export const RECORD_MAGIC = 0x3152_4a42; // "BJR1" read as little-endian u32
export const RECORD_HEADER = 20;

export interface CreateEntry {
  op: 'create';
  name: string;
  /** Random per Create: tells this volume from an older one of the same name. */
  id: string;
  createdAt: string;
  options: Readonly<Record<string, string>>;
  device?: string;
  projectId?: number;
  /**
   * The identity of the directory the volume was made from (a spare): "<inode>:<birth time in ns>"
   * (an inode number alone may be reused once freed). A replay tells this volume's half-made
   * directory (same identity: its data is kept) from an older volume's left at that name (another
   * identity: its data is never handed to this one).
   */
  dirId?: string;
}

export interface RemoveEntry {
  op: 'remove';
  name: string;
  /** The id of the volume removed (absent for volumes created before the journal existed). */
  id?: string;
}

/**
 * The mount counts of a new volume after a Mount or Unmount, while its volume.json and mount log
 * are not written yet (they are at the next checkpoint, with these counts): absolute, not a delta.
 */
export interface MountsEntry {
  op: 'mounts';
  name: string;
  /** The id of the volume (its Create entry's). */
  id: string;
  mounts: Readonly<Record<string, number>>;
}

export type JournalEntry = CreateEntry | RemoveEntry | MountsEntry;

/** What a replay must make true for one name: its last Create or Remove, and for a Create the last counts recorded for it. */
export interface ReplayStep {
  entry: CreateEntry | RemoveEntry;
  mounts?: Readonly<Record<string, number>>;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of `bytes`, continuing from `seed` (the CRC of what came before). */
export function crc32(bytes: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function recordCrc(bytes: Uint8Array, off: number, len: number, prev: number): number {
  // Covers length, epoch, sequence (bytes 4-15 of the header) and the payload.
  const head = crc32(bytes.subarray(off + 4, off + 16), prev);
  return crc32(bytes.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len), head);
}

/** Encodes one record; `prevCrc` is the CRC of the record before it in this epoch (0 for the first). */
export function encodeRecord(entry: JournalEntry, epoch: number, sequence: number, prevCrc: number): { bytes: Uint8Array; crc: number } {
  const payload = new TextEncoder().encode(JSON.stringify(entry));
  const bytes = new Uint8Array(RECORD_HEADER + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, RECORD_MAGIC, true);
  view.setUint32(4, payload.length, true);
  view.setUint32(8, epoch >>> 0, true);
  view.setUint32(12, sequence >>> 0, true);
  bytes.set(payload, RECORD_HEADER);
  const crc = recordCrc(bytes, 0, payload.length, prevCrc);
  view.setUint32(16, crc, true);
  return { bytes, crc };
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** The entry in a record's payload, or undefined when it is not one (never thrown: a bad record ends the journal). */
export function tryParseEntry(text: string): JournalEntry | undefined {
  const raw = tryParseJsonObject(text);
  if (!raw || !isString(raw.name) || raw.name === '') return undefined;
  if (raw.op === 'remove') {
    if (raw.id !== undefined && !isString(raw.id)) return undefined;
    return { op: 'remove', name: raw.name, ...(isString(raw.id) && { id: raw.id }) };
  }
  if (raw.op === 'mounts') {
    const m = raw.mounts;
    if (!isString(raw.id) || typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
    if (!Object.values(m).every((n) => Number.isSafeInteger(n) && (n as number) > 0)) return undefined;
    return { op: 'mounts', name: raw.name, id: raw.id, mounts: m as Record<string, number> };
  }
  if (raw.op !== 'create' || !isString(raw.id) || !isString(raw.createdAt)) return undefined;
  const options = raw.options;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || !Object.values(options).every(isString))
    return undefined;
  if (raw.device !== undefined && !isString(raw.device)) return undefined;
  if (raw.projectId !== undefined && !Number.isSafeInteger(raw.projectId)) return undefined;
  if (raw.dirId !== undefined && !isString(raw.dirId)) return undefined;
  return {
    op: 'create',
    name: raw.name,
    id: raw.id,
    createdAt: raw.createdAt,
    options: options as Record<string, string>,
    ...(isString(raw.device) && { device: raw.device }),
    ...(typeof raw.projectId === 'number' && { projectId: raw.projectId }),
    ...(isString(raw.dirId) && { dirId: raw.dirId }),
  };
}

export interface DecodedJournal {
  /** The epoch of the records read; undefined when the file holds none. */
  epoch: number | undefined;
  entries: JournalEntry[];
  /** Byte offset after the last valid record. */
  end: number;
  /** CRC of the last valid record (0 when none): the next record's seed. */
  lastCrc: number;
  /** True when reading stopped at bytes other than zeros: a torn write or an older use's leftovers. */
  stoppedAtGarbage: boolean;
}

/** Reads the valid records of a journal file from offset 0, stopping at the first that breaks the chain. */
export function decodeJournal(bytes: Uint8Array): DecodedJournal {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: JournalEntry[] = [];
  let off = 0,
    prev = 0,
    epoch: number | undefined;
  const done = (garbage: boolean): DecodedJournal => ({ epoch, entries, end: off, lastCrc: prev, stoppedAtGarbage: garbage });
  const zerosFrom = (at: number) => {
    for (let i = at; i < Math.min(bytes.length, at + RECORD_HEADER); i++) if (bytes[i] !== 0) return false;
    return true;
  };
  for (;;) {
    if (off + RECORD_HEADER > bytes.length) return done(!zerosFrom(off));
    if (view.getUint32(off, true) !== RECORD_MAGIC) return done(!zerosFrom(off));
    const len = view.getUint32(off + 4, true);
    const ep = view.getUint32(off + 8, true);
    const seq = view.getUint32(off + 12, true);
    if (off + RECORD_HEADER + len > bytes.length || seq !== entries.length || (epoch !== undefined && ep !== epoch)) return done(true);
    const crc = recordCrc(bytes, off, len, prev);
    if (crc !== view.getUint32(off + 16, true)) return done(true);
    const entry = tryParseEntry(new TextDecoder().decode(bytes.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len)));
    if (!entry) return done(true);
    epoch = ep;
    entries.push(entry);
    prev = crc;
    off += RECORD_HEADER + len;
  }
}

/**
 * What the journals say must be true on disk: for each name, its last Create (to complete, with
 * the last mount counts recorded for it) or Remove (to finish), taking the files in epoch order (the older file was written before the
 * newer one was started, see journal-file.ts).
 */
export function planReplay(journals: readonly DecodedJournal[]): Map<string, ReplayStep> {
  const ordered = journals.filter((j) => j.epoch !== undefined).sort((a, b) => (a.epoch as number) - (b.epoch as number));
  const plan = new Map<string, ReplayStep>();
  for (const j of ordered) {
    for (const e of j.entries) {
      if (e.op !== 'mounts') plan.set(e.name, { entry: e });
      else {
        // Counts of the volume this name now has; counts of an older volume of that name are dropped.
        const step = plan.get(e.name);
        if (step?.entry.op === 'create' && step.entry.id === e.id) step.mounts = e.mounts;
      }
    }
  }
  return plan;
}

/** The epoch the next use of a journal file takes: above every epoch read. */
export function nextEpoch(journals: readonly DecodedJournal[]): number {
  let max = 0;
  for (const j of journals) if (j.epoch !== undefined && j.epoch > max) max = j.epoch;
  return (max + 1) >>> 0 || 1;
}
