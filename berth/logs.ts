/** `berth logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`. */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import type { Globals } from './globals.js';
import { findContainer, withCleanState } from './context.js';
import { requireArgs } from './errors.js';
import { parseFlags, str } from './flags.js';
import { liveState } from '../runtime/live.js';
import { parseLogLines, parseSince, readAllRecords, renderLogRecord, selectRecords, type LogRecord } from '../runtime/logs.js';
import { logFile } from '../runtime/paths.js';
import { readRecord } from '../runtime/store.js';

export async function logs(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'follow', short: 'f', type: 'bool', describe: 'follow the output until the container exits' },
      { name: 'tail', short: 'n', type: 'string', describe: 'lines from the end (default all)' },
      { name: 'since', type: 'string', describe: 'since a time (RFC 3339, Unix seconds) or a duration ago (10m)' },
      { name: 'until', type: 'string', describe: 'before a time (RFC 3339, Unix seconds) or a duration ago (10m)' },
      { name: 'timestamps', short: 't', type: 'bool', describe: 'show timestamps' },
      { name: 'details', type: 'bool', describe: "show the log's extra attributes before each line" },
    ],
    argv,
    'logs',
  );
  requireArgs(args, 'logs', 1, true);
  // As dockerd: anything but a whole number of lines (`all`, `-1`, `bogus`) means every line.
  const tailText = str(flags.tail);
  const tail = tailText !== undefined && /^\+?\d+$/.test(tailText) ? Number(tailText) : undefined;
  const since = str(flags.since) === undefined ? undefined : parseSince(str(flags.since) as string, Date.now());
  const until = str(flags.until) === undefined ? undefined : parseSince(str(flags.until) as string, Date.now(), 'until');
  const d = await withCleanState(g);
  const rec = findContainer(d, args[0]);
  const show = (r: LogRecord) =>
    (r.stream === 'stderr' ? process.stderr : process.stdout).write(renderLogRecord(r, flags.timestamps === true, flags.details === true));
  const path = logFile(d, rec.Id);
  let offset = 0;
  try {
    offset = statSync(path).size;
  } catch {
    /* no output yet */
  }
  for (const r of selectRecords(readAllRecords(path), since, tail, until)) show(r);
  // Docker's -f with --until stops at that time; an --until in the past has nothing more to follow.
  if (flags.follow !== true || (until !== undefined && until <= Date.now())) return 0;
  // Follows the file until the container is no longer up; a rotation starts the new file from 0.
  let pending = '';
  for (;;) {
    const stillUp = () => {
      try {
        const s = liveState(d, readRecord(d, rec.Id)).status;
        return s === 'running' || s === 'paused' || s === 'restarting';
      } catch {
        return false;
      }
    };
    const up = stillUp();
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      size = 0;
    }
    if (size < offset) offset = 0;
    if (size > offset) {
      const fd = openSync(path, 'r');
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      closeSync(fd);
      offset = size;
      const text = pending + buf.toString();
      const cut = text.lastIndexOf('\n') + 1;
      pending = text.slice(cut);
      for (const r of selectRecords(parseLogLines(text.slice(0, cut)), undefined, undefined, until)) show(r);
    }
    if (!up || (until !== undefined && Date.now() > until)) return 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}
