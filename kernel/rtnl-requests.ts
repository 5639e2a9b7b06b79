/**
 * The payloads of the rtnetlink requests Netlink sends (rtnetlink(7), linux/if_link.h): link, address
 * and route messages and their nested attributes. Pure: values in, buffers out.
 */
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  NETCONFA,
  IFA,
  IFA_F_NODAD,
  IFA_F_PERMANENT,
  IFF_PROMISC,
  IFF_UP,
  IFLA,
  IFLA_BR_VLAN_FILTERING,
  IFLA_INFO,
  RTA,
  RTAX_ADVMSS,
  RTAX_MTU,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  bytesToIp,
  encodeAttrs,
  familyOf,
  ifaddrmsg,
  ifinfomsg,
  ipToBytes,
  macToBytes,
  rtmsg,
  str,
  u32,
  u8,
  type Attr,
} from './rtnl-codec.js';

const VETH_INFO_PEER = 1;
const NETCONFA_IFINDEX_ALL = -1;
const IFLA_BRPORT_MODE = 4; // hairpin

export interface RouteSpec {
  /** CIDR; "0.0.0.0/0" or "::/0" for default. */
  dst: string;
  gw?: string;
  /** Output interface index. */
  index: number;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface LinkChange {
  up?: boolean;
  promisc?: boolean;
  mtu?: number;
  mac?: string;
  /** Index of the bridge to enslave to; 0 releases. */
  master?: number;
  name?: string;
}

/** An ifinfomsg naming the link `name`: the payload of a lookup or a delete by name. */
export const linkByNameMessage = (name: string) => Buffer.concat([ifinfomsg({}), encodeAttrs([{ type: IFLA.IFNAME, value: str(name) }])]);

/** RTM_NEWLINK for a bridge; the MAC is pinned when given. */
export function bridgeMessage(name: string, opts: { mtu?: number; mac?: string; vlanFiltering?: boolean }): Buffer {
  const attrs: Attr[] = [{ type: IFLA.IFNAME, value: str(name) }, bridgeLinkInfo(opts.vlanFiltering ?? false)];
  if (opts.mtu) attrs.push({ type: IFLA.MTU, value: u32(opts.mtu) });
  if (opts.mac) attrs.push({ type: IFLA.ADDRESS, value: macToBytes(opts.mac) });
  return Buffer.concat([ifinfomsg({}), encodeAttrs(attrs)]);
}

/** RTM_NEWLINK for a veth pair whose peer is made in the netns open at `peer.netnsFd`. */
export function vethMessage(
  name: string,
  peer: { name: string; netnsFd?: number; mac?: string; mtu?: number },
  opts: { mtu?: number; mac?: string; master?: number; up?: boolean },
): Buffer {
  const attrs: Attr[] = [{ type: IFLA.IFNAME, value: str(name) }, vethLinkInfo({ ...peer, mtu: peer.mtu ?? opts.mtu })];
  if (opts.mtu) attrs.push({ type: IFLA.MTU, value: u32(opts.mtu) });
  if (opts.mac) attrs.push({ type: IFLA.ADDRESS, value: macToBytes(opts.mac) });
  if (opts.master !== undefined) attrs.push({ type: IFLA.MASTER, value: u32(opts.master) });
  const header = opts.up ? ifinfomsg({ flags: IFF_UP, change: IFF_UP }) : ifinfomsg({});
  return Buffer.concat([header, encodeAttrs(attrs)]);
}

/** RTM_NEWLINK changing an existing link: only the flags and attributes `change` names. */
export function linkChangeMessage(index: number, change: LinkChange): Buffer {
  let flags = 0,
    mask = 0;
  if (change.up !== undefined) {
    mask |= IFF_UP;
    if (change.up) flags |= IFF_UP;
  }
  if (change.promisc !== undefined) {
    mask |= IFF_PROMISC;
    if (change.promisc) flags |= IFF_PROMISC;
  }
  const attrs: Attr[] = [];
  if (change.mtu !== undefined) attrs.push({ type: IFLA.MTU, value: u32(change.mtu) });
  if (change.mac !== undefined) attrs.push({ type: IFLA.ADDRESS, value: macToBytes(change.mac) });
  if (change.master !== undefined) attrs.push({ type: IFLA.MASTER, value: u32(change.master) });
  if (change.name !== undefined) attrs.push({ type: IFLA.IFNAME, value: str(change.name) });
  return Buffer.concat([ifinfomsg({ index, flags, change: mask }), encodeAttrs(attrs)]);
}

/** RTM_NEWADDR for `cidr` (e.g. "192.0.2.5/24") on a link, with its IPv4 broadcast address. */
export function addAddrMessage(index: number, cidr: string, opts: { noDad?: boolean }): Buffer {
  const [ip, len] = cidr.split('/');
  const prefixLength = Number(len);
  const flags = IFA_F_PERMANENT | (opts.noDad ? IFA_F_NODAD : 0);
  const bytes = ipToBytes(ip);
  const attrs: Attr[] = [
    { type: IFA.LOCAL, value: bytes },
    { type: IFA.ADDRESS, value: bytes },
  ];
  const brd = broadcastBytes(bytes, prefixLength);
  if (brd) attrs.push({ type: IFA.BROADCAST, value: brd });
  attrs.push({ type: IFA.FLAGS, value: u32(flags) });
  return Buffer.concat([ifaddrmsg({ family: familyOf(ip), prefixLength, flags, index }), encodeAttrs(attrs)]);
}

/** RTM_DELADDR for `cidr` on a link. */
export function deleteAddrMessage(index: number, cidr: string): Buffer {
  const [ip, len] = cidr.split('/');
  const header = ifaddrmsg({ family: familyOf(ip), prefixLength: Number(len), index });
  return Buffer.concat([header, encodeAttrs([{ type: IFA.LOCAL, value: ipToBytes(ip) }])]);
}

/** RTM_NEWROUTE or RTM_DELROUTE payload; the scope is link for a route without a gateway. */
export function routeMessage(r: RouteSpec): Buffer {
  const [dst, len] = r.dst.split('/');
  const family = familyOf(dst);
  const dstLength = Number(len);
  const attrs: Attr[] = [];
  if (dstLength > 0) attrs.push({ type: RTA.DST, value: ipToBytes(dst) });
  if (r.gw) attrs.push({ type: RTA.GATEWAY, value: ipToBytes(r.gw) });
  attrs.push({ type: RTA.OIF, value: u32(r.index) });
  if (r.priority !== undefined) attrs.push({ type: RTA.PRIORITY, value: u32(r.priority) });
  const table = r.table ?? RT_TABLE_MAIN;
  if (table > 255) attrs.push({ type: RTA.TABLE, value: u32(table) });
  const metrics = metricsAttr(r);
  if (metrics) attrs.push(metrics);
  const scope = r.scope ?? (r.gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  return Buffer.concat([rtmsg({ family, dstLength, table, scope }), encodeAttrs(attrs)]);
}

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

/** IFLA_AF_SPEC for AF_INET: the interface's IPv4 settings (net.ipv4.conf.<if>.*), each a u32. */
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
  const b = broadcastBytes(ipToBytes(ip), prefixLength);
  return b && bytesToIp(b);
}

/** broadcastOf() on the address's bytes: undefined for /31, /32 and IPv6 (16 bytes). */
function broadcastBytes(ip: Buffer, prefixLength: number): Buffer | undefined {
  if (ip.length !== 4 || prefixLength >= 31) return undefined;
  const mask = prefixLength === 0 ? 0 : (~0 << (32 - prefixLength)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(((ip.readUInt32BE(0) & mask) | (~mask >>> 0)) >>> 0);
  return b;
}

/** RTM_SETLINK: the link makes no IPv6 link-local address. */
export const noLinkLocalMessage = (index: number) => Buffer.concat([ifinfomsg({ index }), encodeAttrs([inet6NoLinkLocal()])]);

/** RTM_SETLINK: IPv4 settings of a link. */
export const ipv4ConfMessage = (index: number, values: ReadonlyArray<readonly [number, number]>) =>
  Buffer.concat([ifinfomsg({ index }), encodeAttrs([inet4Conf(values)])]);

/** RTM_SETLINK (AF_BRIDGE): hairpin mode of a bridge port. */
export const hairpinMessage = (index: number, on: boolean) =>
  Buffer.concat([ifinfomsg({ family: AF_BRIDGE, index }), encodeAttrs([bridgePortHairpin(on)])]);

/** RTM_SETLINK (AF_BRIDGE): `vid` becomes a VLAN of a bridge port, its PVID and untagged when asked. */
export function bridgeVlanMessage(index: number, vid: number, opts: { pvid?: boolean; untagged?: boolean }): Buffer {
  const flags = (opts.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (opts.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
  return Buffer.concat([ifinfomsg({ family: AF_BRIDGE, index }), encodeAttrs([bridgeVlanInfo(vid, flags)])]);
}

/** RTM_GETNETCONF of one family for all interfaces (NETCONFA_IFINDEX_ALL). */
export function netconfAllMessage(family: 4 | 6): Buffer {
  const msg = Buffer.alloc(4); // struct netconfmsg { u8 ncm_family } padded to 4
  msg.writeUInt8(family === 4 ? AF_INET : AF_INET6, 0);
  const index = Buffer.alloc(4);
  index.writeInt32LE(NETCONFA_IFINDEX_ALL, 0);
  return Buffer.concat([msg, encodeAttrs([{ type: NETCONFA.IFINDEX, value: index }])]);
}
