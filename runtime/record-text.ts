/**
 * The text of a container record (config.json): JSON whose first line holds a summary of the
 * fields `ps` and its filters need, so `ps` parses that line and not the rest.
 * The summary and the record are one file, renamed into place at once: they never disagree. Pure.
 */
import type { ContainerConfig, ContainerRecord } from './record.js';

/** What `ps` shows and filters on, and what liveState needs. */
export type RecordSummary = Pick<
  ContainerRecord,
  'Id' | 'Name' | 'Image' | 'Created' | 'Path' | 'Args' | 'Rootfs' | 'RestartCount' | 'State'
> & {
  Config: Pick<ContainerConfig, 'Image' | 'Labels'>;
  /** The record names CNI networks (ContainerRecord.Cni): `ps` reads the whole record for its ports. */
  HasCni?: true;
};

const SUMMARY_KEY = '{"Ps":';

export function summarize(rec: ContainerRecord): RecordSummary {
  const { Id, Name, Image, Created, Path, Args, Rootfs, RestartCount, State, Config, Cni } = rec;
  return {
    Id,
    Name,
    Image,
    Created,
    Path,
    Args,
    ...(Rootfs !== undefined && { Rootfs }),
    RestartCount,
    State,
    Config: { Image: Config.Image, Labels: Config.Labels },
    ...(Cni && { HasCni: true as const }),
  };
}

/** `{"Ps":SUMMARY,` on the first line (compact JSON has no raw newline), then the record, one key a line. */
export function recordText(rec: ContainerRecord): string {
  return `${SUMMARY_KEY}${JSON.stringify(summarize(rec))},\n${JSON.stringify(rec, null, 1).slice(2)}\n`;
}

export function parseRecord(text: string): ContainerRecord {
  const { Ps: _summary, ...rec } = JSON.parse(text) as ContainerRecord & { Ps?: RecordSummary };
  return rec;
}

/** How much of a record `ps` reads for its summary line: a longer line (many labels) is read whole. */
export const SUMMARY_READ = 4096;
const SUMMARY_KEY_BYTES = Buffer.from(SUMMARY_KEY);

/** The summary line at the start of `buffer`'s first `length` bytes, if all of it is there. */
export function summaryIn(buffer: Buffer, length: number): RecordSummary | undefined {
  const end = buffer.indexOf(10);
  if (
    end <= SUMMARY_KEY.length ||
    end >= length ||
    buffer.compare(SUMMARY_KEY_BYTES, 0, SUMMARY_KEY_BYTES.length, 0, SUMMARY_KEY_BYTES.length) !== 0
  )
    return undefined;
  return JSON.parse(buffer.toString('utf8', SUMMARY_KEY.length, end - 1)) as RecordSummary;
}

/** The summary alone; a record written before summaries were is parsed whole. @throws {SyntaxError} */
export function parseSummary(text: string): RecordSummary {
  if (!text.startsWith(SUMMARY_KEY)) return summarize(JSON.parse(text) as ContainerRecord);
  return JSON.parse(text.slice(SUMMARY_KEY.length, text.indexOf('\n') - 1)) as RecordSummary;
}
