/**
 * Docker 20.10's container.Config and container.HostConfig (with the Resources it embeds), the Go
 * types `inspect` templates see under `.Config` and `.HostConfig`, fields in Go's order. Pure data.
 */
import { embedded, goBool, goDuration, goInt, goString, map, ptr, renamed, slice, stringMap, strings, struct } from './go-typed.js';

/** nat.PortSet and a volume set: map[string]struct{}. */
const set = map(struct({}));

/** nat.PortMap. */
export const PORT_MAP = map(slice(struct({ HostIP: renamed('HostIp', goString), HostPort: goString })));

const healthConfig = struct({ Test: strings, Interval: goDuration, Timeout: goDuration, StartPeriod: goDuration, Retries: goInt });

/** container.Config. */
export const CONFIG = struct({
  Hostname: goString,
  Domainname: goString,
  User: goString,
  AttachStdin: goBool,
  AttachStdout: goBool,
  AttachStderr: goBool,
  ExposedPorts: set,
  Tty: goBool,
  OpenStdin: goBool,
  StdinOnce: goBool,
  Env: strings,
  Cmd: strings,
  Healthcheck: ptr(healthConfig),
  ArgsEscaped: goBool,
  Image: goString,
  Volumes: set,
  WorkingDir: goString,
  Entrypoint: strings,
  NetworkDisabled: goBool,
  MacAddress: goString,
  OnBuild: strings,
  Labels: stringMap,
  StopSignal: goString,
  StopTimeout: ptr(goInt),
  Shell: strings,
});

const throttle = slice(ptr(struct({ Path: goString, Rate: goInt })));

/** container.Resources, embedded in HostConfig. */
const resources = struct({
  CPUShares: renamed('CpuShares', goInt),
  Memory: goInt,
  NanoCPUs: renamed('NanoCpus', goInt),
  CgroupParent: goString,
  BlkioWeight: goInt,
  BlkioWeightDevice: slice(ptr(struct({ Path: goString, Weight: goInt }))),
  BlkioDeviceReadBps: throttle,
  BlkioDeviceWriteBps: throttle,
  BlkioDeviceReadIOps: throttle,
  BlkioDeviceWriteIOps: throttle,
  CPUPeriod: renamed('CpuPeriod', goInt),
  CPUQuota: renamed('CpuQuota', goInt),
  CPURealtimePeriod: renamed('CpuRealtimePeriod', goInt),
  CPURealtimeRuntime: renamed('CpuRealtimeRuntime', goInt),
  CpusetCpus: goString,
  CpusetMems: goString,
  Devices: slice(struct({ PathOnHost: goString, PathInContainer: goString, CgroupPermissions: goString })),
  DeviceCgroupRules: strings,
  DeviceRequests: slice(struct({ Driver: goString, Count: goInt, DeviceIDs: strings, Capabilities: slice(strings), Options: stringMap })),
  KernelMemory: goInt,
  KernelMemoryTCP: goInt,
  MemoryReservation: goInt,
  MemorySwap: goInt,
  MemorySwappiness: ptr(goInt),
  OomKillDisable: ptr(goBool),
  PidsLimit: ptr(goInt),
  Ulimits: slice(ptr(struct({ Name: goString, Hard: goInt, Soft: goInt }))),
  CPUCount: renamed('CpuCount', goInt),
  CPUPercent: renamed('CpuPercent', goInt),
  IOMaximumIOps: goInt,
  IOMaximumBandwidth: goInt,
});

const mount = struct({
  Type: goString,
  Source: goString,
  Target: goString,
  ReadOnly: goBool,
  Consistency: goString,
  BindOptions: ptr(struct({ Propagation: goString, NonRecursive: goBool })),
  VolumeOptions: ptr(struct({ NoCopy: goBool, Labels: stringMap, DriverConfig: ptr(struct({ Name: goString, Options: stringMap })) })),
  TmpfsOptions: ptr(struct({ SizeBytes: goInt, Mode: goInt })),
});

/** container.HostConfig. */
export const HOST_CONFIG = struct({
  Binds: strings,
  ContainerIDFile: goString,
  LogConfig: struct({ Type: goString, Config: stringMap }),
  NetworkMode: goString,
  PortBindings: PORT_MAP,
  RestartPolicy: struct({ Name: goString, MaximumRetryCount: goInt }),
  AutoRemove: goBool,
  VolumeDriver: goString,
  VolumesFrom: strings,
  CapAdd: strings,
  CapDrop: strings,
  CgroupnsMode: goString,
  DNS: renamed('Dns', strings),
  DNSOptions: renamed('DnsOptions', strings),
  DNSSearch: renamed('DnsSearch', strings),
  ExtraHosts: strings,
  GroupAdd: strings,
  IpcMode: goString,
  Cgroup: goString,
  Links: strings,
  OomScoreAdj: goInt,
  PidMode: goString,
  Privileged: goBool,
  PublishAllPorts: goBool,
  ReadonlyRootfs: goBool,
  SecurityOpt: strings,
  StorageOpt: stringMap,
  Tmpfs: stringMap,
  UTSMode: goString,
  UsernsMode: goString,
  ShmSize: goInt,
  Sysctls: stringMap,
  Runtime: goString,
  ConsoleSize: slice(goInt),
  Isolation: goString,
  Resources: embedded(resources),
  Mounts: slice(mount),
  MaskedPaths: strings,
  ReadonlyPaths: strings,
  Init: ptr(goBool),
});
