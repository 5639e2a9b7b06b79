/** Reading the json-file logs the supervisor writes (container.log and its rotated files). */
import { existsSync, readFileSync } from 'node:fs';

export interface LogRecord {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
  /** json-file's extra attributes (dockerd's `--log-opt labels=/env=`); berth writes none. */
  attrs?: Record<string, string>;
}

/** Go's url.QueryEscape: all but letters, digits and `-_.~` as %XX, a space as `+`. */
const queryEscape = (text: string) =>
  Array.from(new TextEncoder().encode(text), (b) =>
    /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : b === 0x20
        ? '+'
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');

/**
 * A record as `logs` prints it: the time with `-t`; with `--details` the attributes (`k=v,...`,
 * sorted, query-escaped) and a space, an empty string for none, as dockerd. Pure.
 */
export function renderLogRecord(r: LogRecord, timestamps: boolean, details: boolean): string {
  const attrs = Object.entries(r.attrs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`)
    .join(',');
  return `${timestamps ? `${r.time} ` : ''}${details ? `${attrs} ` : ''}${r.log}`;
}

/** Parses json-file lines; a torn last line (being written) is left out. Pure. */
export function parseLogLines(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      /* torn */
    }
  }
  return out;
}

/**
 * `--since`: RFC 3339 time, Unix seconds, or a duration before `now` (10m, 1h30m, 45s). Pure.
 * @throws {Error} on anything else
 */
export function parseSince(text: string, now: number, flag = 'since'): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const dur = /^((\d+)h)?((\d+)m)?((\d+)s)?$/.exec(text);
  if (dur && text !== '') return now - ((Number(dur[2] ?? 0) * 60 + Number(dur[4] ?? 0)) * 60 + Number(dur[6] ?? 0)) * 1000;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`invalid value for "${flag}": failed to parse value as time or duration: "${text}"`);
  return t;
}

/** Records with `time` at or after `since` and not after `until`, the last `tail` of them (undefined: all). Pure. */
export function selectRecords(
  records: readonly LogRecord[],
  since: number | undefined,
  tail: number | undefined,
  until?: number,
): LogRecord[] {
  const after = records.filter(
    (r) => (since === undefined || Date.parse(r.time) >= since) && (until === undefined || Date.parse(r.time) <= until),
  );
  return tail === undefined ? [...after] : tail === 0 ? [] : after.slice(-tail);
}

/** Every record on disk, oldest first: container.log.N ... container.log.1, container.log. */
export function readAllRecords(path: string): LogRecord[] {
  const files: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) files.unshift(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  return files.flatMap((f) => parseLogLines(readFileSync(f, 'utf8')));
}
