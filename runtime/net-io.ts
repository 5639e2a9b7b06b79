/** A container's network I/O for `berth stats`, from its network namespace's /proc/PID/net/dev. */
import { readFileSync } from 'node:fs';

export interface NetIO {
  netRx: number;
  netTx: number;
}

/**
 * Received and sent bytes summed over every interface but `lo`, as docker sums its endpoints.
 * @example netDevTotals('... eth0: 2428 32 0 0 0 0 0 0 978 13 0 0 0 0 0 0\n') // { netRx: 2428, netTx: 978 }
 */
export function netDevTotals(text: string): NetIO {
  const total = { netRx: 0, netTx: 0 };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (fields.length < 9 || fields.some(Number.isNaN)) continue;
    total.netRx += fields[0];
    total.netTx += fields[8];
  }
  return total;
}

/** The totals of process `pid`'s network namespace; zero when it is gone. */
export function readNetIO(pid: number): NetIO {
  try {
    return netDevTotals(readFileSync(`/proc/${pid}/net/dev`, 'utf8'));
  } catch {
    return { netRx: 0, netTx: 0 };
  }
}
