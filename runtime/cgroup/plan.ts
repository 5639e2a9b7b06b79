/**
 * Which cgroup files get which values for a set of Resources, on v1 and on v2 (runc's mapping).
 * Pure: the drivers gather the host facts, write the files in this order and print the warnings.
 * @throws {ResourceFlagError} for a blkio weight out of range on a kernel that has weights
 */
import { ResourceFlagError } from './flags.js';
import type { Resources, ThrottleDevice } from './index.js';

/** One write; the controller is the file name's prefix ("memory.max" -> "memory"). */
export interface CgroupWrite {
  file: string;
  value: string;
}

export interface CgroupPlan {
  writes: CgroupWrite[];
  warnings: string[];
}

/** What the host offers, read by the driver before planning. */
export interface HostFacts {
  /** Controllers the container's cgroup can use (v1: mounted hierarchies; v2: the parent's cgroup.controllers). */
  controllers: ReadonlySet<string>;
  /** major:minor of every throttled device path. */
  devices: ReadonlyMap<string, string>;
  /** v1: the kernel has swap accounting (memory.memsw.limit_in_bytes exists). */
  memsw?: boolean;
  /** The weight file the kernel has: blkio.weight or blkio.bfq.weight (v1), io.bfq.weight or io.weight (v2). */
  weightFile?: string;
  /** v1: the parent's cpuset, which a new cpuset cgroup must be given before a process can join. */
  parentCpus?: string;
  parentMems?: string;
}

/** CFS period Docker uses for `--cpus` (100 ms). */
export const CFS_PERIOD_US = 100000;
const SHARES_MIN = 2,
  SHARES_MAX = 262144;

/** Docker's warnings when the kernel lacks a feature; the limit is then dropped, as Docker does. */
const MISSING: Record<string, string> = {
  memory: 'Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
  memsw: 'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
  cpu: 'Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.',
  cfs: 'Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.',
  cpuset: 'Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.',
  pids: 'Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.',
  weight: 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
  throttle: 'Your kernel does not support Block I/O throttling or the cgroup is not mounted. Block I/O limits discarded.',
};

/** Docker checks the weight's range only where the kernel has a weight (else it warns and drops it). */
function checkWeight(weight: number): number {
  if (weight < 10 || weight > 1000) throw new ResourceFlagError('Range of blkio weight is from 10 to 1000', 'daemon');
  return weight;
}

/** The CFS quota for `--cpus` over Docker's period. */
export function cfsQuota(nanoCpus: number): number {
  return Math.floor((nanoCpus * CFS_PERIOD_US) / 1e9);
}

