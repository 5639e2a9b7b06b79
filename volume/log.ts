/**
 * The daemon's log: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each line starts
 * with its syslog priority (`<6>`), which journald reads as the level, and carries no timestamp
 * (journald adds its own); elsewhere lines start with an ISO timestamp and the level.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export interface Log {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  enabled(level: LogLevel): boolean;
}

export function createLog(level: LogLevel, write: (line: string) => void, journald: boolean, now: () => Date = () => new Date()): Log {
  const min = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= min;
  const emit = (l: LogLevel) => (msg: string) => {
    if (!enabled(l)) return;
    const line = msg.replace(/\n/g, '\\n');
    write(journald ? `<${PRIORITY[l]}>${line}\n` : `${now().toISOString()} ${l} ${line}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), enabled };
}
