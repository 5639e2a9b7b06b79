/**
 * A `berth` command attached to a container: output frames to stdout/stderr, stdin (with -i) and
 * the terminal's size (with -t) to the container, ctrl-p ctrl-q to detach.
 */
import { spawnSync } from 'node:child_process';
import { writeOut } from '../lib/write-out.js';
import { Frame, FrameDecoder, MAX_FRAME, encodeFrame, encodeResize } from './frames.js';

/** The part of a socket the attach code uses: a net.Socket, or the shim's channel (runtime/shim-spawn.ts). */
export interface Channel {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close' | 'error' | 'drain', listener: () => void): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  write(data: Buffer | Uint8Array): boolean;
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}

export interface AttachOptions {
  stdin: boolean;
  tty: boolean;
}

/** How an attachment ended: the container's exit code, a detach, or a lost supervisor. */
export type AttachEnd = { kind: 'exit'; code: number } | { kind: 'detached' } | { kind: 'lost' };

const DETACH = Buffer.from([0x10, 0x11]); // ctrl-p ctrl-q, Docker's default detach keys

/** Streams until the container exits (the supervisor sends Exit), the user detaches, or the socket closes. */
export function attachStreams(
  channel: Channel,
  decoder: FrameDecoder,
  pending: Array<{ type: number; data: Buffer }>,
  o: AttachOptions,
): Promise<AttachEnd> {
  return new Promise((resolve) => {
    // process.stdin and process.stdout are made on first use, which loads the node streams: only when needed.
    const stdin = o.stdin ? process.stdin : undefined;
    const rawTerminal = o.tty && stdin?.isTTY;
    let ended = false;
    const finish = (end: AttachEnd) => {
      if (ended) return;
      ended = true;
      if (rawTerminal) stdin?.setRawMode(false);
      stdin?.off('data', onInput);
      stdin?.pause();
      if (o.tty) process.stdout.off('resize', onResize);
      resolve(end);
    };
    const onFrames = (frames: Array<{ type: number; data: Buffer }>) => {
      for (const f of frames) {
        if (f.type === Frame.Stdout) writeOut(1, f.data);
        else if (f.type === Frame.Stderr) writeOut(2, f.data);
        else if (f.type === Frame.Exit) {
          finish({ kind: 'exit', code: Number(f.data.toString()) });
          return;
        }
      }
    };
    const onInput = (chunk: Buffer) => {
      if (o.tty && chunk.includes(DETACH)) {
        finish({ kind: 'detached' });
        channel.destroy();
        return;
      }
      // A stdin chunk may be larger than a frame the supervisor takes (Bun reads more than 64 KiB at a time).
      let flowing = true;
      for (let off = 0; off < chunk.length; off += MAX_FRAME)
        flowing = channel.write(encodeFrame(Frame.Stdin, chunk.subarray(off, off + MAX_FRAME)));
      // Stdin waits while the container is slow to read it: memory stays bounded, output flows.
      if (!flowing && !ended) {
        stdin?.pause();
        channel.once('drain', () => !ended && stdin?.resume());
      }
    };
    const onResize = () => channel.write(encodeResize(process.stdout.rows ?? 24, process.stdout.columns ?? 80));
    // Raw before the first output is written, the frames already received included.
    if (rawTerminal && stdin) {
      stdin.setRawMode(true);
      // libuv's raw mode keeps output processing (OPOST, ONLCR): the container's terminal already
      // turns \n into \r\n, so ours would print \r\r\n. Docker's raw mode clears it; so does this
      // (setRawMode(false) restores the termios saved before).
      spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
    }
    onFrames(pending);
    if (ended) return;
    channel.on('data', (chunk: Buffer) => onFrames(decoder.push(chunk)));
    channel.on('close', () => finish({ kind: 'lost' }));
    channel.on('error', () => finish({ kind: 'lost' }));
    channel.resume();
    if (stdin) {
      stdin.on('data', onInput);
      stdin.on('end', () => {
        if (!ended) channel.write(encodeFrame(Frame.StdinClose));
      });
      stdin.resume();
    }
    if (o.tty && process.stdout.isTTY) {
      onResize();
      process.stdout.on('resize', onResize);
    }
  });
}
