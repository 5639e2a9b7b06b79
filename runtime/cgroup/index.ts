/**
 * The cgroups of one container: Docker's resource flags parsed, then written to cgroup v1 or v2.
 * The runtime codes against this file only; drivers live beside it, and `berth stats`' table in
 * stats.ts, which the run path does not load.
 */
import { realCgroupFs, type CgroupFs } from '../../kernel/cgroupfs.js';
import { joinCgroupPath, parseCgroupLayout, parseCgroupParent, type CgroupLayout } from './layout.js';
import { V1Cgroup } from './v1.js';
import { V2Cgroup } from './v2.js';

export { parseResources, ResourceFlagError } from './flags.js';

/** A per-device throttle (`--device-write-bps /dev/loop0:1mb`): the path as given, the rate in bytes or IOs per second. */
export interface ThrottleDevice {
  path: string;
  rate: number;
}

/** The limits Docker's `run` flags set; undefined means "not set" (the kernel's default stays). */
export interface Resources {
  memory?: number;
  memorySwap?: number /* -1 unlimited */;
  memoryReservation?: number;
  cpuShares?: number;
  nanoCpus?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
  blkioWeight?: number;
  deviceReadBps?: ThrottleDevice[];
  deviceWriteBps?: ThrottleDevice[];
  deviceReadIops?: ThrottleDevice[];
  deviceWriteIops?: ThrottleDevice[];
}

/** What `berth stats` shows, read from the cgroup files. */
export interface CgroupStats {
  /** Total CPU time used by the container, in nanoseconds. */
  cpuUsageNs: number;
  /** Memory in use, without the inactive page cache (as docker computes it). */
  memoryUsage: number;
  /** The memory limit in bytes (the host's memory when unlimited). */
  memoryLimit: number;
  blkioReadBytes: number;
  blkioWriteBytes: number;
  pids: number;
}

export interface Cgroup {
  /** Makes the dirs in every hierarchy and writes the limits; errors are clear. */
  create(r: Resources): Promise<void>;
  /** Every cgroup.procs file the container's first process writes its own pid into before exec. */
  procsFiles(): string[];
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  oomKilled(): Promise<boolean>;
  stats(): Promise<CgroupStats>;
  pids(): Promise<number[]>;
  killAll(): Promise<void>;
  /** Kills what is left (only when a dir is busy: after the last exit, usually nothing) and removes the dirs. */
  destroy(): Promise<void>;
  update?(r: Resources): Promise<void>;
}

export interface CgroupOptions {
  /** The parent in every hierarchy, `--cgroup-parent`; "/berth" by default. */
  parent: string;
  /** The container id. */
  name: string;
  /** Where the cgroup filesystems are mounted; "/sys/fs/cgroup" by default, a fake tree in unit tests. */
  fsRoot?: string;
  /** Docker's warnings when the kernel lacks a feature (the limit is dropped); stderr by default, prefixed "WARNING: ". */
  warn?: (message: string) => void;
  /** The kernel layer; a fake tree in unit tests. */
  fs?: CgroupFs;
}

const layouts = new Map<string, CgroupLayout>();

function layoutOf(fs: CgroupFs, fsRoot: string, isFake: boolean): CgroupLayout {
  // The layout does not change while a process runs; a fake fs is never cached.
  let layout = isFake ? undefined : layouts.get(fsRoot);
  if (!layout) {
    layout = parseCgroupLayout(fs.mountinfo(), fsRoot);
    if (!isFake) layouts.set(fsRoot, layout);
  }
  return layout;
}

/**
 * Opens (does not create) the cgroup of one container, on the layout the host has: v2, or v1 with
 * every hierarchy (and the unified one of a hybrid host).
 * @throws {Error} when no cgroup filesystem is mounted under fsRoot, or on a bad parent or name
 * @example openCgroup({ parent: '/berth', name: id }).create({ memory: 32 << 20 })
 */
export function openCgroup(opts: CgroupOptions): Cgroup {
  const fs = opts.fs ?? realCgroupFs;
  const fsRoot = opts.fsRoot ?? '/sys/fs/cgroup';
  const path = joinCgroupPath(opts.parent || '/berth', opts.name);
  const warn = opts.warn ?? ((message: string) => console.error(`WARNING: ${message}`));
  const layout = layoutOf(fs, fsRoot, opts.fs !== undefined);
  return layout.version === 2 ? new V2Cgroup(layout.unified, path, fs, warn) : new V1Cgroup(layout, path, fs, warn);
}

/**
 * The names of the cgroups under `parent` in any hierarchy (the container ids), so that `berth gc`
 * can remove those of containers it no longer knows.
 */
export async function listCgroups(opts: Omit<CgroupOptions, 'name' | 'warn'>): Promise<string[]> {
  const fs = opts.fs ?? realCgroupFs;
  const layout = layoutOf(fs, opts.fsRoot ?? '/sys/fs/cgroup', opts.fs !== undefined);
  const roots =
    layout.version === 2 ? [layout.unified] : [...layout.hierarchies.map((h) => h.mountPoint), ...(layout.unified ? [layout.unified] : [])];
  const parent = parseCgroupParent(opts.parent || '/berth');
  const names = new Set<string>();
  for (const root of roots) for (const name of await fs.list(`${root}${parent}`)) names.add(name);
  return [...names].sort();
}
