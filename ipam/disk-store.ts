/**
 * The lease store on disk, in the reference host-local's format (plugins/ipam/host-local/backend/disk),
 * so a node can switch between Berth and the reference in place, both ways:
 *
 * - directory `<dataDir>/<network>/` (mode 0755);
 * - one file per leased address, named by the address in canonical form (IPv4 dotted quad, IPv6
 *   RFC 5952: lower case, longest zero run compressed, as Go's `net.IP.String()`), mode 0600,
 *   holding `<containerID>\r\n<ifname>` (old reference versions wrote the container ID only);
 * - `last_reserved_ip.<range set index>` holding the address reserved last in that set (no newline);
 * - `lock`, flocked around every operation (the reference flocks the same file).
 *
 * Berth writes atomically where the reference does not: a lease is written to a temporary file,
 * fsync'ed, then hard-linked to its name (link() fails with EEXIST when the address is taken, so it
 * never clobbers) and the temporary name unlinked; no lease file is ever seen half-written.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { lockFile, type FileLock } from '../kernel/flock.js';
import type { Attachment, Lease, Store } from './store.js';

export const LAST_RESERVED_PREFIX = 'last_reserved_ip.';
export const LOCK_FILE = 'lock';
/** Berth's temporary files; one name each, reused, since writers are serialised by the lock. */
const LEASE_TMP = '.berth-lease.tmp';
const CURSOR_TMP = '.berth-cursor.tmp';

/** Names that can be leases: an address (IPv4 digits and dots, or IPv6 hex and colons, maybe a dotted tail). */
const LEASE_NAME = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** Reads a lease file's content the way the reference matches it: trimmed, `id\r\nifname` or `id`. */
export function parseLeaseContent(text: string): Attachment | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const brk = trimmed.indexOf('\r\n');
  if (brk < 0) return { containerId: trimmed };
  return { containerId: trimmed.slice(0, brk).trim(), ifname: trimmed.slice(brk + 2) };
}

export function renderLeaseContent(holder: Required<Attachment>): string {
  return `${holder.containerId.trim()}\r\n${holder.ifname}`;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function writeAndSync(path: string, text: string, mode: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    const buf = Buffer.from(text);
    for (let at = 0; at < buf.length;) at += writeSync(fd, buf, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A network's lease directory. Open it with `openDiskStore`, work inside `withLock`. */
export class DiskStore implements Store {
  constructor(readonly dir: string) {}

  /** Runs `fn` holding the network's flock. */
  withLock<T>(fn: (store: DiskStore) => T): T {
    const lock: FileLock = lockFile(join(this.dir, LOCK_FILE));
    try {
      return fn(this);
    } finally {
      lock.release();
    }
  }

  reserve(ip: string, holder: Required<Attachment>): boolean {
    const tmp = join(this.dir, LEASE_TMP);
    writeAndSync(tmp, renderLeaseContent(holder), 0o600);
    try {
      linkSync(tmp, join(this.dir, ip));
      return true;
    } catch (err) {
      if (errno(err) === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  release(ip: string): void {
    try {
      unlinkSync(join(this.dir, ip));
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
  }

  /** Lease names in the directory, without reading them. */
  leaseNames(): string[] {
    return readdirSync(this.dir).filter((name) => LEASE_NAME.test(name));
  }

  leases(): Lease[] {
    const out: Lease[] = [];
    for (const ip of this.leaseNames()) {
      let text: string;
      try {
        text = readFileSync(join(this.dir, ip), 'utf8');
      } catch {
        continue; // a directory of that name, or gone meanwhile (the reference skips it too)
      }
      const holder = parseLeaseContent(text);
      if (holder) out.push({ ip, ...holder });
    }
    return out;
  }

  lastReserved(setIndex: number): string | undefined {
    try {
      return readFileSync(join(this.dir, `${LAST_RESERVED_PREFIX}${setIndex}`), 'utf8').trim();
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  setLastReserved(setIndex: number, ip: string): void {
    // A cursor is a hint: written whole by rename, not fsync'ed (a lost cursor only restarts the round).
    const tmp = join(this.dir, CURSOR_TMP);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, ip);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, `${LAST_RESERVED_PREFIX}${setIndex}`));
  }

  /** Removes temporary files a killed Berth process may have left. */
  removeLeftovers(): void {
    for (const name of [LEASE_TMP, CURSOR_TMP]) this.release(name);
  }
}

/**
 * Opens (creating it if needed) the lease directory `<dataDir>/<network>`.
 * @throws the fs error when the directory cannot be made
 */
export function openDiskStore(dataDir: string, network: string): DiskStore {
  const dir = join(dataDir, network);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return new DiskStore(dir);
}
