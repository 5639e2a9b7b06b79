/**
 * `inspect`'s HostConfig in dockerd 20.10's field order, with the values Berth's containers really
 * have where Berth has no flag for a field (IPC, cgroup and PID namespaces, /dev/shm, masked paths).
 */
import { parseResources } from './cgroup/flags.js';
import type { Resources, ThrottleDevice } from './cgroup/index.js';
import type { HostConfig } from './record.js';

/** The size of every container's /dev/shm (runtime/shim/container.c mounts it: `size=65536k`), as docker's default. */
export const SHM_SIZE_BYTES = 64 * 1024 * 1024;

/** The /proc and /sys paths berth-shim masks and makes read-only unless --privileged (runtime/shim/container.c's MASKED and READONLY). */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The runtime name dockerd prints (`runc` there): Berth's containers run under berth-shim. */
export const RUNTIME_NAME = 'berth';

/** HostConfig as dockerd shows it; berth's own ResourceFlags stay in the record. */
export function dockerHostConfig(hc: HostConfig) {
  const privileged = hc.Privileged;
  return {
    Binds: hc.Binds,
    ContainerIDFile: '',
    LogConfig: hc.LogConfig,
    NetworkMode: hc.NetworkMode,
    PortBindings: hc.PortBindings ?? {},
    RestartPolicy: hc.RestartPolicy,
    AutoRemove: hc.AutoRemove,
    VolumeDriver: hc.VolumeDriver ?? '',
    VolumesFrom: hc.VolumesFrom ?? null,
    CapAdd: hc.CapAdd,
    CapDrop: hc.CapDrop,
    // No cgroup namespace (cgroup v1 here, as dockerd's default there), a private IPC namespace.
    CgroupnsMode: 'host',
    Dns: hc.Dns ?? [],
    DnsOptions: hc.DnsOptions ?? [],
    DnsSearch: hc.DnsSearch ?? [],
    ExtraHosts: hc.ExtraHosts ?? null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: privileged,
    PublishAllPorts: hc.PublishAllPorts ?? false,
    ReadonlyRootfs: hc.ReadonlyRootfs,
    SecurityOpt: hc.SecurityOpt ?? null,
    ...(hc.Tmpfs && { Tmpfs: hc.Tmpfs }),
    UTSMode: '',
    UsernsMode: hc.UsernsMode ?? '',
    ShmSize: SHM_SIZE_BYTES,
    Runtime: RUNTIME_NAME,
    ConsoleSize: [0, 0],
    Isolation: '',
    ...resourceFields(hc.ResourceFlags, hc.CgroupParent),
    ...(hc.Mounts && { Mounts: hc.Mounts }),
    MaskedPaths: privileged ? null : MASKED_PATHS,
    ReadonlyPaths: privileged ? null : READONLY_PATHS,
    // dockerd's *bool: absent unless --init was given, so `{{.HostConfig.Init}}` is <nil>.
    Init: hc.Init || undefined,
  };
}

/**
 * HostConfig's resource fields (docker's embedded Resources, in its order) from the flags the
 * record keeps (`inspect -f '{{.HostConfig.Memory}}'`): bytes and nanoCPUs, 0 or null when not set.
 */
export function resourceFields(flags: Record<string, string | string[]> | undefined, cgroupParent = '') {
  let r: Resources = {};
  try {
    r = parseResources(flags ?? {});
  } catch {
    /* refused at create, so never here; a record from elsewhere shows no limits */
  }
  const devices = (list?: ThrottleDevice[]) => list?.map((d) => ({ Path: d.path, Rate: d.rate })) ?? null;
  return {
    CpuShares: r.cpuShares ?? 0,
    Memory: r.memory ?? 0,
    NanoCpus: r.nanoCpus ?? 0,
    CgroupParent: cgroupParent,
    BlkioWeight: r.blkioWeight ?? 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: devices(r.deviceReadBps),
    BlkioDeviceWriteBps: devices(r.deviceWriteBps),
    BlkioDeviceReadIOps: devices(r.deviceReadIops),
    BlkioDeviceWriteIOps: devices(r.deviceWriteIops),
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: r.cpusetCpus ?? '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: r.memoryReservation ?? 0,
    MemorySwap: r.memorySwap ?? 0,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: r.pidsLimit ?? null,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
  };
}
