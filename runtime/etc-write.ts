/** Writes a container's /etc/hosts, /etc/hostname and /etc/resolv.conf into its dir (see etc-files.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ETC_FILES, etcBinds, planEtcFiles, type HostsEntry } from './etc-files.js';
import type { ContainerRecord } from './record.js';

/** Docker's default bridge gateway, which `--add-host NAME:host-gateway` names until a network says otherwise. */
export const DEFAULT_HOST_GATEWAY = '172.17.0.1';

/** What the network code knows after CNI ADD. */
export interface NetworkNames {
  entries?: HostsEntry[];
  networkDns?: { nameservers: string[]; search: string[] };
  ipv6?: boolean;
  hostGateway?: string;
}

const readHostFile = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/**
 * (Re)writes the three files in `dir` (in place: a running container's bind mount keeps the inode)
 * and returns the supervisor's bind specs for them.
 */
export function writeEtcFiles(dir: string, rec: ContainerRecord, net: NetworkNames = {}): string[] {
  const h = rec.HostConfig;
  const files = planEtcFiles({
    hostname: rec.Config.Hostname,
    networkMode: h.NetworkMode,
    dns: h.Dns ?? [],
    dnsSearch: h.DnsSearch ?? [],
    dnsOptions: h.DnsOptions ?? [],
    extraHosts: h.ExtraHosts ?? [],
    host: { hosts: readHostFile('/etc/hosts'), resolvConf: readHostFile('/etc/resolv.conf'), hostname: hostname() },
    entries: net.entries,
    networkDns: net.networkDns,
    ipv6: net.ipv6,
    hostGateway: net.hostGateway ?? DEFAULT_HOST_GATEWAY,
  });
  for (const f of ETC_FILES) writeFileSync(join(dir, f.name), files[f.file], { mode: 0o644 });
  return etcBinds(dir, h.ReadonlyRootfs);
}
