/**
 * Raw access to cgroup filesystems (v1 and v2) and the few host facts the cgroup drivers need.
 * The drivers take a CgroupFs, so unit tests pass a fake tree (youki passes its cgroup root).
 */
import { accessSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { KernelError } from './errors.js';
import { isProcessId } from './kill-pid.js';

export interface CgroupFs {
  /** The text of /proc/self/mountinfo, where the cgroup filesystems are found. */
  mountinfo(): string;
  read(path: string): Promise<string>;
  /** One write(2) of `value`, as the kernel wants for cgroup files (no create, no truncate). */
  write(path: string, value: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Makes one dir: true, or false when it was there; a missing parent throws ENOENT. */
  mkdir(path: string): Promise<boolean>;
  /** The child cgroups (subdirs) of a dir; none when the dir is missing. */
  list(path: string): Promise<string[]>;
  /** Removes one (empty) cgroup dir; a missing one is fine. */
  rmdir(path: string): Promise<void>;
  /** Sends a signal; a process already gone is fine. */
  kill(pid: number, signal: NodeJS.Signals): void;
  /** The major:minor of a block device node. */
  blockDevice(path: string): Promise<string>;
  /** Total memory of the host in bytes (/proc/meminfo MemTotal). */
  hostMemory(): Promise<number>;
  /** How many CPUs this process may run on. */
  hostCpus(): number;
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EIO';
}

/**
 * The real cgroup filesystems, through node:fs. The calls are synchronous behind the async
 * interface: a cgroup file answers from kernel memory at once, and a thread-pool round trip per
 * file cost `berth run` more than the calls themselves (docs/internals/speed.md).
 */
export const realCgroupFs: CgroupFs = {
  mountinfo: () => readFileSync('/proc/self/mountinfo', 'utf8'),
  async read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new KernelError('read', path, codeOf(err));
    }
  },
  async write(path, value) {
    // flag 'r+': a cgroup control file exists or the controller is missing; never create a plain file.
    try {
      writeFileSync(path, value, { flag: 'r+' });
    } catch (err) {
      throw new KernelError(`write ${JSON.stringify(value)} to`, path, codeOf(err));
    }
  },
  async exists(path) {
    try {
      accessSync(path);
      return true;
    } catch {
      return false;
    }
  },
  async mkdir(path) {
    try {
      mkdirSync(path);
      return true;
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw new KernelError('create cgroup', path, codeOf(err));
      return false;
    }
  },
  async list(path) {
    try {
      return readdirSync(path, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return [];
      throw new KernelError('list cgroup', path, codeOf(err));
    }
  },
  async rmdir(path) {
    try {
      rmdirSync(path);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw new KernelError('remove cgroup', path, codeOf(err));
    }
  },
  kill(pid, signal) {
    if (!isProcessId(pid)) return; // 0 or -1 would signal a process group or every process
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (codeOf(err) !== 'ESRCH') throw new KernelError(`send ${signal} to`, String(pid), codeOf(err));
    }
  },
  async blockDevice(path) {
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw new KernelError('stat', path, codeOf(err));
    }
    if (!st.isBlockDevice()) throw new KernelError('throttle', path, 'not a block device');
    // Linux's dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
    const major = ((st.rdev >> 8) & 0xfff) | (Math.floor(st.rdev / 2 ** 32) & ~0xfff);
    const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    return `${major}:${minor}`;
  },
  async hostMemory() {
    const kb = /^MemTotal:\s+(\d+) kB$/m.exec(await this.read('/proc/meminfo'));
    return kb ? Number(kb[1]) * 1024 : 0;
  },
  hostCpus: () => availableParallelism(),
};
