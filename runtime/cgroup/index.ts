/**
 * The cgroups of one container: Docker's resource flags parsed, then written to cgroup v1 or v2.
 * The runtime codes against this file only; drivers live beside it.
 */

/** A per-device throttle (`--device-write-bps /dev/loop0:1mb`): the path as given, the rate in bytes or IOs per second. */
export interface ThrottleDevice { path: string; rate: number }

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
  /** Removes the dirs (after killAll). */
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
}

/**
 * Parses Docker's resource flags (`-m 32m`, `--memory-swap -1`, `--cpus 0.5`, `/dev/loop0:1mb`).
 * @throws {Error} with Docker's wording on a bad value
 */
export function parseResources(flags: Record<string, unknown>): Resources {
  void flags;
  throw new Error('TODO: parseResources (issue 17)');
}

/** Opens (does not create) the cgroup of one container, on the layout the host has (v1, hybrid or v2). */
export function openCgroup(opts: CgroupOptions): Cgroup {
  void opts;
  throw new Error('TODO: openCgroup (issue 17)');
}
