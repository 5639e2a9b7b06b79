/**
 * The framing and constants of the rtnetlink messages Berth uses (rtnetlink(7), linux/if_link.h,
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
  ECHO: 0x8,
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
export const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
export const IFLA_BR_VLAN_FILTERING = 7;

/** Attributes of RTM_GETNETCONF (linux/netconf.h). */
export const NETCONFA = { IFINDEX: 1, FORWARDING: 2 } as const;

export const IFA = { ADDRESS: 1, LOCAL: 2, BROADCAST: 4, FLAGS: 8 } as const;
export const IFA_F_NODAD = 0x02;
export const IFA_F_PERMANENT = 0x80;

export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, METRICS: 8, MULTIPATH: 9, TABLE: 15 } as const;
export const RTAX_MTU = 2;
export const RTAX_ADVMSS = 8;
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

export const align4 = (n: number) => (n + 3) & ~3;

/** One netlink message of any protocol: the 16-byte header (length, type, flags, seq, pid 0), then `payload`. */
export function nlmsg(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const message = Buffer.alloc(16 + payload.length);
  message.writeUInt32LE(16 + payload.length, 0);
  message.writeUInt16LE(type, 4);
  message.writeUInt16LE(flags, 6);
  message.writeUInt32LE(seq, 8);
  payload.copy(message, 16);
  return message;
}

/** Attributes (nested ones with NLA_F_NESTED), each padded to 4 bytes: one buffer, written in place. */
export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const out = Buffer.alloc(encodedLength(attrs));
  writeAttrs(attrs, out, 0);
  return out;
}

function encodedLength(attrs: readonly Attr[]): number {
  let length = 0;
  for (const a of attrs) length += 4 + (Array.isArray(a.value) ? encodedLength(a.value as Attr[]) : align4((a.value as Buffer).length));
  return length;
}

/** Writes `attrs` into `out` from `at` (zeroed, so padding is zeros); returns where they end. */
function writeAttrs(attrs: readonly Attr[], out: Buffer, at: number): number {
  for (const a of attrs) {
    const start = at;
    if (Array.isArray(a.value)) {
      at = writeAttrs(a.value as Attr[], out, start + 4);
      out.writeUInt16LE(at - start, start);
      out.writeUInt16LE(a.type | NLA_F_NESTED, start + 2);
    } else {
      const value = a.value as Buffer;
      value.copy(out, start + 4);
      out.writeUInt16LE(4 + value.length, start);
      out.writeUInt16LE(a.type, start + 2);
      at = start + 4 + align4(value.length);
    }
  }
  return at;
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

/** "aa:bb:..." of the bytes of `b` from `start` to `end` (all of it by default). */
export function bytesToMac(b: Buffer | undefined, start = 0, end = b?.length ?? 0): string {
  let mac = '';
  for (let i = start; i < end; i++) {
    const x = b![i];
    mac += (i > start ? (x < 16 ? ':0' : ':') : x < 16 ? '0' : '') + x.toString(16);
  }
  return mac;
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
