/**
 * `--userns private`: the range of host IDs that container root and its users map to, from the
 * `berth` entries of /etc/subuid and /etc/subgid (shadow's subid(5) format), else a default. Pure:
 * the caller reads the files and passes their text in.
 */

/** Host IDs `hostId` .. `hostId + size - 1`, seen inside as 0 .. size - 1. */
export interface IdRange {
  hostId: number;
  size: number;
}

/** The uid and gid ranges of a container in its own user namespace. */
export interface IdMapping {
  uid: IdRange;
  gid: IdRange;
}

/** One `NAME:START:COUNT` line of /etc/subuid or /etc/subgid. */
export interface SubIdEntry extends IdRange {
  owner: string;
}

/** The user whose entries Berth takes, as Docker's userns-remap takes `dockremap`'s. */
export const SUBID_OWNER = 'berth';
/** The range used when /etc/subuid (or /etc/subgid) has no `berth` entry. */
export const DEFAULT_RANGE: IdRange = { hostId: 100000, size: 65536 };
/** Inside IDs 0..65535 must all map: images own files as `nobody` (65534). */
export const MIN_RANGE_SIZE = 65536;
const MAX_ID = 2 ** 32 - 1; // (uid_t)-1 is never a valid ID

/**
 * Parses subid(5) text: `NAME:START:COUNT` per line; blank lines and `#` comments are skipped.
 * @throws {SyntaxError} naming the file and line of the first malformed entry
 */
export function parseSubIds(text: string, file: string): SubIdEntry[] {
  const out: SubIdEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([^:\s]+):(\d{1,10}):(\d{1,10})$/.exec(line);
    if (!m) throw new SyntaxError(`${file} line ${i + 1}: ${JSON.stringify(raw)} is not NAME:START:COUNT`);
    out.push({ owner: m[1], hostId: Number(m[2]), size: Number(m[3]) });
  });
  return out;
}

const overlaps = (a: IdRange, b: IdRange) => a.hostId < b.hostId + b.size && b.hostId < a.hostId + a.size;

/**
 * The range for Berth's containers: the first `berth` entry, else DEFAULT_RANGE unless another
 * user's entry overlaps it (their rootless containers would share Berth's host IDs).
 * @throws {RangeError} on a range that includes host ID 0, is too small or runs past 2^32-2
 */
export function pickRange(entries: readonly SubIdEntry[], file: string): IdRange {
  const own = entries.find((e) => e.owner === SUBID_OWNER);
  if (own === undefined) {
    const clash = entries.find((e) => overlaps(e, DEFAULT_RANGE));
    if (clash)
      throw new RangeError(
        `${file} has no "${SUBID_OWNER}" entry and the default range ${DEFAULT_RANGE.hostId}:${DEFAULT_RANGE.size} overlaps ` +
          `${JSON.stringify(clash.owner)}'s ${clash.hostId}:${clash.size}: add a line "${SUBID_OWNER}:START:65536" that overlaps no other`,
      );
    return DEFAULT_RANGE;
  }
  const where = `${file}: "${SUBID_OWNER}:${own.hostId}:${own.size}"`;
  if (own.hostId === 0) throw new RangeError(`${where} includes host ID 0 (root): container root would be host root`);
  if (own.size < MIN_RANGE_SIZE) throw new RangeError(`${where} has fewer than ${MIN_RANGE_SIZE} IDs`);
  if (own.hostId + own.size > MAX_ID) throw new RangeError(`${where} runs past the last host ID ${MAX_ID - 1}`);
  return { hostId: own.hostId, size: own.size };
}

/**
 * The container's mapping from the texts of the subuid and subgid files (undefined: no file).
 * @throws {SyntaxError|RangeError} as parseSubIds and pickRange
 */
export function planIdMapping(
  subuid: { text: string | undefined; file: string },
  subgid: { text: string | undefined; file: string },
): IdMapping {
  const range = (f: { text: string | undefined; file: string }) => pickRange(parseSubIds(f.text ?? '', f.file), f.file);
  return { uid: range(subuid), gid: range(subgid) };
}

/** A line of /proc/PID/uid_map (or gid_map): inside 0 is host `hostId`, for `size` IDs (berth-shim writes it). */
export function renderIdMap(r: IdRange): string {
  return `0 ${r.hostId} ${r.size}`;
}
