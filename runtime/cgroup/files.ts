/** Parsers of cgroup file contents, shared by the v1 and v2 drivers. Pure. */

/** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control) as numbers. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** A cgroup.procs (or tasks) file: one pid a line; 0 (a task this pid namespace cannot see) is left out. */
export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number)
    .filter((pid) => pid > 0);
}

/** A single number ("max" as Infinity), e.g. pids.max, memory.max, cpuacct.usage. */
export function parseLimit(text: string): number {
  const t = text.trim();
  return t === 'max' ? Infinity : Number(t);
}

/**
 * v1 blkio.*io_service_bytes_recursive ("8:0 Read 4096" lines): read and write bytes over all
 * devices, counted as docker's calculateBlockIO does (ops starting with r/R and w/W).
 */
export function sumBlkioV1(text: string): { read: number; write: number } {
  let read = 0,
    write = 0;
  for (const line of text.split('\n')) {
    const [, op, value] = line.trim().split(/\s+/);
    if (!op || !value || !/^\d+$/.test(value)) continue;
    if (/^r/i.test(op)) read += Number(value);
    else if (/^w/i.test(op)) write += Number(value);
  }
  return { read, write };
}

/** v2 io.stat ("8:0 rbytes=4096 wbytes=0 rios=1 ...") summed over devices. */
export function sumIoStatV2(text: string): { read: number; write: number } {
  let read = 0,
    write = 0;
  for (const m of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (m[1] === 'r') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/** Memory in use without the inactive page cache, as docker's calculateMemUsageUnixNoCache. */
export function usageWithoutCache(usage: number, inactiveFile: number | undefined): number {
  return inactiveFile !== undefined && inactiveFile < usage ? usage - inactiveFile : usage;
}

/** Polls `check` until it returns true; throws `failure` after `tries` attempts `delayMs` apart. */
export async function waitUntil(check: () => Promise<boolean>, failure: () => Error, tries = 500, delayMs = 10): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delayMs));
  }
  throw failure();
}
