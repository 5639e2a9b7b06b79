/**
 * Signals to one process. A pid of 0 signals the caller's whole process group and -1 every
 * process, and a container that has just exited shows pid 0 in its live state: such a pid never
 * reaches kill(2).
 */

/** A pid that names one process: a positive integer. */
export const isProcessId = (pid: number): boolean => Number.isInteger(pid) && pid > 0;

/**
 * process.kill of one process.
 * @throws {Error} for a pid that is not a positive integer, and whatever process.kill throws
 */
export function killPid(pid: number, signal: NodeJS.Signals | number): void {
  if (!isProcessId(pid)) throw new Error(`no process to signal (pid ${pid})`);
  process.kill(pid, signal);
}
