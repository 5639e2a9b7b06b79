/**
 * The mount log: Mount and Unmount write one line (`+ID` or `-ID`) into `<volume>/mounts.<gen>.log`
 * and fdatasync it, one small write instead of rewriting volume.json (write, fsync, rename and a
 * directory fsync). volume.json holds a snapshot of the
 * counts and the generation of the log that continues it; compaction writes a new snapshot with the
 * next generation, so an old log left behind by a crash is never replayed twice.
 *
 * The log is written in place, not appended: each file starts as LOG_BLOCK zero bytes (written and
 * flushed when the volume or the generation is created) and a line overwrites the zeros after the
 * previous one. An fdatasync of blocks that are already allocated and written changes no metadata
 * (only mtime, which fdatasync skips), so it flushes one data block and needs no journal commit;
 * an append changes the file size and waits for one. A line that does not fit extends the file by
 * whole blocks of zeros, so that happens once per LOG_BLOCK bytes. The log's text ends at its first
 * zero byte (IDs never contain NUL: control characters are refused).
 */
import { addMount, removeMount, type MountCounts } from './mounts.js';

/** Above this many lines the log is folded into volume.json. */
export const COMPACT_AFTER_LINES = 256;

/** A new log is this many zero bytes; a line that does not fit extends it by whole blocks. */
export const LOG_BLOCK = 4096;

export function mountLogName(generation: number): string {
  return `mounts.${generation}.log`;
}

export function renderMountEvent(kind: 'mount' | 'unmount', id: string): string {
  return `${kind === 'mount' ? '+' : '-'}${id}\n`;
}

/**
 * Splits a log file's bytes into its text (up to the first zero byte) and where the next line goes.
 * `clean` is false when the text does not end with a newline or anything but zeros follows it: a
 * write torn by a power loss. Such a log must not be written after (a later line could join a
 * fragment), so the driver compacts it first.
 */
export function splitMountLog(bytes: Uint8Array): { text: string; end: number; clean: boolean } {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  const text = new TextDecoder().decode(bytes.subarray(0, end));
  let clean = text === '' || text.endsWith('\n');
  for (let i = end; clean && i < bytes.length; i++) if (bytes[i] !== 0) clean = false;
  return { text, end, clean };
}

/**
 * What to write at `end` of a log of `size` bytes to add `line`: the line itself when it fits, else
 * the line and zeros up to the next LOG_BLOCK boundary (the file grows once per block, not per line).
 */
export function planMountWrite(line: Uint8Array, end: number, size: number): Uint8Array {
  if (end + line.length <= size) return line;
  const grown = Math.ceil((end + line.length) / LOG_BLOCK) * LOG_BLOCK;
  const out = new Uint8Array(grown - end);
  out.set(line);
  return out;
}

/**
 * Applies the log's complete lines to `counts`. A last line without its newline was being written
 * when the daemon died, so it was never acknowledged: it is ignored, as is any malformed line.
 */
export function replayMountLog(counts: MountCounts, text: string): { counts: MountCounts; lines: number } {
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  let out = counts;
  let lines = 0;
  for (const line of complete.split('\n')) {
    if (line.length < 2) continue;
    const id = line.slice(1);
    if (line[0] === '+') out = addMount(out, id);
    else if (line[0] === '-') out = removeMount(out, id);
    else continue;
    lines += 1;
  }
  return { counts: out, lines };
}
