/**
 * berth's exit code handed to the C front (plugins/front/berth-wait.c), which runs the Bun program
 * as its child: at the very end, after every write, this process lets go of the caller's stdin,
 * stdout and stderr and writes its code to a pipe; the front exits with it while the kernel is
 * still tearing this process down (~1.2-1.6 ms for Bun's ~45 MB, docs/internals/speed.md).
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, writeSync } from 'node:fs';

/** Only the front sets it, to the number of the pipe's write end it leaves open across its exec. */
const EXIT_FD_VAR = 'BERTH_FRONT_EXIT_FD';

/**
 * Takes the pipe named in BERTH_FRONT_EXIT_FD, and the variable, which no child must see. The
 * inherited fd is reopened close-on-exec (Bun's `open` sets it): a supervisor spawned later must not
 * hold the pipe, or the front would never see its end if this process died without a code.
 * @returns the pipe's fd, or undefined without the front (the Node build, an unusual value)
 */
export function takeExitPipe(env: NodeJS.ProcessEnv): number | undefined {
  const text = env[EXIT_FD_VAR];
  delete env[EXIT_FD_VAR];
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < 3) return undefined;
  try {
    const fd = openSync(`/proc/self/fd/${text}`, constants.O_WRONLY);
    closeSync(Number(text));
    return fd;
  } catch {
    return undefined; // not open: the front waits for the process's end instead
  }
}

/** At the process's exit: closes stdin, stdout, stderr and every copy of them, then writes the code to `pipe`. */
export function reportExitAtEnd(pipe: number | undefined): void {
  if (pipe === undefined) return;
  process.once('exit', (code: number) => {
    for (const fd of stdioAndCopies()) closeQuietly(fd);
    try {
      writeSync(pipe, Buffer.of(code & 0xff));
    } catch {
      /* the front is gone: no one waits */
    }
  });
}

/** 0, 1, 2 and the fds that are the same files (process.stdout's writer works on a dup of fd 1). */
function stdioAndCopies(): number[] {
  const key = (fd: number) => {
    try {
      const s = fstatSync(fd);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const stdio = new Set([0, 1, 2].map(key).filter((k) => k !== undefined));
  let open: number[];
  try {
    open = readdirSync('/proc/self/fd').map(Number);
  } catch {
    return [0, 1, 2];
  }
  return [0, 1, 2, ...open.filter((fd) => fd > 2 && stdio.has(key(fd)))];
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* closed already */
  }
}
