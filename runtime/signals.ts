/** Signal names and numbers as `kill -s` and `--stop-signal` take them (Docker's forms). Pure. */
import { constants } from 'node:os';

const SIGNALS = constants.signals as Record<string, number>;

/**
 * Parses "KILL", "SIGKILL", "kill" or "9" into the signal number.
 * @throws {Error} with Docker's wording on anything else
 */
export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const upper = text.toUpperCase();
    const n = SIGNALS[upper.startsWith('SIG') ? upper : `SIG${upper}`];
    if (n !== undefined) return n;
  }
  throw new Error(`Invalid signal: ${text}`);
}
