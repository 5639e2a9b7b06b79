/**
 * Decoding of rtnetlink replies: links, addresses, routes (rtnetlink(7)). Pure: buffers in, objects out.
 */
import {
  AF_INET,
  IFA,
  IFF_PROMISC,
  IFF_UP,
  IFLA,
  IFLA_BR_VLAN_FILTERING,
  IFLA_INFO,
  NETCONFA,
  RTA,
  RTAX_ADVMSS,
  RTAX_MTU,
  align4,
  bytesToIp,
  bytesToMac,
  decodeAttrs,
} from './rtnl-codec.js';

export interface LinkInfo {
  index: number;
  name: string;
  /** "bridge", "veth", ... ; undefined for plain devices such as lo. */
  kind?: string;
  mac: string;
  mtu: number;
  isUp: boolean;
  isPromisc: boolean;
  master?: number;
  /** IFLA_LINK_NETNSID: set when the peer (veth) lives in another netns. */
  linkNetnsId?: number;
  /** IFLA_LINK: the peer's index (veth). */
  link?: number;
  /** Bridge only: IFLA_BR_VLAN_FILTERING. */
  vlanFiltering?: boolean;
}

// The IFLA_* types decodeLink reads (rtnl-codec.ts IFLA), as plain constants: a property read of
// IFLA per `case` costs more than the rest of the loop in cold (interpreted) code.
const IFNAME = IFLA.IFNAME,
  ADDRESS = IFLA.ADDRESS,
  MTU = IFLA.MTU,
  MASTER = IFLA.MASTER,
  LINK = IFLA.LINK,
  LINK_NETNSID = IFLA.LINK_NETNSID,
  LINKINFO = IFLA.LINKINFO,
  INFO_KIND = IFLA_INFO.KIND,
  INFO_DATA = IFLA_INFO.DATA;

/**
 * One pass over the attributes of an RTM_NEWLINK, reading only what LinkInfo holds: a reply carries
 * ~40 attributes, and this runs cold (interpreted) once per lookup, so no map or view per attribute,
 * and byte reads rather than a call per read.
 */
export function decodeLink(data: Buffer): LinkInfo {
  const flags = data.readUInt32LE(8);
  const link: LinkInfo = {
    index: data.readInt32LE(4),
    name: '',
    kind: undefined,
    mac: '',
    mtu: 0,
    isUp: (flags & IFF_UP) !== 0,
    isPromisc: (flags & IFF_PROMISC) !== 0,
    master: undefined,
    link: undefined,
    linkNetnsId: undefined,
    vlanFiltering: undefined,
  };
  const end = data.length;
  for (let at = 16; at + 4 <= end;) {
    const len = data[at] | (data[at + 1] << 8);
    if (len < 4 || at + len > end) break;
    switch (data[at + 2] | ((data[at + 3] & 0x3f) << 8)) {
      case IFNAME:
        link.name = cString(data, at + 4, at + len);
        break;
      case ADDRESS:
        link.mac = bytesToMac(data, at + 4, at + len);
        break;
      case MTU:
        link.mtu = data.readUInt32LE(at + 4);
        break;
      case MASTER:
        link.master = data.readUInt32LE(at + 4);
        break;
      case LINK:
        link.link = data.readUInt32LE(at + 4);
        break;
      case LINK_NETNSID:
        link.linkNetnsId = data.readInt32LE(at + 4);
        break;
      case LINKINFO:
        decodeLinkInfo(data, at + 4, at + len, link);
        break;
    }
    at += (len + 3) & ~3;
  }
  return link;
}

/** IFLA_LINKINFO's kind and, for a bridge, IFLA_BR_VLAN_FILTERING of its IFLA_INFO_DATA. */
function decodeLinkInfo(data: Buffer, start: number, end: number, link: LinkInfo): void {
  let dataAt = -1,
    dataEnd = 0;
  for (let at = start; at + 4 <= end;) {
    const len = data[at] | (data[at + 1] << 8);
    if (len < 4 || at + len > end) break;
    const type = data[at + 2] | ((data[at + 3] & 0x3f) << 8);
    if (type === INFO_KIND) link.kind = cString(data, at + 4, at + len);
    else if (type === INFO_DATA) {
      dataAt = at + 4;
      dataEnd = at + len;
    }
    at += (len + 3) & ~3;
  }
  if (link.kind !== 'bridge' || dataAt < 0) return;
  for (let at = dataAt; at + 4 <= dataEnd;) {
    const len = data[at] | (data[at + 1] << 8);
    if (len < 4 || at + len > dataEnd) break;
    if ((data[at + 2] | ((data[at + 3] & 0x3f) << 8)) === IFLA_BR_VLAN_FILTERING) link.vlanFiltering = len > 4 && data[at + 4] === 1;
    at += (len + 3) & ~3;
  }
}

