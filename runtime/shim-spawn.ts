/**
 * Starting berth-shim detached (a session of its own) with the channel on its fd 3 and its stderr
 * on a pipe. On Bun, through Bun.spawn and Bun's own reader of the channel: node:child_process,
 * node:net and the node streams under them cost a compiled `berth run` about 20 ms to load
 * (docs/internals/speed.md). On Node, through node:child_process, loaded on first use.
 */
import { EventEmitter } from 'node:events';
import { closeSync, writeSync } from 'node:fs';
import type { Channel } from './attach.js';

export interface ShimProcess {
  /** The shim's fd 3: frames both ways. */
  channel: Channel;
  /** Everything the shim wrote to its stderr, once it closed it (it ended, or it began to serve). */
  stderr(): Promise<string>;
  /** Lets this process end while the shim lives on; its stderr is no longer read. */
  release(): void;
}

/** The part of Bun's API used here (this module is type-checked without Bun's types). */
interface BunSpawn {
  spawn(
    cmd: string[],
    opts: { stdio: unknown[]; detached: boolean },
  ): { stdio: unknown[]; stderr: ReadableStream<Uint8Array>; unref(): void };
  file(fd: number): { stream(): ReadableStream<Uint8Array> };
}

/** @throws {Error} when the shim cannot be started (on Bun; on Node its channel closes at once) */
export function spawnShim(path: string, args: string[]): ShimProcess {
  const bun = (globalThis as { Bun?: BunSpawn }).Bun;
  return bun ? spawnOnBun(bun, path, args) : spawnOnNode(path, args);
}

function spawnOnNode(path: string, args: string[]): ShimProcess {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(path, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const channel = child.stdio[3] as import('node:net').Socket;
  channel.on('error', () => {
    /* the supervisor ended: its stderr says why */
  });
  let text = '';
  child.stderr?.on('data', (c) => (text += c));
  const closed = new Promise((resolve) => child.stderr?.once('close', resolve));
  return {
    channel,
    stderr: () => closed.then(() => text),
    release() {
      child.unref();
      child.stderr?.destroy();
    },
  };
}

function spawnOnBun(bun: BunSpawn, path: string, args: string[]): ShimProcess {
  // 'socket-fd': a socket pair whose end here is ours to close (Bun never closes it).
  const child = bun.spawn([path, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'socket-fd'], detached: true });
  const fd = child.stdio[3] as number;
  return {
    channel: new FdChannel(fd, bun.file(fd).stream().getReader()),
    stderr: () => new Response(child.stderr).text(),
    release: () => child.unref(),
  };
}

/**
 * A socket's events over a descriptor read by Bun's reader: 'data' while not paused (what arrives
 * meanwhile is kept, as a paused socket keeps it), 'close' at the end or after destroy().
 */
class FdChannel extends EventEmitter implements Channel {
  private paused = false;
  private reading = false;
  private ended = false;
  private closed = false;
  private readonly queue: Buffer[] = [];
  private readonly out: Buffer[] = [];

  constructor(
    private readonly fd: number,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    super();
    // As a socket does, it flows once someone listens for data.
    this.on('newListener', (event) => {
      if (event === 'data') queueMicrotask(() => void this.pump());
    });
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    void this.pump();
    return this;
  }

  /**
   * Writes what the socket takes now; the rest waits in `out` (false, then 'drain'), so that this
   * process keeps reading the output of a container that is slow to read its large stdin.
   */
  write(data: Buffer | Uint8Array): boolean {
    if (this.closed) return false;
    this.out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (this.out.length === 1) this.flush();
    return this.out.length === 0;
  }

  private flush(): void {
    while (this.out.length > 0 && !this.closed) {
      const head = this.out[0];
      let n: number;
      try {
        n = writeSync(this.fd, head);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') setTimeout(() => this.flush(), 1);
        else this.out.length = 0; // the shim is gone: its end of the channel says so
        return;
      }
      if (n < head.length) this.out[0] = head.subarray(n);
      else this.out.shift();
    }
    if (this.out.length === 0) this.emit('drain');
  }

  destroy(): this {
    if (this.closed) return this;
    this.closed = true;
    this.paused = true;
    // The reader lets go of the descriptor first; then the shim sees this end close.
    void this.reader
      .cancel()
      .catch(() => {})
      .finally(() => closeSync(this.fd));
    process.nextTick(() => this.emit('close'));
    return this;
  }

  private async pump(): Promise<void> {
    if (this.reading || this.closed) return;
    this.reading = true;
    try {
      for (;;) {
        while (!this.paused && this.queue.length > 0) this.emit('data', this.queue.shift());
        if (this.paused || this.ended || this.closed) break;
        const { done, value } = await this.reader.read();
        if (done) this.ended = true;
        else this.queue.push(Buffer.from(value));
      }
    } catch {
      this.ended = true; // read failed: the shim is gone
    } finally {
      this.reading = false;
    }
    if (this.ended && !this.paused && this.queue.length === 0) this.destroy();
  }
}
