/**
 * A lease file's name and text in the reference host-local's format, and the small reads and
 * temporary files the store makes (docs/host-local.md "Leases on disk"). No state.
 */
import { closeSync, constants as fsConstants, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { writeAll, writeTemp } from '../lib/durable.js';
import type { Attachment } from './store.js';
import { ifPresent } from '../lib/if-present.js';

/**
 * Whether `name` can be a lease's: an address, IPv4 (four dot-separated runs of 1-3 digits) or IPv6
 * (hex digits and colons, maybe a dotted tail after a colon). A loop, not a regex: a regex compiles
 * at its first use, a DEL's only one here (~0.05 ms).
 */
export function isLeaseName(name: string): boolean {
  let dots = 0,
    run = 0, // digits since the last dot
    quad = true,
    colon = false,
    dotBeforeColon = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      dotBeforeColon ||= !colon;
      if (run === 0 || run > 3) quad = false;
      dots += 1;
      run = 0;
    } else if (c >= 0x30 && c <= 0x39) run += 1;
    else if (c === 0x3a || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
      colon ||= c === 0x3a;
      quad = false;
    } else return false;
  }
  if (colon) return !dotBeforeColon;
  return quad && dots === 3 && run > 0 && run <= 3;
}

/** Reads a lease file's content the way the reference matches it: trimmed, `id\r\nifname` or `id`. */
export function parseLeaseContent(text: string): Attachment | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const brk = trimmed.indexOf('\r\n');
  if (brk < 0) return { containerId: trimmed };
  return { containerId: trimmed.slice(0, brk).trim(), ifname: trimmed.slice(brk + 2) };
}

/** A lease's text: `<containerID>\r\n<ifname>`. */
export function renderLeaseContent(holder: Required<Attachment>): string {
  return `${holder.containerId.trim()}\r\n${holder.ifname}`;
}

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const readBuf = Buffer.alloc(4096);
/** Reads a small file with one open/read/close (readFileSync adds an fstat), or undefined when absent. */
export function readSmall(path: string): string | undefined {
  const fd = ifPresent(() => openSync(path, 'r'));
  if (fd === undefined) return undefined;
  try {
    let n = readSync(fd, readBuf, 0, readBuf.length, 0);
    if (n < readBuf.length) return readBuf.toString('utf8', 0, n);
    // A positioned read leaves the file offset alone: later reads name their position too.
    const parts = [Buffer.from(readBuf)];
    for (let at = n; (n = readSync(fd, readBuf, 0, readBuf.length, at)) > 0; at += n) parts.push(Buffer.from(readBuf.subarray(0, n)));
    return Buffer.concat(parts).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** An open descriptor, or undefined when `path` cannot be opened so (absent, a symlink, a directory). */
function openOrUndefined(path: string, flags: number): number | undefined {
  try {
    return openSync(path, flags);
  } catch {
    return undefined;
  }
}

/**
 * Puts `text` in the temporary file `tmp` (the lease's or the index's): into the file a released
 * lease or dropped index left there when that is its only name, a regular file of mode 0600, else
 * into a new file (O_EXCL: never into another name of a lease or index, which a writer killed
 * between link and unlink leaves). A new inode is dear on ext4 without a journal: 0.07-0.25 ms, as
 * the allocator skips every inode freed in the last minutes (docs/host-local.md "Leases on disk").
 */
export function fillTemporary(tmp: string, text: string): void {
  const data = Buffer.from(text);
  const fd = openOrUndefined(tmp, fsConstants.O_WRONLY | fsConstants.O_NOFOLLOW);
  if (fd !== undefined)
    try {
      const st = fstatSync(fd);
      if (st.isFile() && st.nlink === 1 && (st.mode & 0o777) === 0o600) {
        writeAll(fd, data, 0);
        if (st.size > data.length) ftruncateSync(fd, data.length);
        return;
      }
    } finally {
      closeSync(fd);
    }
  writeTemp(tmp, data, 0o600, false); // a name left there goes first
}
