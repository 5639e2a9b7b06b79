/**
 * The attach socket's frames, both ways: [type u8][length u32 big-endian][data] (runtime/shim/shim.h).
 * Pure.
 */
export const Frame = {
  Stdin: 0,
  Stdout: 1,
  Stderr: 2,
  Exit: 3,
  Started: 4,
  Error: 5,
  StdinClose: 6,
  Resize: 7,
  // 8 is unused: the owner of the cleanup is the spawning berth, named by berth-shim's --owned
  Release: 9,
  Netns: 10,
} as const;

/** The largest frame body berth-shim takes from a client (its buffer); a larger frame drops the client. */
export const MAX_FRAME = 65536;

export function encodeFrame(type: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export function encodeResize(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(rows, 0);
  b.writeUInt16BE(cols, 2);
  return encodeFrame(Frame.Resize, b);
}

/** Splits a byte stream into frames; `push` returns the complete ones seen so far. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: number; data: Buffer }> {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Array<{ type: number; data: Buffer }> = [];
    while (this.pending.length >= 5) {
      const len = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + len) break;
      out.push({ type: this.pending[0], data: this.pending.subarray(5, 5 + len) });
      this.pending = this.pending.subarray(5 + len);
    }
    return out;
  }
}
