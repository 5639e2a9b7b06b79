/** What /proc says about a process, for tests and benchmarks that look for Berth's processes. */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Whether `pid` is already on its way out: exiting (PF_EXITING in /proc/PID/stat's flags) or
 * SIGKILL pending. A berth command's Bun program is killed by the front's exit (PR_SET_PDEATHSIG,
 * plugins/front/berth-wait.c) and may still be tearing down when the command has returned.
 */
export function isEnding(pid: number): boolean {
  const PF_EXITING = 0x4,
    SIGKILL_BIT = 1n << 8n;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const flags = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[6]);
  const pending = [...readFileSync(`/proc/${pid}/status`, 'utf8').matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)];
  return (flags & PF_EXITING) !== 0 || pending.some((m) => (BigInt(`0x${m[1]}`) & SIGKILL_BIT) !== 0n);
}

/** isEnding, and true for a process gone meanwhile. */
export function isEndingOrGone(pid: number): boolean {
  try {
    return isEnding(pid);
  } catch {
    return true;
  }
}

/** Summed PSS (kB) of the given processes, from /proc/PID/smaps_rollup; one gone meanwhile counts nothing. */
export function pssKb(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    } catch {
      /* gone */
    }
    sum += Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
  }
  return sum;
}

/** Pids whose command line mentions all of `words`, except this process's. */
export function pidsNaming(...words: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (words.every((w) => cmd.includes(w))) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}
