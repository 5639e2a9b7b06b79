/**
 * A layer blob as it streams in: its raw bytes hashed (the blob digest of an OCI manifest), then
 * gunzipped when it starts with gzip's magic (node's zlib), so the tar reader sees plain tar.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const startsWith = (buf: Buffer, magic: number[]) => magic.every((b, i) => buf[i] === b);

export interface BlobStream {
  /** The uncompressed bytes. */
  chunks: AsyncIterable<Buffer>;
  /** `sha256:<hex>` of the raw bytes read so far; final once `chunks` is exhausted. */
  rawDigest(): string;
  rawBytes(): number;
  compressed(): boolean;
}

/** Wraps a raw blob; a zstd blob is refused with a clear error when read. */
export function openBlobStream(raw: AsyncIterable<Buffer>): BlobStream {
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  let gzip = false;
  async function* hashed(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      hash.update(next.value);
      bytes += next.value.length;
      yield next.value;
    }
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    const it = raw[Symbol.asyncIterator]();
    let head = Buffer.alloc(0);
    while (head.length < 4) {
      const next = await it.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    hash.update(head);
    bytes += head.length;
    if (startsWith(head, ZSTD_MAGIC)) throw new Error('zstd-compressed layers are not supported (use gzip or none)');
    gzip = startsWith(head, GZIP_MAGIC);
    if (!gzip) {
      yield* hashed(head, it);
      return;
    }
    const source = Readable.from(hashed(head, it), { objectMode: false });
    const gunzip = createGunzip();
    source.on('error', (err) => gunzip.destroy(err));
    source.pipe(gunzip);
    try {
      yield* gunzip;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') throw new Error(`corrupt or truncated gzip data: ${(err as Error).message}`);
      throw err;
    } finally {
      source.destroy();
    }
  }
  return {
    chunks: chunks(),
    rawDigest: () => `sha256:${hash.copy().digest('hex')}`,
    rawBytes: () => bytes,
    compressed: () => gzip,
  };
}
