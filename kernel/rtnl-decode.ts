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

export function decodeLink(data: Buffer): LinkInfo {
  const index = data.readInt32LE(4);
  const flags = data.readUInt32LE(8);
  const attrs = decodeAttrs(data, 16);
  const info = attrs.get(IFLA.LINKINFO) ? decodeAttrs(attrs.get(IFLA.LINKINFO)!) : undefined;
  const kindBytes = info?.get(IFLA_INFO.KIND);
  const kind = kindBytes ? kindBytes.toString('utf8').replace(/\0+$/, '') : undefined;
  const infoData = kind === 'bridge' && info?.get(IFLA_INFO.DATA) ? decodeAttrs(info.get(IFLA_INFO.DATA)!) : undefined;
  return {
    index,
    name: (attrs.get(IFLA.IFNAME) ?? Buffer.alloc(0)).toString('utf8').replace(/\0+$/, ''),
    kind,
    mac: bytesToMac(attrs.get(IFLA.ADDRESS)),
    mtu: attrs.get(IFLA.MTU)?.readUInt32LE(0) ?? 0,
    isUp: (flags & IFF_UP) !== 0,
    isPromisc: (flags & IFF_PROMISC) !== 0,
    master: attrs.get(IFLA.MASTER)?.readUInt32LE(0),
    link: attrs.get(IFLA.LINK)?.readUInt32LE(0),
    linkNetnsId: attrs.get(IFLA.LINK_NETNSID)?.readInt32LE(0),
    vlanFiltering: infoData?.get(IFLA_BR_VLAN_FILTERING) ? infoData.get(IFLA_BR_VLAN_FILTERING)![0] === 1 : undefined,
  };
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