/** The text of a NUL-terminated string attribute between `start` and `end`, without its trailing NULs. */
function cString(data: Buffer, start: number, end: number): string {
  while (end > start && data[end - 1] === 0) end--;
  return data.toString('utf8', start, end);
}

export interface AddrInfo {
  index: number;
  family: 4 | 6;
  address: string;
  prefixLength: number;
  /** "192.0.2.5/24" */
  cidr: string;
  scope: number;
}

export function decodeAddr(data: Buffer): AddrInfo {
  const family = data.readUInt8(0);
  const prefixLength = data.readUInt8(1);
  const scope = data.readUInt8(3);
  const index = data.readUInt32LE(4);
  const attrs = decodeAttrs(data, 8);
  const raw = attrs.get(IFA.LOCAL) ?? attrs.get(IFA.ADDRESS) ?? Buffer.alloc(family === AF_INET ? 4 : 16);
  const address = bytesToIp(raw);
  return { index, family: family === AF_INET ? 4 : 6, address, prefixLength, cidr: `${address}/${prefixLength}`, scope };
}

export interface RouteInfo {
  family: 4 | 6;
  /** CIDR; "0.0.0.0/0" or "::/0" for a default route. */
  dst: string;
  gw?: string;
  oif?: number;
  table: number;
  scope: number;
  priority?: number;
  mtu?: number;
  advmss?: number;
  type: number;
  /** Next hops of a multipath route (IPv6 routes appended through a second interface become one). */
  nexthops?: Array<{ oif: number; gw?: string }>;
}

/** RTA_MULTIPATH: a run of struct rtnexthop {u16 len; u8 flags; u8 hops; s32 ifindex} + attributes. */
function decodeNexthops(buf: Buffer): Array<{ oif: number; gw?: string }> {
  const out: Array<{ oif: number; gw?: string }> = [];
  for (let at = 0; at + 8 <= buf.length;) {
    const len = buf.readUInt16LE(at);
    if (len < 8) break;
    const attrs = decodeAttrs(buf.subarray(at + 8, at + len));
    const gw = attrs.get(RTA.GATEWAY);
    out.push({ oif: buf.readInt32LE(at + 4), ...(gw && { gw: bytesToIp(gw) }) });
    at += align4(len);
  }
  return out;
}

export function decodeRoute(data: Buffer): RouteInfo {
  const family = data.readUInt8(0);
  const dstLength = data.readUInt8(1);
  const attrs = decodeAttrs(data, 12);
  const dstBytes = attrs.get(RTA.DST) ?? Buffer.alloc(family === AF_INET ? 4 : 16);
  const metrics = attrs.get(RTA.METRICS) ? decodeAttrs(attrs.get(RTA.METRICS)!) : undefined;
  return {
    family: family === AF_INET ? 4 : 6,
    dst: `${bytesToIp(dstBytes)}/${dstLength}`,
    gw: attrs.get(RTA.GATEWAY) ? bytesToIp(attrs.get(RTA.GATEWAY)!) : undefined,
    oif: attrs.get(RTA.OIF)?.readUInt32LE(0),
    table: attrs.get(RTA.TABLE)?.readUInt32LE(0) ?? data.readUInt8(4),
    scope: data.readUInt8(6),
    type: data.readUInt8(7),
    priority: attrs.get(RTA.PRIORITY)?.readUInt32LE(0),
    mtu: metrics?.get(RTAX_MTU)?.readUInt32LE(0),
    advmss: metrics?.get(RTAX_ADVMSS)?.readUInt32LE(0),
    ...(attrs.get(RTA.MULTIPATH) && { nexthops: decodeNexthops(attrs.get(RTA.MULTIPATH)!) }),
  };
}

/** NETCONFA_FORWARDING of an RTM_GETNETCONF reply, or undefined when absent. */
export function decodeForwarding(data: Buffer): boolean | undefined {
  const value = decodeAttrs(data, 4).get(NETCONFA.FORWARDING);
  return value ? value.readInt32LE(0) !== 0 : undefined;
}
