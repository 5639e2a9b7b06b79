/**
 * berth's exit code handed to the C front (plugins/front/berth-wait.c), which runs the Bun program
 * as its child: at the very end, after every write, this process lets go of the caller's stdin,
 * stdout and stderr, writes its code to a pipe and waits to be killed by the front's exit
 * (PR_SET_PDEATHSIG). The caller's wait so ends before the kernel tears this process down (~45 MB
 * and 6 threads, 0.5-1.5 ms, docs/internals/speed.md), and the front gets the CPU at once.
 */
import { closeSync, constants, openSync, readlinkSync, writeSync } from 'node:fs';

/** Only the front sets it: `FD:PID`, the pipe's write end it leaves open across the exec, and its own pid. */
const EXIT_FD_VAR = 'BERTH_FRONT_EXIT_FD';

/** Where copies of fds 1 and 2 are looked for: Bun's stream writers dup them to the lowest free fds. */
const COPIES_BELOW = 16;

/** How long this process waits for the front's exit to kill it; then it ends by itself. */
const WAIT_FOR_FRONT_MS = 1000;

/**
 * Takes the pipe named in BERTH_FRONT_EXIT_FD when this process is the child of the front that set
 * it (Bun.spawn passes the environment the process started with, the variable included, whatever
 * process.env says). The inherited fd is reopened close-on-exec (Bun's `open` sets it): a
 * supervisor spawned later must not hold the pipe, or the front would never see its end if this
 * process died without a code.
 * @returns the pipe's fd, or undefined without the front (the Node build, another parent)
 */
export function takeExitPipe(env: NodeJS.ProcessEnv): number | undefined {
  const [fd, front] = (env[EXIT_FD_VAR] ?? '').split(':').map(Number);
  delete env[EXIT_FD_VAR];
  if (!(fd >= 3) || front !== process.ppid) return undefined;
  try {
    const reopened = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY);
    closeSync(fd);
    return reopened;
  } catch {
    return undefined; // not open: the front waits for this process's end instead
  }
}

/**
 * At the process's exit, after every other 'exit' listener registered before: closes stdin, stdout,
 * stderr and the copies of the last two, writes the exit code to `pipe`, and sleeps until the front
 * has read it and exited.
 */
export function reportExitAtEnd(pipe: number | undefined): void {
  if (pipe === undefined) return;
  process.once('exit', (code: number) => {
    for (const fd of [0, ...outputAndCopies()]) closeQuietly(fd);
    try {
      writeSync(pipe, Buffer.of(code & 0xff));
    } catch {
      return; // the front is gone: no one waits
    }
    // Asleep, this process leaves the CPU to the front and the caller; its teardown follows the front's exit.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, WAIT_FOR_FRONT_MS);
  });
}

/**
 * Fds 1, 2 and, where they are pipes or sockets (what a caller reads to EOF), their copies below
 * COPIES_BELOW: process.stdout's writer works on a dup of fd 1. A copy missed only makes such a
 * caller wait for the teardown, as without the front.
 */
function outputAndCopies(): number[] {
  const target = (fd: number) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return undefined;
    }
  };
  const streams = [target(1), target(2)].filter((t) => t !== undefined && /^(pipe|socket):/.test(t));
  const found = [1, 2];
  for (let fd = 3; streams.length > 0 && fd < COPIES_BELOW; fd++) {
    const t = target(fd);
    if (t !== undefined && streams.includes(t)) found.push(fd);
  }
  return found;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* closed already */
  }
}
