/** The container record: <root>/containers/<id>/config.json, in Docker's shapes. Types only. */
import type { IdMapping } from './userns.js';
import type { MountPoint } from './volumes/points.js';
import type { CniDirs } from './network/dirs.js';
import type { EndpointConfig, PortBindings } from './network/plan.js';

export interface RestartPolicy {
  Name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  MaximumRetryCount: number;
}

/** Docker's Config (the container's process, as `inspect` shows it). */
export interface ContainerConfig {
  Hostname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  WorkingDir: string;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** Anonymous volumes' destinations (`-v /dst`, the image's Volumes). */
  Volumes?: Record<string, object> | null;
  ExposedPorts?: Record<string, object>;
}

/** Docker's HostConfig, the parts Berth implements. */
export interface HostConfig {
  Binds: string[] | null;
  Mounts?: Array<{ Type: string; Source: string; Target: string; ReadOnly?: boolean }>;
  Tmpfs?: Record<string, string>;
  VolumeDriver?: string;
  VolumesFrom?: string[] | null;
  NetworkMode: string;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  /** --security-opt as given (runtime/security-opt.ts); null without any, absent in older records. */
  SecurityOpt?: string[] | null;
  ReadonlyRootfs: boolean;
  Init: boolean;
  CgroupParent: string;
  /** `--userns` as given: '' (host, the default), `host` or `private`; absent in older records. */
  UsernsMode?: string;
  LogConfig: { Type: 'json-file'; Config: Record<string, string> };
  /** --dns, --dns-search, --dns-option, --add-host (absent in records made before them). */
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  ExtraHosts?: string[] | null;
  /** The resource flags as given (`-m 32m`), parsed by the cgroup driver at each start. */
  ResourceFlags: Record<string, string | string[]>;
  PortBindings?: PortBindings;
  PublishAllPorts?: boolean;
}

/** What survives the supervisor: the last known state (the live one is in the state dir). */
export interface SavedState {
  Status: 'created' | 'exited' | 'dead';
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
}

export interface ContainerRecord {
  Id: string;
  Name: string;
  /** The image id ("sha256:<hex>"), or "" for --rootfs. */
  Image: string;
  Created: string;
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  HostConfig: HostConfig;
  /** The read-only lower dirs of the root, lowest first (the image's layers, or the --rootfs dir). */
  LayerDirs: string[];
  /** The --rootfs dir, when the root is not an image. */
  Rootfs?: string;
  /**
   * Uid, gid, extra groups and home of Config.User, resolved at create in the image's /etc files;
   * `home` is the process's HOME unless Config.Env sets one (records from before it have HOME there).
   */
  Process: { uid: number; gid: number; groups: number[]; home?: string; capabilities: string[] };
  /** With `--userns private`: the host IDs container root and its users are, fixed at create. */
  IdMap?: IdMapping;
  RestartCount: number;
  /** Stopped with `stop` (Docker's HasBeenManuallyStopped): `unless-stopped` stays down at boot. */
  ManuallyStopped?: boolean;
  State: SavedState;
  /** Every mount of the container (runtime/volumes/points.ts); `inspect` shows them as Mounts. */
  Mounts?: MountPoint[];
  /** The CNI networks, in attach order (eth0 first), with --ip, --mac-address, --network-alias. */
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointConfig> };
  /** The CNI dirs the container was made with: cleanup and gc DEL with these. */
  Cni?: CniDirs;
}

export const NEVER = '0001-01-01T00:00:00Z';
