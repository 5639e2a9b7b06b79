/** Steps the v1 and v2 drivers share: dirs from the root down, killing every process, removal. */
import type { CgroupFs } from '../../kernel/cgroupfs.js';
import { isNotFound, KernelError } from '../../kernel/errors.js';
import { waitUntil } from './files.js';

/** Every dir from the first level below `root` down to `root + path`, top first. */
export function ancestorsOf(root: string, path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  return segments.map((_, i) => `${root}/${segments.slice(0, i + 1).join('/')}`);
}

/**
 * Makes `root + path` and whichever of its ancestors are missing; returns the dirs it made, top
 * first. The container's own dir is tried first: its parents are there for all but the first
 * container, and each existing dir's mkdir would cost a failed call.
 */
export async function makeDirs(fs: CgroupFs, root: string, path: string): Promise<string[]> {
  const dirs = ancestorsOf(root, path);
  const leaf = dirs[dirs.length - 1];
  try {
    return (await fs.mkdir(leaf)) ? [leaf] : [];
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const made: string[] = [];
  for (const dir of dirs) if (await fs.mkdir(dir)) made.push(dir);
  return made;
}

/** major:minor of each throttled device, looked up before anything is made. */
export async function resolveDevices(fs: CgroupFs, paths: string[]): Promise<Map<string, string>> {
  const devices = new Map<string, string>();
  for (const path of paths) devices.set(path, await fs.blockDevice(path));
  return devices;
}

/**
 * SIGKILLs every process in the cgroup until none is left. With a freezer, the cgroup is frozen
 * first so that no process forks a child the kill misses (runc's signalAllProcesses).
 */
export async function killAllIn(
  fs: CgroupFs,
  path: string,
  pids: () => Promise<number[]>,
  freezer?: { freeze(): Promise<void>; thaw(): Promise<void> },
): Promise<void> {
  await waitUntil(
    async () => {
      const left = await pids();
      if (left.length === 0) return true;
      if (freezer) await freezer.freeze();
      try {
        for (const pid of left) fs.kill(pid, 'SIGKILL');
      } finally {
        if (freezer) await freezer.thaw();
      }
      return false;
    },
    () => new Error(`cannot kill the processes of cgroup ${JSON.stringify(path)}: some are still there`),
  );
}

/**
 * Removes cgroup dirs, each after its processes are gone. EBUSY lasts while a killed process is
 * still exiting, so it is retried; every dir is tried, and all failures are reported together.
 */
export async function removeDirs(fs: CgroupFs, dirs: string[]): Promise<void> {
  const errors: unknown[] = [];
  for (const dir of dirs) {
    let last: unknown;
    await waitUntil(
      async () => {
        try {
          await fs.rmdir(dir);
          return true;
        } catch (err) {
          if (isNotFound(err)) return true;
          last = err;
          return !(err instanceof KernelError && err.errno === 'EBUSY');
        }
      },
      () => last as Error,
    ).catch((err) => errors.push(err));
    if (last && !(last instanceof KernelError && last.errno === 'EBUSY')) errors.push(last);
  }
  if (errors.length > 0) throw new AggregateError(errors, `cannot remove cgroup: ${errors.map((e) => (e as Error).message).join('; ')}`);
}

/**
 * Removes a container's cgroup dirs, killing first only when one is busy. After the last exit of a
 * container with a PID namespace of its own nothing is left (the kernel kills the namespace with its
 * PID 1), so the kill pass's process list is not read; a process that outlived PID 1 (a forked child
 * in the host's PID namespace, an exec on its way in) fails the rmdir with EBUSY, and then it runs.
 */
export async function removeDirsKillingIfBusy(fs: CgroupFs, dirs: string[], killAll: () => Promise<void>): Promise<void> {
  for (let i = 0; i < dirs.length; i++) {
    try {
      await fs.rmdir(dirs[i]);
    } catch {
      await killAll();
      await removeDirs(fs, dirs.slice(i));
      return;
    }
  }
}