/** runc's v1 shares -> v2 cpu.weight: 1 + ((shares - 2) * 9999) / 262142, shares clamped as the v1 kernel does. */
export function sharesToWeight(shares: number): number {
  const s = Math.min(Math.max(shares, SHARES_MIN), SHARES_MAX);
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/** runc's blkio weight (10-1000) -> v2 io.weight (1-10000). */
export function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

function throttles(r: Resources): Array<[kind: 'read_bps' | 'write_bps' | 'read_iops' | 'write_iops', ThrottleDevice[]]> {
  return (
    [
      ['read_bps', r.deviceReadBps],
      ['write_bps', r.deviceWriteBps],
      ['read_iops', r.deviceReadIops],
      ['write_iops', r.deviceWriteIops],
    ] as const
  ).filter((t): t is [(typeof t)[0], ThrottleDevice[]] => (t[1]?.length ?? 0) > 0);
}

function deviceOf(facts: HostFacts, path: string): string {
  const dev = facts.devices.get(path);
  if (!dev) throw new Error(`no device number known for ${JSON.stringify(path)}`);
  return dev;
}

/** Plans the v1 writes (each file in the hierarchy its prefix names). */
export function planV1(r: Resources, facts: HostFacts): CgroupPlan {
  const writes: CgroupWrite[] = [],
    warnings: string[] = [];
  const has = (c: string) => facts.controllers.has(c);
  const put = (file: string, value: number | string) => writes.push({ file, value: String(value) });
  if (has('cpuset')) {
    put('cpuset.cpus', r.cpusetCpus ?? facts.parentCpus ?? '');
    put('cpuset.mems', facts.parentMems ?? '');
  } else if (r.cpusetCpus !== undefined) warnings.push(MISSING.cpuset);
  if (r.memory !== undefined || r.memoryReservation !== undefined) {
    if (!has('memory')) warnings.push(MISSING.memory);
    else {
      if (r.memory !== undefined) put('memory.limit_in_bytes', r.memory);
      if (r.memorySwap !== undefined && r.memory !== undefined) {
        if (facts.memsw) put('memory.memsw.limit_in_bytes', r.memorySwap);
        else if (r.memorySwap !== -1) warnings.push(MISSING.memsw);
      }
      if (r.memoryReservation !== undefined) put('memory.soft_limit_in_bytes', r.memoryReservation);
    }
  }
  if (r.cpuShares !== undefined) has('cpu') ? put('cpu.shares', r.cpuShares) : warnings.push(MISSING.cpu);
  if (r.nanoCpus !== undefined) {
    if (!has('cpu')) warnings.push(MISSING.cfs);
    else {
      put('cpu.cfs_period_us', CFS_PERIOD_US);
      put('cpu.cfs_quota_us', cfsQuota(r.nanoCpus));
    }
  }
  if (r.pidsLimit !== undefined) has('pids') ? put('pids.max', r.pidsLimit) : warnings.push(MISSING.pids);
  if (r.blkioWeight !== undefined) {
    if (has('blkio') && facts.weightFile) put(facts.weightFile, checkWeight(r.blkioWeight));
    else warnings.push(MISSING.weight);
  }
  for (const [kind, devices] of throttles(r)) {
    if (!has('blkio')) {
      warnings.push(MISSING.throttle);
      break;
    }
    for (const d of devices) put(`blkio.throttle.${kind}_device`, `${deviceOf(facts, d.path)} ${d.rate}`);
  }
  return { writes, warnings };
}

const IO_MAX_KEY = { read_bps: 'rbps', write_bps: 'wbps', read_iops: 'riops', write_iops: 'wiops' } as const;

/** Plans the v2 writes, all in the container's one dir. */
export function planV2(r: Resources, facts: HostFacts): CgroupPlan {
  const writes: CgroupWrite[] = [],
    warnings: string[] = [];
  const has = (c: string) => facts.controllers.has(c);
  const put = (file: string, value: number | string) => writes.push({ file, value: String(value) });
  if (r.memory !== undefined || r.memoryReservation !== undefined) {
    if (!has('memory')) warnings.push(MISSING.memory);
    else {
      if (r.memory !== undefined) put('memory.max', r.memory);
      // v2 limits swap alone; Docker's --memory-swap is memory plus swap.
      if (r.memorySwap !== undefined && r.memory !== undefined)
        put('memory.swap.max', r.memorySwap === -1 ? 'max' : r.memorySwap - r.memory);
      if (r.memoryReservation !== undefined) put('memory.low', r.memoryReservation);
    }
  }
  if (r.cpuShares !== undefined) has('cpu') ? put('cpu.weight', sharesToWeight(r.cpuShares)) : warnings.push(MISSING.cpu);
  if (r.nanoCpus !== undefined) has('cpu') ? put('cpu.max', `${cfsQuota(r.nanoCpus)} ${CFS_PERIOD_US}`) : warnings.push(MISSING.cfs);
  if (r.cpusetCpus !== undefined) has('cpuset') ? put('cpuset.cpus', r.cpusetCpus) : warnings.push(MISSING.cpuset);
  if (r.pidsLimit !== undefined) has('pids') ? put('pids.max', r.pidsLimit) : warnings.push(MISSING.pids);
  if (r.blkioWeight !== undefined) {
    if (!has('io') || !facts.weightFile) warnings.push(MISSING.weight);
    else if (facts.weightFile === 'io.bfq.weight') put('io.bfq.weight', checkWeight(r.blkioWeight));
    else put('io.weight', `default ${blkioToIoWeight(checkWeight(r.blkioWeight))}`);
  }
  for (const [kind, devices] of throttles(r)) {
    if (!has('io')) {
      warnings.push(MISSING.throttle);
      break;
    }
    for (const d of devices) put('io.max', `${deviceOf(facts, d.path)} ${IO_MAX_KEY[kind]}=${d.rate}`);
  }
  return { writes, warnings };
}

/** Every device path the resources throttle. */
export function throttledPaths(r: Resources): string[] {
  return [...new Set(throttles(r).flatMap(([, devices]) => devices.map((d) => d.path)))];
}
