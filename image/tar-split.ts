/**
 * A layer's tar-split, as docker keeps one per layer: every byte of the layer's tar stream that is
 * not a regular file's data (headers, pax records, padding, the end blocks), and each file's data
 * by its entry name and size, so `save` can rebuild the stream byte for byte from the unpacked
 * tree and the layer keeps its diff ID. Stored gzip'ed beside the layer's `diff` (`tar-split.gz`).
 * Pure: encoding and decoding only.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { TarSplitSink } from './tar-stream.js';

export const TAR_SPLIT_FILE = 'tar-split.gz';

/** One part of the stream: bytes as they were, or the data of the file named `name`. */
export type SplitPart = { raw: Buffer } | { name: string; size: number };

const RAW = 0x52,
  FILE = 0x46;

/** Collects a stream's parts as readTarStream reports them; raw bytes are copied (the stream's chunks are not kept alive). */
export class TarSplitRecorder implements TarSplitSink {
  private records: Buffer[] = [];
  private pending: Buffer[] = [];

  raw(bytes: Buffer): void {
    this.pending.push(Buffer.from(bytes));
  }

  file(name: string, size: number): void {
    this.flush();
    this.records.push(record(FILE, Buffer.from(JSON.stringify({ name, size }))));
  }

  encode(): Buffer {
    this.flush();
    return gzipSync(Buffer.concat(this.records));
  }

  private flush(): void {
    if (this.pending.length > 0) this.records.push(record(RAW, Buffer.concat(this.pending)));
    this.pending = [];
  }
}

function record(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** The parts of an encoded split, in stream order. @throws {SyntaxError} on a damaged one */
export function decodeTarSplit(encoded: Buffer): SplitPart[] {
  const data = gunzipSync(encoded);
  const parts: SplitPart[] = [];
  for (let at = 0; at < data.length;) {
    if (at + 5 > data.length) throw new SyntaxError('tar-split: truncated record');
    const type = data[at],
      length = data.readUInt32BE(at + 1);
    const payload = data.subarray(at + 5, at + 5 + length);
    if (payload.length < length) throw new SyntaxError('tar-split: truncated record');
    if (type === RAW) parts.push({ raw: payload });
    else if (type === FILE) parts.push(JSON.parse(payload.toString('utf8')) as { name: string; size: number });
    else throw new SyntaxError(`tar-split: unknown record type ${type}`);
    at += 5 + length;
  }
  return parts;
}

/** The stream's length: what an outer tar's header must say before the stream follows. */
export const splitSize = (parts: readonly SplitPart[]) => parts.reduce((n, p) => n + ('raw' in p ? p.raw.length : p.size), 0);
