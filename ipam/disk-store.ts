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
 * Berth writes atomically where the reference does not: a lease is written to a temporary file
 * (a released lease's file when there is one: new inodes are dear, see release), then hard-linked
 * to its name (link() fails with EEXIST when the address is taken, so it never clobbers) and the
 * temporary name unlinked; no lease file is ever seen half-written. Like the
 * reference, it does not fsync: a machine crash may leave a lease empty, which the next reservation
 * of that address takes over (isCrashDebris), since every writer fills its lease under the lock.
 *
 * Berth adds one thing the reference ignores: `.berth-index/<containerID>@<ifname>` (cut and hashed
 * past 255 bytes, cni/file-name.ts), the addresses of an attachment, one a line (index-file.ts). It
 * is a hint that spares DEL, CHECK and ADD a read of every lease: it is trusted only when it names
 * addresses and every one is a lease file holding that attachment, else the caller reads all leases
 * as the reference does (e.g. after the reference made or removed leases). The reference's directory
 * walk reads these files too but never matches them (their content is not `id\r\nifname`, their
 * names are not addresses).
 */
import { closeSync, constants as fsConstants, ftruncateSync, linkSync, lstatSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from '../lib/durable.js';
import { fitFileName } from '../cni/file-name.js';
import { lockFile, lockFileIn, type FileLock } from '../kernel/flock.js';
import type { Attachment, Lease, Store } from './store.js';
import { ifPresent, unlinkIfPresent } from '../lib/if-present.js';
import { errno, fillTemporary, isLeaseName, parseLeaseContent, readSmall, renderLeaseContent } from './lease-file.js';
import { dropIndexFile, INDEX_DIR, INDEX_TMP, indexName, writeIndexText } from './index-file.js';

export const LAST_RESERVED_PREFIX = 'last_reserved_ip.';
export const LOCK_FILE = 'lock';
/**
 * Berth's temporary files; one name each, reused, since writers are serialised by the lock. A lease's
 * temporary file becomes the lease by link(), so a writer killed before its unlink() leaves that name
 * on the lease: reserve() writes into it only when it is the file's one name, else removes the name
 * and creates a new file exclusively.
 */
const LEASE_TMP = '.berth-lease.tmp';
const CURSOR_TMP = '.berth-cursor.tmp'; // older versions' cursor writes: removed when left

/** A network's lease directory. Open it with `openDiskStore`, work inside `withLock`. */
export class DiskStore implements Store {
  /** @param makeDir make the directory when it is missing (ADD), at the first lock that does not find it */
  constructor(
    readonly dir: string,
    private readonly makeDir = false,
  ) {}

  /** Runs `fn` holding the network's flock. */
  withLock<T>(fn: (store: DiskStore) => T): T {
    const lock = this.lock();
    try {
      return fn(this);
    } finally {
      lock.release();
    }
  }

  /** The network's flock; the directory is made only when the lock's open misses it (a mkdir and a stat spared every ADD). */
  private lock(): FileLock {
    return this.makeDir ? lockFileIn(this.dir, LOCK_FILE, 0o755) : lockFile(join(this.dir, LOCK_FILE));
  }

  reserve(ip: string, holder: Required<Attachment>): boolean {
    const tmp = join(this.dir, LEASE_TMP);
    // No fsync: it cost every ADD a disk flush, and its DEL the freeing of the flushed block
    // (docs/host-local.md "Leases on disk").
    fillTemporary(tmp, renderLeaseContent(holder)); // a released lease's file when there is one (see release)
    if (!this.link(tmp, ip)) return false; // the temporary file stays, for the next try
    unlinkSync(tmp);
    return true;
  }

  /** Gives the lease at `tmp` the address's name; false when the address is leased. */
  private link(tmp: string, ip: string): boolean {
    const path = join(this.dir, ip);
    try {
      linkSync(tmp, path);
      return true;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      if (!this.isCrashDebris(ip)) return false;
    }
    this.release(ip);
    linkSync(tmp, path);
    return true;
  }

  /**
   * Whether the lease of `ip` names no holder: empty, blank or holding NULs, what a machine crash
   * leaves of a lease whose data never reached the disk. Under the lock it is no writer's work in
   * progress: Berth's leases get their name only once written, and the reference writes its own
   * before it unlocks.
   */
  private isCrashDebris(ip: string): boolean {
    try {
      const text = readSmall(join(this.dir, ip));
      return text !== undefined && (text.includes('\0') || parseLeaseContent(text) === undefined);
    } catch {
      return false; // a directory of that name: not a lease to take over
    }
  }

  /**
   * Removes the lease of `ip`. Its file becomes the next reservation's temporary file when there is
   * none (link, then unlink): ext4 without a journal pays 0.07-0.25 ms for each new inode, as it
   * skips every inode freed in the last minutes (docs/host-local.md "Leases on disk").
   */
  release(ip: string): void {
    try {
      linkSync(join(this.dir, ip), join(this.dir, LEASE_TMP));
    } catch {
      // no such lease, a temporary file there already, or no file: the unlink alone
    }
    this.remove(ip);
  }

  /** Removes the name `name` of the directory; none there is fine. */
  private remove(name: string): void {
    unlinkIfPresent(join(this.dir, name));
  }

  /** Lease names in the directory, without reading them. */
  leaseNames(): string[] {
    return readdirSync(this.dir).filter(isLeaseName);
  }

  leases(): Lease[] {
    const out: Lease[] = [];
    for (const ip of this.leaseNames()) {
      let text: string | undefined;
      try {
        text = readSmall(join(this.dir, ip));
      } catch {
        continue; // a directory of that name (the reference skips it too)
      }
      const holder = text === undefined ? undefined : parseLeaseContent(text);
      if (holder) out.push({ ip, ...holder });
    }
    return out;
  }

  lastReserved(setIndex: number): string | undefined {
    return readSmall(join(this.dir, `${LAST_RESERVED_PREFIX}${setIndex}`))?.trim();
  }

  setLastReserved(setIndex: number, ip: string): void {
    // A cursor is a hint, read and written under the lock: overwritten in place, not fsync'ed (a
    // torn or lost cursor only restarts the round). Not by rename, nor O_TRUNC: ext4 flushes a file
    // renamed over another, or truncated to zero, at once (auto_da_alloc), 0.3-2.3 ms per ADD.
    const data = Buffer.from(ip);
    // O_WRONLY | O_CREAT: no O_APPEND (a positioned write would append), no O_TRUNC.
    const fd = openSync(join(this.dir, `${LAST_RESERVED_PREFIX}${setIndex}`), fsConstants.O_WRONLY | fsConstants.O_CREAT, 0o600);
    try {
      writeAll(fd, data, 0);
      ftruncateSync(fd, data.length);
    } finally {
      closeSync(fd);
    }
  }

  /** Removes temporary files a killed Berth process may have left. */
  removeLeftovers(): void {
    for (const name of [LEASE_TMP, CURSOR_TMP, INDEX_TMP]) this.remove(name);
  }

  private indexPath(holder: Required<Attachment>): string {
    return join(this.dir, INDEX_DIR, indexName(holder));
  }

  /**
   * The leases of `holder` according to its index, when every one of them checks out (the file
   * exists and holds exactly this attachment); undefined when there is no index or it is stale.
   */
  indexedLeases(holder: Required<Attachment>): Lease[] | undefined {
    try {
      const text = readSmall(this.indexPath(holder));
      return text === undefined ? undefined : this.checkIndex(holder, text);
    } catch {
      return undefined; // unreadable: not a hint to trust
    }
  }

  /**
   * What ADD must know of `holder`'s leases, with one look for its index: those the index names when
   * they check out, every lease when it is stale (so a duplicate ADD is seen), none without an index
   * (the attachment holds nothing Berth gave it: no need to read every lease).
   * @throws the fs error when the index cannot be read
   */
  knownLeases(holder: Required<Attachment>): Lease[] {
    const path = this.indexPath(holder);
    // An ADD's attachment has no index as a rule: lstat says so without an exception.
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return [];
    const text = readSmall(path);
    if (text === undefined) return [];
    return this.checkIndex(holder, text) ?? this.leases();
  }

  /** The leases index `text` names, when it names one or more and each is a lease file holding `holder`; else undefined. */
  private checkIndex(holder: Required<Attachment>, text: string): Lease[] | undefined {
    try {
      const out: Lease[] = [];
      for (const ip of text.split('\n').filter((l) => l !== '')) {
        if (!isLeaseName(ip)) return undefined;
        const content = readSmall(join(this.dir, ip));
        const held = content === undefined ? undefined : parseLeaseContent(content);
        if (held?.containerId !== holder.containerId || held.ifname !== holder.ifname) return undefined;
        out.push({ ip, ...held });
      }
      return out.length > 0 ? out : undefined; // an empty file: what a machine crash may leave of an index
    } catch {
      return undefined; // unreadable: not a hint to trust
    }
  }

  /** Records the addresses of `holder` (index-file.ts); no addresses, no index (an empty one is stale). */
  writeIndex(holder: Required<Attachment>, ips: readonly string[]): void {
    if (ips.length === 0) return this.dropIndex(holder);
    writeIndexText(this.dir, this.indexPath(holder), ips);
  }

  dropIndex(holder: Required<Attachment>): void {
    dropIndexFile(this.dir, this.indexPath(holder));
  }

  /** Removes the index files of every attachment but `keep` (GC). */
  dropIndexesExcept(keep: ReadonlyArray<Required<Attachment>>): void {
    const names = ifPresent(() => readdirSync(join(this.dir, INDEX_DIR))) ?? [];
    const kept = new Set(keep.map(indexName));
    for (const name of names) if (!kept.has(name)) this.remove(join(INDEX_DIR, name));
  }
}

/** A network's lease directory: `<dataDir>/<network>` (the reference's), cut and hashed past NAME_MAX. */
export function networkDir(dataDir: string, network: string): string {
  return join(dataDir, fitFileName(network));
}

/** The lease directory `<dataDir>/<network>`, made (mode 0755) at its first lock when missing; withLock throws the fs error when it cannot be made. */
export function openDiskStore(dataDir: string, network: string): DiskStore {
  return new DiskStore(networkDir(dataDir, network), true);
}
