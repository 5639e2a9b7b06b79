/**
 * What the container's /etc files learn from its CNI attachments (runtime/etc-write.ts): its
 * addresses with its host name, name and aliases, the networks' nameservers (dnsname's), and the
 * gateway that `--add-host NAME:host-gateway` stands for. Pure.
 */
import type { NetworkNames } from '../etc-write.js';
import type { ContainerRecord } from '../record.js';
import type { AttachmentInfo } from './settings.js';

export function namesFromAttachments(rec: ContainerRecord, attachments: readonly AttachmentInfo[]): NetworkNames {
  if (attachments.length === 0) return {};
  const entries = [];
  const nameservers: string[] = [];
  const search: string[] = [];
  let gateway: string | undefined;
  let ipv6 = false;
  for (const a of attachments) {
    const aliases = rec.NetworkingConfig?.EndpointsConfig[a.network]?.Aliases ?? [];
    const names = [...new Set([rec.Config.Hostname, rec.Name.startsWith('/') ? rec.Name.slice(1) : rec.Name, ...aliases].filter(Boolean))];
    for (const ip of a.result.ips ?? []) {
      entries.push({ address: ip.address.split('/')[0], names });
      if (ip.address.includes(':')) ipv6 = true;
      else gateway ??= ip.gateway;
    }
    for (const ns of a.result.dns?.nameservers ?? []) if (!nameservers.includes(ns)) nameservers.push(ns);
    for (const s of a.result.dns?.search ?? []) if (!search.includes(s)) search.push(s);
  }
  return {
    entries,
    ...(nameservers.length > 0 && { networkDns: { nameservers, search } }),
    ipv6,
    ...(gateway && { hostGateway: gateway }),
  };
}
