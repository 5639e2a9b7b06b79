/** The container record: <root>/containers/<id>/config.json, in Docker's shapes. Types only. */

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
}

/** Docker's HostConfig, the parts Berth implements. */
export interface HostConfig {
  Binds: string[] | null;
  NetworkMode: string;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  Init: boolean;
  CgroupParent: string;
  LogConfig: { Type: 'json-file'; Config: Record<string, string> };
  /** --dns, --dns-search, --dns-option, --add-host (absent in records made before them). */
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  ExtraHosts?: string[] | null;
  /** The resource flags as given (`-m 32m`), parsed by the cgroup driver at each start. */
  ResourceFlags: Record<string, string | string[]>;
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
  /** Uid, gid and extra groups of Config.User, resolved at create in the image's /etc files. */
  Process: { uid: number; gid: number; groups: number[]; capabilities: string[] };
  RestartCount: number;
  /** Stopped with `stop` (Docker's HasBeenManuallyStopped): `unless-stopped` stays down at boot. */
  ManuallyStopped?: boolean;
  State: SavedState;
}

export const NEVER = '0001-01-01T00:00:00Z';
