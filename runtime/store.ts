/** Container records on disk: one config.json per container, names claimed by exclusive files. */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { lockFile, type ResumableLock } from '../kernel/flock.js';
import { namesIn, unlinkIfPresent } from '../lib/if-present.js';
import { attachSocket, configFile, containerDir, containersDir, lockPath, nameFile, namesDir, runDir, type Dirs } from './paths.js';
import type { ContainerRecord } from './record.js';
import { ID_PATTERN, NAME_PATTERN, resolveContainer } from './ids.js';
import { parseRecord, parseSummary, recordText, SUMMARY_READ, summaryIn, type RecordSummary } from './record-text.js';

export function readRecord(d: Dirs, id: string): ContainerRecord {
  return parseRecord(readFileSync(configFile(d, id), 'utf8'));
}

/** Written aside and renamed: a reader sees the old or the new record, never half of one. */
export function writeRecord(d: Dirs, rec: ContainerRecord): void {
  const file = configFile(d, rec.Id);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, recordText(rec));
  renameSync(temp, file);
}

/**
 * The summaries of every readable record (`ps` when the front did not read them): each record's
 * first line, read into one reused buffer and decoded alone; the rest is neither read nor decoded.
 */
export function listSummaries(d: Dirs): RecordSummary[] {
  const buffer = Buffer.allocUnsafe(SUMMARY_READ);
  return eachRecord(d, (file) => {
    const fd = openSync(file, 'r');
    let length;
    try {
      length = readSync(fd, buffer, 0, SUMMARY_READ, 0);
    } finally {
      closeSync(fd);
    }
    const summary = summaryIn(buffer, length);
    return summary ?? parseSummary(readFileSync(file, 'utf8'));
  });
}

/**
 * The summaries the front read (plugins/front/berth-ps.c): a JSON array of summaries and of the ids
 * of the records it left to this program, which reads those as listSummaries does.
 * @throws {Error} when `text` is not such an array
 */
export function summariesFrom(d: Dirs, text: string): RecordSummary[] {
  const items = JSON.parse(text) as unknown;
  if (!Array.isArray(items)) throw new Error('not an array of record summaries');
  const out: RecordSummary[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as RecordSummary | string;
    if (typeof item !== 'string') out.push(item);
    else
      try {
        out.push(parseSummary(readFileSync(configFile(d, item), 'utf8')));
      } catch {
        /* half made or half removed */
      }
  }
  return out;
}

/** Every container with a readable record; a dir being made or removed meanwhile is skipped. */
export function listRecords(d: Dirs): ContainerRecord[] {
  return eachRecord(d, (file) => parseRecord(readFileSync(file, 'utf8')));
}

function eachRecord<T>(d: Dirs, read: (file: string) => T): T[] {
  const dir = containersDir(d);
  const ids = namesIn(dir);
  const out: T[] = [];
  for (let i = 0; i < ids.length; i++) {
    try {
      // A plain template, not configFile's join: ps reads every record (docs/internals/speed.md).
      out.push(read(`${dir}/${ids[i]}/config.json`));
    } catch {
      /* half made or half removed */
    }
  }
  return out;
}

/**
 * The container `ref` names, in Docker's order: a full ID, an exact name (through its claim file),
 * a unique ID prefix. Reads only the records it needs, not every one as listRecords does.
 * @throws {Error} `No such container: REF`, or on an ambiguous prefix
 */
export function findRecord(d: Dirs, ref: string): ContainerRecord {
  const read = (id: string): ContainerRecord | undefined => {
    if (!ID_PATTERN.test(id)) return undefined; // never a path outside the containers dir
    try {
      return readRecord(d, id);
    } catch {
      return undefined; // none, half made or half removed, as listRecords skips it
    }
  };
  const exact = read(ref);
  if (exact) return exact;
  const name = ref.replace(/^\//, '');
  if (NAME_PATTERN.test(name)) {
    let owner = '';
    try {
      owner = readFileSync(nameFile(d, name), 'utf8');
    } catch {
      /* no such name */
    }
    const named = read(owner);
    if (named?.Name === name) return named;
  }
  // Only a prefix needs the listing.
  let prefixed: ContainerRecord[] = [];
  if (/^[0-9a-f]+$/.test(ref))
    try {
      prefixed = readdirSync(containersDir(d))
        .filter((id) => id.startsWith(ref))
        .flatMap((id) => read(id) ?? []);
    } catch {
      /* no container yet */
    }
  return resolveContainer(
    ref,
    prefixed.map((r) => ({ id: r.Id, name: r.Name, rec: r })),
  ).rec;
}

/**
 * Claims `name` for `id` by creating its file exclusively, so two creates never share a name.
 * @throws {Error} Docker's conflict message when the name is taken
 */
export function claimName(d: Dirs, name: string, id: string): void {
  mkdirSync(namesDir(d), { recursive: true });
  try {
    writeFileSync(nameFile(d, name), id, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let owner = '';
    try {
      owner = readFileSync(nameFile(d, name), 'utf8');
    } catch {
      /* gone meanwhile */
    }
    throw new Error(
      `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }
}

/** The names claimed (claimName), from their files alone: no record is read. */
export function claimedNames(d: Dirs): Set<string> {
  try {
    return new Set(readdirSync(namesDir(d)));
  } catch {
    return new Set(); // no container was ever named
  }
}

export function releaseName(d: Dirs, name: string, id: string): void {
  try {
    if (readFileSync(nameFile(d, name), 'utf8') === id) unlinkSync(nameFile(d, name));
  } catch {
    /* not claimed */
  }
}

/** Removes everything of a container on disk: record, container layer, logs, name, state dir. */
export function removeContainerFiles(d: Dirs, rec: ContainerRecord): void {
  rmSync(runDir(d, rec.Id), { recursive: true, force: true });
  unlinkIfPresent(attachSocket(d, rec.Id));
  removeRecordFiles(d, rec);
}

/** What removeContainerFiles removes once the state dir and the attach socket are gone (the cleanup removed them). */
export function removeRecordFiles(d: Dirs, rec: ContainerRecord): void {
  rmSync(containerDir(d, rec.Id), { recursive: true, force: true });
  releaseName(d, rec.Name, rec.Id);
  unlinkIfPresent(lockPath(d, rec.Id));
}

/**
 * Removes the container's root (its overlay dirs) in the thread pool, while the caller does other
 * work; its record stays, so an interrupted removal is finished by removeContainerFiles.
 */
export async function removeContainerRoot(d: Dirs, id: string): Promise<void> {
  await Promise.all(['merged', 'diff', 'work'].map((sub) => rm(join(containerDir(d, id), sub), { recursive: true, force: true })));
}

/**
 * Takes the container's lock: concurrent commands on one container take turns. Its release removes
 * the lock file of a removed container, and a command that waited on it finds no record.
 */
export function lockContainer(d: Dirs, id: string): ResumableLock {
  const path = lockPath(d, id);
  let lock: ResumableLock;
  try {
    lock = lockFile(path);
  } catch (err) {
    // The locks dir exists for all but the first container: its mkdir would be a failed call each time.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    lock = lockFile(path);
  }
  return {
    suspend: () => lock.suspend(),
    resume: () => lock.resume(),
    release() {
      if (!existsSync(configFile(d, id))) unlinkIfPresent(path);
      lock.release();
    },
  };
}

/** Runs `fn` holding the container's lock (lockContainer). */
export async function withContainerLock<T>(d: Dirs, id: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockContainer(d, id);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
