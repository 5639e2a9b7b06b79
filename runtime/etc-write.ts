/** Writes a container's /etc/hosts, /etc/hostname and /etc/resolv.conf into its dir (see etc-files.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ETC_FILES, etcBinds, planEtcFiles, type EtcFiles, type EtcInputs, type HostsEntry } from './etc-files.js';
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

/** What writeEtcFiles wrote, from what: a rewrite with the network's names reuses it. */
export interface EtcWritten {
  /** The supervisor's bind specs for the three files. */
  binds: string[];
  host: EtcInputs['host'];
  files: EtcFiles;
}

const readHostFile = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/**
 * (Re)writes the three files in `dir` (in place: a running container's bind mount keeps the inode).
 * Given `before` (this start's first write), the host's files are not read again and a file whose
 * text did not change is not written again.
 */
export function writeEtcFiles(dir: string, rec: ContainerRecord, net: NetworkNames = {}, before?: EtcWritten): EtcWritten {
  const h = rec.HostConfig;
  const host = before?.host ?? { hosts: readHostFile('/etc/hosts'), resolvConf: readHostFile('/etc/resolv.conf'), hostname: hostname() };
  const files = planEtcFiles({
    hostname: rec.Config.Hostname,
    networkMode: h.NetworkMode,
    dns: h.Dns ?? [],
    dnsSearch: h.DnsSearch ?? [],
    dnsOptions: h.DnsOptions ?? [],
    extraHosts: h.ExtraHosts ?? [],
    host,
    entries: net.entries,
    networkDns: net.networkDns,
    ipv6: net.ipv6,
    hostGateway: net.hostGateway ?? DEFAULT_HOST_GATEWAY,
  });
  for (const f of ETC_FILES) if (files[f.file] !== before?.files[f.file]) writeFileSync(join(dir, f.name), files[f.file], { mode: 0o644 });
  return { binds: before?.binds ?? etcBinds(dir, h.ReadonlyRootfs), host, files };
}
