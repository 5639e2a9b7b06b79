/**
 * Berth's own record of each attachment's firewall elements, one JSON file per attachment:
 * <stateDir>/<network>/<containerID>@<ifname>.json, one line; a name longer than a file name may
 * be is shortened with a hash (fitFileName). DEL works from these records, never from the
 * container's netns, so it finishes when the netns is gone or empty or the address was removed
 * from the interface.
 *
 * A record describes kernel state (nftables elements), which a reboot wipes. So records live in
 * /run by default (a reboot wipes them too; per network namespace: netns-dirs.ts), and are never
 * fsync'ed: a crash of the machine takes the elements with it, so a lost or empty record (read as
 * none) describes the kernel exactly. A killed process must leave a whole record, old or new:
 * a record of up to a page is written in place by one write at offset 0, which a fatal signal
 * either stops before it copies anything or lets finish (the kernel checks for one per page), and
 * readers stop at the first newline, so the old record's tail left before the truncation is never
 * read; a longer record goes to a temporary file that is then renamed over it.
 */
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../lib/durable.js';
import { fitFileName } from '../cni/file-name.js';
import type { Feature } from './layout.js';
import type { Element } from './render.js';
import { ifPresent, namesIn, unlinkIfPresent } from '../lib/if-present.js';

/** The default state directory (a config key `firewallStateDir` / option `stateDir` overrides it). */
export const DEFAULT_STATE_DIR = '/run/berth/firewall';

/** The records' directory of this process's netns (firewall/netns-dirs.ts). */
export { stateDirForNetns } from './netns-dirs.js';

export interface AttachmentRecord {
  version: 1;
  network: string;
  containerId: string;
  ifName: string;
  /** The comment carried by every element below. */
  tag: string;
  elements: Element[];
  /** Per-feature data a later DEL needs (portmap: the mappings, for the conntrack flush). */
  data?: Partial<Record<Feature, unknown>>;
}

/**
 * The temporary file a record longer than a page is written to before its rename. One fixed name
 * per attachment: writers hold the state directory's lock, and a writer killed between write and
 * rename leaves a file that the attachment's next such write, its DEL or a GC removes (a name with
 * the PID in it leaked).
 */
const TMP_SUFFIX = '.tmp';

export function networkDir(stateDir: string, network: string): string {
  return join(stateDir, fitFileName(network));
}

export function recordPath(stateDir: string, network: string, containerId: string, ifName: string): string {
  // Container IDs never contain "@" (SPEC.md), so the file name splits unambiguously at the first one.
  return join(networkDir(stateDir, network), `${fitFileName(`${containerId}@${encodeURIComponent(ifName)}`, '.json' + TMP_SUFFIX)}.json`);
}

/** The record of an attachment, or undefined when it has none. */
export function readRecord(stateDir: string, network: string, containerId: string, ifName: string): AttachmentRecord | undefined {
  return readRecordFile(recordPath(stateDir, network, containerId, ifName));
}

export function readRecordFile(path: string): AttachmentRecord | undefined {
  return parseRecord(readRecordText(path));
}

/** The record file's first line as it is, or undefined when there is no file. */
export function readRecordText(path: string): string | undefined {
  const text = ifPresent(() => readFileSync(path, 'utf8'));
  if (text === undefined) return undefined;
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

/** The record in a record file's first line, or undefined when there is none. */
export function parseRecord(line: string | undefined): AttachmentRecord | undefined {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as AttachmentRecord;
  } catch {
    return undefined; // empty after a machine crash (see above), or not ours
  }
}

/** The largest record written in place: one page, which one write() copies whole or not at all. */
const IN_PLACE_MAX = 4096;

/** Writes the record so that a killed writer leaves the old one or the new one (see the top of this file). Under the lock. */
export function writeRecord(stateDir: string, rec: AttachmentRecord): void {
  const path = recordPath(stateDir, rec.network, rec.containerId, rec.ifName);
  const data = Buffer.from(JSON.stringify(rec) + '\n');
  if (data.length <= IN_PLACE_MAX) {
    let fd = ifPresent(() => openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o644));
    if (fd === undefined) {
      mkdirSync(networkDir(stateDir, rec.network), { recursive: true });
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o644);
    }
    try {
      if (writeSync(fd, data, 0, data.length, 0) !== data.length) throw new Error(`short write to ${path}`);
      ftruncateSync(fd, data.length);
    } finally {
      closeSync(fd);
    }
    return;
  }
  mkdirSync(networkDir(stateDir, rec.network), { recursive: true });
  replaceFile(path, data, 0o644, path + TMP_SUFFIX);
}

/** Removes the record and a temporary file a killed writer may have left. */
export function deleteRecord(stateDir: string, network: string, containerId: string, ifName: string): void {
  const path = recordPath(stateDir, network, containerId, ifName);
  unlinkIfPresent(path);
  unlinkIfPresent(path + TMP_SUFFIX);
}

/** Removes every temporary file of a network's records (GC, under the lock: no writer is in the middle of one). */
export function deleteTempRecords(stateDir: string, network: string): void {
  for (const name of namesIn(networkDir(stateDir, network)))
    if (name.endsWith('.json' + TMP_SUFFIX)) rmSync(join(networkDir(stateDir, network), name), { force: true });
}

/** Every record of a network (for GC). */
export function listRecords(stateDir: string, network: string): AttachmentRecord[] {
  const names = ifPresent(() => readdirSync(networkDir(stateDir, network))) ?? [];
  const out: AttachmentRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const rec = readRecordFile(join(networkDir(stateDir, network), name));
    if (rec) out.push(rec);
  }
  return out;
}
