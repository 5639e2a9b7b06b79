/**
 * The debug log: off unless BERTH_DEBUG (or the deprecated BERTH_LOG) is set. `stderr` (or 1) writes
 * to stderr; any other value is a file path appended to. Stack traces appear only here.
 */
import { appendFileSync } from 'node:fs';
import { programNames } from './sibling.js';

export interface Logger {
  debug(msg: string): void;
  error(err: unknown): void;
}

const SILENT: Logger = { debug() {}, error() {} };

export function createLogger(target: string | undefined, writeStderr: (text: string) => void): Logger {
  if (!target) return SILENT;
  const name = programNames()[0] ?? 'berth';
  const write = (line: string) => {
    const text = `${new Date().toISOString()} ${name}[${process.pid}] ${line}\n`;
    if (target === 'stderr' || target === '1') writeStderr(text);
    else
      try {
        appendFileSync(target, text);
      } catch {
        writeStderr(text);
      }
  };
  return {
    debug: (msg) => write(msg),
    error: (err) => write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  };
}
