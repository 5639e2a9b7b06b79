/**
 * The tar format, decoding only (pure): ustar headers, POSIX pax extended headers (long names, big
 * sizes, xattrs) and GNU long names, as docker, podman and GNU tar write them. Berth reads tar
 * itself rather than through node-tar or GNU tar because unpacking a layer needs what neither
 * gives in one pass: device nodes and xattrs (node-tar skips both), whiteouts turned into overlayfs
 * form, and a refusal of every entry that would land outside the layer before anything is written.
 */

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** The name as stored (pax `path` or GNU long name applied); not yet checked or cleaned. */
  name: string;
  type: EntryType;
  /** Permission bits with setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (0 for all but regular files). */
  size: number;
  /** Seconds since the epoch, fractions from pax. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, Buffer>;
}

export const BLOCK = 512;

/** A header block: the end of the archive, a meta header whose data the decoder needs, or an entry. */
export type Decoded = { kind: 'end' } | { kind: 'meta'; size: number } | { kind: 'entry'; entry: TarEntry };

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/** Bytes of data padded to whole blocks. */
export const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

/** A numeric field: octal ASCII, or GNU's base-256 when the high bit of the first byte is set. */
function numeric(block: Buffer, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if (field[0] & 0x80) {
    if (field[0] & 0x40) throw new SyntaxError(`invalid tar header: negative ${what}`);
    let value = field[0] & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i];
    if (!Number.isSafeInteger(value)) throw new SyntaxError(`invalid tar header: ${what} too large`);
    return value;
  }
  const digits = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new SyntaxError(`invalid tar header: ${what} ${JSON.stringify(digits)} is not octal`);
  return parseInt(digits, 8);
}

function checksumMatches(block: Buffer): boolean {
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 0,
    signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Parses the records of a pax extended header ("<len> <key>=<value>\n"). */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  for (let at = 0; at < data.length && data[at] !== 0;) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.toString('latin1', at, space));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length || data[at + len - 1] !== 0x0a)
      throw new SyntaxError('invalid tar header: malformed pax record');
    const record = data.subarray(space + 1, at + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new SyntaxError('invalid tar header: malformed pax record');
    records.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    at += len;
  }
  return records;
}

/**
 * Decodes a stream of header blocks. A meta header (pax, GNU long name) announces data that the
 * caller reads and hands to `meta()`; its contents apply to the next entry.
 */
export class TarDecoder {
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName?: string;
  private longLink?: string;
  private pendingMeta?: string;

  /** @throws {SyntaxError} on a bad checksum, a bad number or an unsupported entry type */
  header(block: Buffer): Decoded {
    if (block.length !== BLOCK) throw new SyntaxError('unexpected end of tar data');
    if (block.every((b) => b === 0)) return { kind: 'end' };
    if (!checksumMatches(block)) throw new SyntaxError('invalid tar header: checksum mismatch');
    const flag = String.fromCharCode(block[156]);
    const size = numeric(block, 124, 12, 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 1 << 20) throw new SyntaxError('invalid tar header: extended header over 1 MiB');
      this.pendingMeta = flag;
      return { kind: 'meta', size };
    }
    const type = TYPES[flag];
    if (!type)
      throw new SyntaxError(`unsupported tar entry type ${JSON.stringify(flag)} (${flag === 'S' ? 'GNU sparse file' : 'unknown'})`);
    const magic = block.toString('latin1', 257, 263);
    const prefix = magic === 'ustar\0' ? text(block, 345, 155) : '';
    const records = new Map([...this.globalPax, ...this.pax]);
    const value = (key: string) => records.get(key)?.toString('utf8');
    const paxNumber = (key: string, fallback: number) => {
      const v = value(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < 0) throw new SyntaxError(`invalid tar header: pax ${key} ${JSON.stringify(v)}`);
      return n;
    };
    if ([...records.keys()].some((k) => k.startsWith('GNU.sparse.'))) throw new SyntaxError('unsupported tar entry: GNU sparse file');
    const xattrs: Record<string, Buffer> = {};
    for (const [key, v] of records) {
      if (key.startsWith('SCHILY.xattr.')) xattrs[key.slice(13)] = v;
      else if (key.startsWith('LIBARCHIVE.xattr.')) xattrs[decodeURIComponent(key.slice(17))] = Buffer.from(v.toString('latin1'), 'base64');
    }
    const entry: TarEntry = {
      name: value('path') ?? this.longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100)),
      type,
      mode: numeric(block, 100, 8, 'mode') & 0o7777,
      uid: paxNumber('uid', numeric(block, 108, 8, 'uid')),
      gid: paxNumber('gid', numeric(block, 116, 8, 'gid')),
      size: paxNumber('size', size),
      mtime: paxNumber('mtime', numeric(block, 136, 12, 'mtime')),
      linkname: value('linkpath') ?? this.longLink ?? text(block, 157, 100),
      devmajor: type === 'char' || type === 'block' ? numeric(block, 329, 8, 'device major') : 0,
      devminor: type === 'char' || type === 'block' ? numeric(block, 337, 8, 'device minor') : 0,
      xattrs,
    };
    if (!Number.isSafeInteger(entry.size)) throw new SyntaxError('invalid tar header: size out of range');
    // Only regular files carry data; a hard link's size field is informational (pax 1003.1-2008).
    if (type !== 'file') entry.size = 0;
    this.pax = new Map();
    this.longName = this.longLink = undefined;
    return { kind: 'entry', entry };
  }

  /** Takes the data of the meta header that header() announced last. */
  meta(data: Buffer): void {
    const flag = this.pendingMeta;
    this.pendingMeta = undefined;
    if (flag === 'x') this.pax = parsePax(data);
    else if (flag === 'g') this.globalPax = new Map([...this.globalPax, ...parsePax(data)]);
    else if (flag === 'L') this.longName = text(data, 0, data.length);
    else if (flag === 'K') this.longLink = text(data, 0, data.length);
  }
}
