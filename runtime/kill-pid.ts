/**
 * process.kill of one process. A pid of 0 signals the caller's whole process group and -1 every
 * process, and a container that has just exited shows pid 0 in its live state: such a pid is
 * refused here, never passed on.
 * @throws {Error} for a pid that is not a positive integer, and whatever process.kill throws
 */
export function killPid(pid: number, signal: NodeJS.Signals | number): void {
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process to signal (pid ${pid})`);
  process.kill(pid, signal);
}
