/** Opening the volume store: the root made, leftovers deleted, the journal replayed, every volume loaded. */
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalDriver } from './driver.js';
import { VolumeError, describeCause } from './errors.js';
import { nodeFileOps, type VolumeFileOps } from './file-ops.js';
import { Journal } from './journal-file.js';
import { mountLogName, replayMountLog, splitMountLog } from './mount-log.js';
import type { Quotas } from './quota.js';
import { parseRecord, type VolumeRecord } from './record.js';
import { replayEntry } from './replay.js';
import { RECORD_FILE, SPARE, STAGING, TRASH, isInterruptedCreate, type LogState } from './store-layout.js';

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
  /** File operations that need privilege or fail on demand in tests (default: node:fs). */
  fs?: VolumeFileOps;
}

/**
 * Opens the store at `options.root`: creates it, deletes leftovers of interrupted creates and
 * removes, and loads every volume.json into the index.
 * @throws {VolumeError} when the root or an --allow-bind directory cannot be used
 */
export async function openDriver(options: DriverOptions): Promise<LocalDriver> {
  const warn = options.warn ?? (() => undefined);
  const fs = options.fs ?? nodeFileOps;
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
        await rm(join(root, dir, entry), { recursive: true, force: true }).catch((err) =>
          warn(`cannot delete leftover ${JSON.stringify(join(root, dir, entry))}: ${describeCause(err)}`),
        );
  };
  await emptyLeftovers();
  const quotas = typeof options.quotas === 'function' ? options.quotas(root) : options.quotas;
  // Replay the journal: every Create and Remove recorded (so maybe answered) but maybe not yet
  // durable in the directories is completed, then everything it describes is fsync'd.
  let journal: Journal;
  try {
    const { decoded, plan } = Journal.read(root);
    const touched: string[] = [join(root, TRASH)];
    for (const step of plan.values()) await replayEntry(fs, root, step.entry, step.mounts, quotas, warn, touched);
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
        warn(
          `deleting ${JSON.stringify(join(root, name))}: a Create interrupted by a crash before it was answered (empty volume.json, no data)`,
        );
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
  // Loaded 64 at a time: start-up with many volumes is bound by file reads, not by one at a time.
  for (let i = 0; i < names.length; i += 64) await Promise.all(names.slice(i, i + 64).map(load));
  const driver = new LocalDriver(
    root,
    allowBind,
    index,
    quotas,
    warn,
    options.now ?? (() => new Date()),
    journal,
    logs,
    needsCompaction,
    fs,
  );
  return driver;
}
