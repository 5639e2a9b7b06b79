/** Shapes of CNI configs and results (SPEC.md sections "Network configuration" and "Success"). */

export interface Interface {
  name: string;
  mac?: string;
  /** The container's netns path; only for interfaces inside a container. */
  sandbox?: string;
  /** 1.1.0 */
  mtu?: number;
  socketPath?: string;
  pciID?: string;
}

export interface IPConfig {
  /** CIDR, e.g. "192.0.2.5/24". */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  /** Only in 0.3.x/0.4.0 results. */
  version?: '4' | '6';
}

export interface Route {
  dst: string;
  gw?: string;
  /** 1.1.0 */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IPConfig[];
  routes?: Route[];
  dns?: DNS;
}

/** An attachment named in GC's `cni.dev/valid-attachments`. */
export interface Attachment {
  containerID: string;
  ifname: string;
}

/** The keys every plugin config has; plugins add their own. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  runtimeConfig?: Record<string, unknown>;
  args?: Record<string, unknown>;
  prevResult?: unknown;
  ipam?: Record<string, unknown>;
  dns?: DNS;
  'cni.dev/valid-attachments'?: Attachment[];
  'cni.dev/attachments'?: Attachment[];
  [key: string]: unknown;
}
