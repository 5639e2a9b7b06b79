/**
 * Encoding and decoding of the rtnetlink messages Berth uses (rtnetlink(7), linux/if_link.h,
 * linux/if_addr.h, linux/rtnetlink.h). Pure: buffers in, buffers out.
 * Our own codec because a CNI plugin is a new process for every call, and the `netlink` package's
 * load costs more than the calls (docs/internals/speed.md).
 */
import { formatIPv6Groups } from '../lib/ipv6-text.js';

export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  GETNETCONF: 82,
} as const;

export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
} as const;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

export const IFF_UP = 0x1;
export const IFF_PROMISC = 0x100;
export const IFF_LOWER_UP = 0x10000;

const NLA_F_NESTED = 0x8000;

export const IFLA = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  PROTINFO: 12,
  OPERSTATE: 16,
  LINKINFO: 18,
  NET_NS_FD: 28,
  AF_SPEC: 26,
  LINK_NETNSID: 37,
} as const;
const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
const VETH_INFO_PEER = 1;
const IFLA_BR_VLAN_FILTERING = 7;
const IFLA_BRPORT_MODE = 4; // hairpin

export const IFA = { ADDRESS: 1, LOCAL: 2, BROADCAST: 4, FLAGS: 8 } as const;
export const IFA_F_NODAD = 0x02;
export const IFA_F_PERMANENT = 0x80;

export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, METRICS: 8, MULTIPATH: 9, TABLE: 15 } as const;
const RTAX_MTU = 2;
const RTAX_ADVMSS = 8;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RTN_UNICAST = 1;

/** One attribute to encode: a type and either bytes or nested attributes. */
export interface Attr {
  type: number;
  value: Buffer | Attr[];
}

const align4 = (n: number) => (n + 3) & ~3;

/** One netlink message of any protocol: the 16-byte header (length, type, flags, seq, pid 0), then `payload`. */
export function nlmsg(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + payload.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt32LE(seq, 8);
  return Buffer.concat([header, payload]);
}

export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const nested = Array.isArray(a.value);
    const payload = nested ? encodeAttrs(a.value as Attr[]) : (a.value as Buffer);
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + payload.length, 0);
    head.writeUInt16LE(a.type | (nested ? NLA_F_NESTED : 0), 2);
    parts.push(head, payload, Buffer.alloc(align4(payload.length) - payload.length));
  }
  return Buffer.concat(parts);
}

/** Decodes a run of attributes into a map type → payload (the last one wins). */
export function decodeAttrs(buf: Buffer, offset = 0): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = offset;
  while (at + 4 <= buf.length) {
    const len = buf.readUInt16LE(at);
    const type = buf.readUInt16LE(at + 2) & 0x3fff;
    if (len < 4 || at + len > buf.length) break;
    out.set(type, buf.subarray(at + 4, at + len));
    at += align4(len);
  }
  return out;
}

export const str = (s: string) => Buffer.from(`${s}\0`);
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
export const u8 = (n: number) => Buffer.from([n]);
export const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

/** struct ifinfomsg (16 bytes). */
export function ifinfomsg(o: { family?: number; index?: number; flags?: number; change?: number }): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(o.family ?? AF_UNSPEC, 0);
  b.writeInt32LE(o.index ?? 0, 4);
  b.writeUInt32LE((o.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((o.change ?? 0) >>> 0, 12);
  return b;
}

/** struct ifaddrmsg (8 bytes). */
export function ifaddrmsg(o: { family: number; prefixLength: number; flags?: number; scope?: number; index: number }): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(o.family, 0);
  b.writeUInt8(o.prefixLength, 1);
  b.writeUInt8((o.flags ?? 0) & 0xff, 2);
  b.writeUInt8(o.scope ?? 0, 3);
  b.writeUInt32LE(o.index, 4);
  return b;
}

/** struct rtmsg (12 bytes). */
export function rtmsg(o: { family: number; dstLength: number; table?: number; protocol?: number; scope?: number; type?: number }): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(o.family, 0);
  b.writeUInt8(o.dstLength, 1);
  b.writeUInt8(Math.min(o.table ?? RT_TABLE_MAIN, 255), 4);
  b.writeUInt8(o.protocol ?? RTPROT_BOOT, 5);
  b.writeUInt8(o.scope ?? RT_SCOPE_UNIVERSE, 6);
  b.writeUInt8(o.type ?? RTN_UNICAST, 7);
  return b;
}

