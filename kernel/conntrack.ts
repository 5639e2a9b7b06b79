/**
 * Conntrack entries over ctnetlink (NETLINK_NETFILTER, subsystem CTNETLINK): deletes the entries of
 * the flows to some UDP ports, as `conntrack -D -p udp --orig-port-dst P [--orig-dst A]` does for one,
 * without that program: one dump of the table (both families), then one IPCTNL_MSG_CT_DELETE per
 * matching entry, named by its original tuple, its zone and its ID (so a newer flow that reused the
 * tuple is kept). A dump walks every bucket of the kernel's conntrack hash, which all namespaces
 * share, so all the ports of a call share one dump.
 * The encoders and the decoder are pure; only deleteUdpFlows talks to the kernel.
 */
import { KernelError, isNotFound } from './errors.js';
import { closeInBackground } from './libc.js';
import { netlinkExchange, openNetlinkSocket } from './netlink-socket.js';
import { AF_INET, AF_INET6, NLM_F, bytesToIp, decodeAttrs, encodeAttrs, ipToBytes, nlmsg, type Attr } from './rtnl-codec.js';

const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_CTNETLINK = 1;
const IPCTNL_MSG_CT_GET = 1;
const IPCTNL_MSG_CT_DELETE = 2;
// include/uapi/linux/netfilter/nfnetlink_conntrack.h
const CTA_TUPLE_ORIG = 1;
const CTA_ID = 12;
const CTA_ZONE = 18;
const CTA_TUPLE_IP = 1;
const CTA_TUPLE_PROTO = 2;
const CTA_IP_V4_DST = 2;
const CTA_IP_V6_DST = 4;
const CTA_PROTO_NUM = 1;
const CTA_PROTO_DST_PORT = 3;
const IPPROTO_UDP = 17;

/** struct nfgenmsg: family (none = all), version 0, resource id 0. */
function nfgenmsg(family?: 4 | 6): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(family === undefined ? 0 : family === 4 ? AF_INET : AF_INET6, 0);
  return b;
}

/** A request to dump the conntrack table, of one family or (without) of all. */
export function encodeConntrackDump(family: 4 | 6 | undefined, seq: number): Buffer {
  return nlmsg((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, NLM_F.REQUEST | NLM_F.DUMP, seq, nfgenmsg(family));
}

/** What a deletion needs of one entry, and what it is matched on. */
export interface ConntrackEntry {
  family: 4 | 6;
  /** IP protocol number of the original direction (17 = UDP). */
  protocol: number;
  /** Destination address and port of the original direction (the host port of a mapping). */
  dst: string;
  dstPort: number;
  /** The CTA_TUPLE_ORIG attribute as the kernel sent it (nested attributes, no header). */
  tuple: Buffer;
  zone?: Buffer;
  id?: Buffer;
}

/** Decodes one entry of a dump (the payload after the netlink header); undefined without an original tuple. */
export function decodeConntrackEntry(payload: Buffer): ConntrackEntry | undefined {
  const family = payload.readUInt8(0) === AF_INET6 ? 6 : 4;
  const attrs = decodeAttrs(payload, 4);
  const tuple = attrs.get(CTA_TUPLE_ORIG);
  if (!tuple) return undefined;
  const parts = decodeAttrs(tuple);
  const ip = decodeAttrs(parts.get(CTA_TUPLE_IP) ?? Buffer.alloc(0));
  const proto = decodeAttrs(parts.get(CTA_TUPLE_PROTO) ?? Buffer.alloc(0));
  const dst = ip.get(CTA_IP_V4_DST) ?? ip.get(CTA_IP_V6_DST);
  return {
    family,
    protocol: proto.get(CTA_PROTO_NUM)?.readUInt8(0) ?? 0,
    dst: dst ? bytesToIp(dst) : '',
    dstPort: proto.get(CTA_PROTO_DST_PORT)?.readUInt16BE(0) ?? 0,
    tuple,
    zone: attrs.get(CTA_ZONE),
    id: attrs.get(CTA_ID),
  };
}

/** A request (with ACK) to delete one entry, named by the original tuple, zone and ID of the dump. */
export function encodeConntrackDelete(entry: ConntrackEntry, seq: number): Buffer {
  // The tuple goes back as the kernel sent it (ctnetlink parses nests liberally: no NLA_F_NESTED needed).
  const attrs: Attr[] = [{ type: CTA_TUPLE_ORIG, value: entry.tuple }];
  if (entry.zone) attrs.push({ type: CTA_ZONE, value: entry.zone });
  if (entry.id) attrs.push({ type: CTA_ID, value: entry.id });
  return nlmsg(
    (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE,
    NLM_F.REQUEST | NLM_F.ACK,
    seq,
    Buffer.concat([nfgenmsg(entry.family), encodeAttrs(attrs)]),
  );
}

/** UDP flows of one family to `port`, and to `dst` when given. */
export interface UdpFlows {
  family: 4 | 6;
  port: number;
  dst?: string;
}

/** True for an entry of a flow that `flows` names. */
export function isFlowOf(entry: ConntrackEntry, flows: UdpFlows): boolean {
  return (
    entry.protocol === IPPROTO_UDP &&
    entry.family === flows.family &&
    entry.dstPort === flows.port &&
    (flows.dst === undefined || entry.dst === bytesToIp(ipToBytes(flows.dst)))
  );
}

/**
 * Deletes the conntrack entries of the UDP flows `targets` name, in the caller's network
 * namespace; returns how many. A kernel without conntrack has none to delete.
 */
export function deleteUdpFlows(targets: readonly UdpFlows[]): number {
  if (targets.length === 0) return 0;
  const what = `UDP flows to port ${targets.map((t) => t.port).join(', ')}`;
  const fd = openNetlinkSocket(NETLINK_NETFILTER, 'conntrack', 2);
  try {
    let seq = 1;
    let entries: Buffer[];
    try {
      entries = netlinkExchange(fd, encodeConntrackDump(undefined, seq), seq, 'list conntrack entries for', what);
    } catch (err) {
      // No conntrack in this kernel or namespace: nothing can be stale.
      if (err instanceof KernelError && (err.errno === 'EOPNOTSUPP' || isNotFound(err))) return 0;
      throw err;
    }
    let deleted = 0;
    for (const payload of entries) {
      const entry = decodeConntrackEntry(payload);
      if (!entry || !targets.some((t) => isFlowOf(entry, t))) continue;
      seq += 1;
      try {
        netlinkExchange(fd, encodeConntrackDelete(entry, seq), seq, 'delete conntrack entry of', what);
        deleted += 1;
      } catch (err) {
        if (!isNotFound(err)) throw err; // gone meanwhile (timed out, or deleted by another flush)
      }
    }
    return deleted;
  } finally {
    // A NETLINK_NETFILTER socket: a plain close would wait for nf_tables' destroy work after the DEL's deletions.
    closeInBackground(fd);
  }
}
