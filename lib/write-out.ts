/** Writing to fd 1 or 2 without process.stdout and process.stderr. */
import { writeSync } from 'node:fs';

/**
 * Writes `data` to `fd` whole, synchronously: making process.stdout loads the node streams, a few
 * ms of CPU per command, and its write costs per byte in an interpreter (docs/internals/speed.md).
 * A closed reader (EPIPE) drops the rest, as Docker's CLI does; a non-blocking fd is waited on.
 */
export function writeOut(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length;) {
    try {
      off += writeSync(fd, data, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