export function macToBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function bytesToMac(b: Buffer | undefined): string {
  if (!b) return '';
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Packs an IPv4 or IPv6 address text into its network-order bytes. */
export function ipToBytes(ip: string): Buffer {
  if (!ip.includes(':')) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  let h = parse(head),
    t = parse(ip.includes('::') ? tail : '');
  if (!ip.includes('::')) {
    h = parse(ip);
    t = [];
  }
  // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two groups.
  const expand = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a, b, c, d] = g.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  h = expand(h);
  t = expand(t);
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

export function bytesToIp(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  return formatIPv6Groups(groups);
}

export const familyOf = (ip: string) => (ip.includes(':') ? AF_INET6 : AF_INET);

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

/** IFLA_LINKINFO for a new bridge; VLAN filtering on when asked. */
export function bridgeLinkInfo(vlanFiltering: boolean): Attr {
  const data: Attr[] = vlanFiltering ? [{ type: IFLA_BR_VLAN_FILTERING, value: u8(1) }] : [];
  return {
    type: IFLA.LINKINFO,
    value: [{ type: IFLA_INFO.KIND, value: str('bridge') }, ...(data.length ? [{ type: IFLA_INFO.DATA, value: data }] : [])],
  };
}

/** IFLA_LINKINFO for a veth whose peer is `peerName`, created straight inside the netns open at `peerNetnsFd`. */
export function vethLinkInfo(peer: { name: string; netnsFd?: number; mac?: string; mtu?: number }): Attr {
  const peerAttrs: Attr[] = [{ type: IFLA.IFNAME, value: str(peer.name) }];
  if (peer.netnsFd !== undefined) peerAttrs.push({ type: IFLA.NET_NS_FD, value: u32(peer.netnsFd) });
  if (peer.mac) peerAttrs.push({ type: IFLA.ADDRESS, value: macToBytes(peer.mac) });
  if (peer.mtu) peerAttrs.push({ type: IFLA.MTU, value: u32(peer.mtu) });
  // VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's attributes.
  const peerPayload = Buffer.concat([ifinfomsg({}), encodeAttrs(peerAttrs)]);
  return {
    type: IFLA.LINKINFO,
    value: [
      { type: IFLA_INFO.KIND, value: str('veth') },
      { type: IFLA_INFO.DATA, value: [{ type: VETH_INFO_PEER, value: peerPayload }] },
    ],
  };
}

const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;

/** IFLA_AF_SPEC for AF_INET6: the link makes no IPv6 link-local address (`ip link set X addrgenmode none`). */
export function inet6NoLinkLocal(): Attr {
  return {
    type: IFLA.AF_SPEC,
    value: [{ type: AF_INET6, value: [{ type: IFLA_INET6_ADDR_GEN_MODE, value: u8(IN6_ADDR_GEN_MODE_NONE) }] }],
  };
}

const IFLA_INET_CONF = 1;
/** Indexes into an interface's IPv4 settings (ipv4_devconf, <linux/ip.h>). */
export const IPV4_DEVCONF = { ARP_NOTIFY: 22, ROUTE_LOCALNET: 26 } as const;

/**
 * IFLA_AF_SPEC for AF_INET: sets the interface's IPv4 settings (net.ipv4.conf.<if>.*), each a u32,
 * as a write under /proc/sys would.
 */
export function inet4Conf(values: ReadonlyArray<readonly [index: number, value: number]>): Attr {
  return {
    type: IFLA.AF_SPEC,
    value: [{ type: AF_INET, value: [{ type: IFLA_INET_CONF, value: values.map(([type, v]) => ({ type, value: u32(v) })) }] }],
  };
}

const IFLA_BRIDGE_VLAN_INFO = 2;
export const BRIDGE_VLAN_INFO_PVID = 0x2;
export const BRIDGE_VLAN_INFO_UNTAGGED = 0x4;

/** IFLA_AF_SPEC with one struct bridge_vlan_info {u16 flags; u16 vid} (sent with family AF_BRIDGE). */
export function bridgeVlanInfo(vid: number, flags: number): Attr {
  const info = Buffer.alloc(4);
  info.writeUInt16LE(flags, 0);
  info.writeUInt16LE(vid, 2);
  return { type: IFLA.AF_SPEC, value: [{ type: IFLA_BRIDGE_VLAN_INFO, value: info }] };
}

/** IFLA_PROTINFO for a bridge port (sent with family AF_BRIDGE): hairpin mode. */
export function bridgePortHairpin(on: boolean): Attr {
  return { type: IFLA.PROTINFO, value: [{ type: IFLA_BRPORT_MODE, value: u8(on ? 1 : 0) }] };
}

export function metricsAttr(o: { mtu?: number; advmss?: number }): Attr | undefined {
  const m: Attr[] = [];
  if (o.mtu) m.push({ type: RTAX_MTU, value: u32(o.mtu) });
  if (o.advmss) m.push({ type: RTAX_ADVMSS, value: u32(o.advmss) });
  return m.length ? { type: RTA.METRICS, value: m } : undefined;
}

/** The IPv4 broadcast address of a CIDR; undefined for /31, /32 and IPv6. */
export function broadcastOf(ip: string, prefixLength: number): string | undefined {
  if (ip.includes(':') || prefixLength >= 31) return undefined;
  const n = ipToBytes(ip).readUInt32BE(0);
  const mask = prefixLength === 0 ? 0 : (~0 << (32 - prefixLength)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(((n & mask) | (~mask >>> 0)) >>> 0);
  return bytesToIp(b);
}
