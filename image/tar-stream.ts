/**
 * Reading a tar archive as it streams in (a layer, possibly gunzipped on the way): each entry with
 * its data as chunks, without holding a whole file in memory. Every byte read, the trailing blocks
 * after the end marker included, goes through `onBytes` so the caller can hash the exact stream.
 */
import { BLOCK, TarDecoder, padded, type TarEntry } from './tar.js';

/** Exact reads over an async stream of chunks. */
export class ChunkReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private done = false;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly onBytes: (chunk: Buffer) => void = () => {},
  ) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.onBytes(chunk);
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    return true;
  }

  /** Exactly `n` bytes; fewer only at the end of the stream (then what is left, maybe empty). */
  async read(n: number): Promise<Buffer> {
    while (this.bufferedBytes < n && (await this.fill()));
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.buffered = rest.length ? [rest] : [];
    this.bufferedBytes = rest.length;
    return out;
  }

  /** Bytes of the current entry's data not yet read through chunks(). */
  unread = 0;

  /** The next `unread` bytes as they arrive, without joining chunks; `unread` counts down. */
  async *chunks(): AsyncGenerator<Buffer> {
    while (this.unread > 0) {
      if (this.bufferedBytes === 0 && !(await this.fill())) throw new SyntaxError('unexpected end of tar data: the archive is truncated');
      const head = this.buffered[0];
      const take = head.subarray(0, Math.min(this.unread, head.length));
      if (take.length === head.length) this.buffered.shift();
      else this.buffered[0] = head.subarray(take.length);
      this.bufferedBytes -= take.length;
      this.unread -= take.length;
      yield take;
    }
  }

  /** Reads (and so hashes) everything that is left, each chunk to `sink`. */
  async drain(sink: (chunk: Buffer) => void = () => {}): Promise<void> {
    for (;;) {
      for (const chunk of this.buffered) sink(chunk);
      this.buffered = [];
      this.bufferedBytes = 0;
      if (!(await this.fill())) return;
    }
  }
}

/**
 * What a tar stream is made of, for rebuilding it byte for byte later (docker's tar-split): every
 * byte that is not a regular file's data, and each file's data by name and size.
 */
export interface TarSplitSink {
  raw(bytes: Buffer): void;
  file(name: string, size: number): void;
}

export interface StreamedEntry {
  entry: TarEntry;
  /** The entry's data; what the consumer leaves unread is skipped. */
  body: AsyncGenerator<Buffer>;
}

/**
 * The entries of the tar stream `source`. After the end marker the rest of the stream is read too
 * (and so passes `onBytes`). A stream that ends at an entry boundary without the end marker is
 * accepted, as Go's archive/tar (and so docker) does; one that ends inside a header or data is not.
 */
export async function* readTarStream(
  source: AsyncIterable<Buffer>,
  onBytes?: (chunk: Buffer) => void,
  split?: TarSplitSink,
): AsyncGenerator<StreamedEntry> {
  const reader = new ChunkReader(source[Symbol.asyncIterator](), onBytes);
  const decoder = new TarDecoder();
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0) return;
    split?.raw(block);
    const decoded = decoder.header(block);
    if (decoded.kind === 'end') {
      await reader.drain(split && ((c) => split.raw(c)));
      return;
    }
    if (decoded.kind === 'meta') {
      const data = await reader.read(padded(decoded.size));
      if (data.length < padded(decoded.size)) throw new SyntaxError('unexpected end of tar data: the archive is truncated');
      split?.raw(data);
      decoder.meta(data.subarray(0, decoded.size));
      continue;
    }
    const { entry } = decoded;
    reader.unread = entry.size;
    // Only regular files carry data (tar.ts): the split names it instead of keeping it.
    if (entry.size > 0) split?.file(entry.name, entry.size);
    yield { entry, body: reader.chunks() };
    // What the consumer did not read (a fresh generator: the consumer may have closed `body`).
    for await (const _ of reader.chunks());
    const padding = padded(entry.size) - entry.size;
    if (padding === 0) continue;
    const pad = await reader.read(padding);
    if (pad.length < padding) throw new SyntaxError('unexpected end of tar data: the archive is truncated');
    split?.raw(pad);
  }
}
