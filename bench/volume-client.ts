import { connect, type Socket } from 'node:net';

/**
 * A lean HTTP/1.1 keep-alive client on one unix-socket connection, for the latency samples: it writes
 * the request bytes as dockerd's Go client does (POST, Accept, Content-Length, JSON body with a
 * trailing newline) and stops the clock when the last byte of the reply (by its Content-Length) has
 * arrived. node:http's client allocates a request, an IncomingMessage and a header table per call in
 * the same event loop as the timer, which showed up as up to 3 ms of p99 on requests the daemon
 * answered in 0.2 ms; `BENCH_VOLUME_CLIENT=http` measures with it instead, for comparison.
 */
export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((reply: { status: number; text: string }) => void) | undefined;
  private failed: ((err: Error) => void) | undefined;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse();
    });
    sock.on('error', (err) => this.failed?.(err));
    sock.on('close', () => this.failed?.(new Error('connection closed')));
  }

  static open(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = connect({ path }, () => {
        sock.off('error', reject);
        resolve(new RawClient(sock));
      });
      sock.once('error', reject);
    });
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buf.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (Number.isNaN(length)) throw new Error(`reply without Content-Length: ${head}`);
    if (this.buf.length < end + 4 + length) return;
    const text = this.buf.toString('utf8', end + 4, end + 4 + length);
    this.buf = this.buf.subarray(end + 4 + length);
    const done = this.waiting;
    this.waiting = this.failed = undefined;
    done({ status: Number(head.slice(9, 12)), text });
  }

  /** Sends one request and resolves with the reply and the time from write to its last byte (ms). */
  post(endpoint: string, body: unknown): Promise<{ status: number; text: string; ms: number }> {
    const json = `${JSON.stringify(body)}\n`;
    const req = `POST ${endpoint} HTTP/1.1\r\nHost: plugin\r\nUser-Agent: Go-http-client/1.1\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    return new Promise((resolve, reject) => {
      let start = 0n;
      this.waiting = (r) => resolve({ ...r, ms: Number(process.hrtime.bigint() - start) / 1e6 });
      this.failed = reject;
      start = process.hrtime.bigint();
      this.sock.write(req);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
