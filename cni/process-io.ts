/**
 * The real process's IO for a plugin, apart from the skeleton so the multicall executable can
 * answer VERSION before the skeleton's modules load (plugins/multicall.ts).
 */
import { fstatSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { PluginIO } from './skel.js';

/**
 * The real process's IO. Reads and writes file descriptors 0/1/2 directly: initialising
 * process.stdin/stdout streams costs milliseconds of start-up, and a CNI call is a fresh process.
 * A stdin that is a terminal reads as empty instead of waiting for a person.
 */
export function processIO(): PluginIO {
  return {
    env: process.env,
    async readStdin() {
      if (isTerminal(0)) return '';
      try {
        return readFileSync(0, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return readStdinStream();
        throw err;
      }
    },
    writeStdout: (text) => writeAll(1, text),
    writeStderr: (text) => writeAll(2, text),
  };
}

/** A terminal on `fd`? (fstat, not node:tty: loading tty pulls in net and streams, ~8 ms of start-up.) */
function isTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice() && !isDevNull(fd);
  } catch {
    return false;
  }
}

/** /dev/null is a character device too, and reads as empty: treat it as input. */
function isDevNull(fd: number): boolean {
  const st = fstatSync(fd);
  return st.rdev === statSync('/dev/null').rdev;
}

/** Fallback for a non-blocking stdin (EAGAIN on a synchronous read). */
async function readStdinStream(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let at = 0; at < buf.length;) {
    try {
      at += writeSync(fd, buf, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
