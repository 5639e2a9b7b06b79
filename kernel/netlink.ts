/**
 * rtnetlink on a socket bound to one network namespace: links, addresses, routes.
 * Only this file (and rtnl-codec.ts) knows the wire format; callers get small typed methods.
 */
import { accessSync, closeSync, constants as fsConstants } from 'node:fs';
import { KernelError, isNotFound } from './errors.js';
import { childEnded, netlinkExchange, openNetlinkSocket, socketCalls, spawnDetached } from './libc.js';
import { inNetnsSync, openNetnsFd } from './netns.js';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  decodeAttrs,
  nlmsg,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_UNTAGGED,
  bridgeVlanInfo,
  AF_UNSPEC,
  IFA,
  IFA_F_NODAD,
  IFA_F_PERMANENT,
  IFF_PROMISC,
  IFF_UP,
  IFLA,
  NLM_F,
  RTA,
  RTM,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  bridgeLinkInfo,
  bridgePortHairpin,
  broadcastOf,
  decodeAddr,
  decodeLink,
  decodeRoute,
  encodeAttrs,
  familyOf,
  ifaddrmsg,
  ifinfomsg,
  ipToBytes,
  macToBytes,
  metricsAttr,
  rtmsg,
  str,
  u32,
  vethLinkInfo,
  inet4Conf,
  inet6NoLinkLocal,
  type AddrInfo,
  type Attr,
  type LinkInfo,
  type RouteInfo,
} from './rtnl-codec.js';

export type { AddrInfo, LinkInfo, RouteInfo } from './rtnl-codec.js';
export { inNetnsSync, openNetnsFd } from './netns.js';

const NETLINK_ROUTE = 0;

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

const deleteLinkPayload = (name: string) => Buffer.concat([ifinfomsg({}), encodeAttrs([{ type: IFLA.IFNAME, value: str(name) }])]);

/** What the plugins ask of rtnetlink in one namespace: Netlink is the kernel's, test/fakes/netlink.ts records calls. */
export type NetlinkOps = Pick<
  Netlink,
  | 'close'
  | 'forwarding'
  | 'listLinks'
  | 'getLink'
  | 'getLinkByIndex'
  | 'createBridge'
  | 'createVeth'
  | 'deleteLink'
  | 'setLink'
  | 'setNoLinkLocal'
  | 'setIpv4Conf'
  | 'setHairpin'
  | 'addBridgeVlan'
  | 'listAddrs'
  | 'addAddr'
  | 'deleteAddr'
  | 'listRoutes'
  | 'addRoute'
  | 'deleteRoute'
>;

/** Where plugins get their NetlinkOps: the caller's namespace, another one, and the detached link delete. */
export interface NetlinkFactory {
  open(): NetlinkOps;
  openIn(netnsPath: string): NetlinkOps;
  deleteLinkDetached(name: string, index: number): Promise<void>;
}

/** The kernel's NetlinkFactory. */
export const kernelNetlink: NetlinkFactory = {
  open: () => Netlink.open(),
  openIn: (path) => Netlink.openIn(path),
  deleteLinkDetached: (name, index) => Netlink.deleteLinkDetached(name, index),
};

/** How long a request waits for its reply before it fails with ETIMEDOUT. */
const REPLY_TIMEOUT_SECONDS = 5;

/**
 * An rtnetlink socket, spoken synchronously through libc (kernel/libc.ts): the kernel handles a
 * request inside the sender's send(), so its reply is already queued when recv() asks for it. The
 * methods stay async, so callers do not depend on the transport.
 */
export class Netlink {
  private seq = 0;
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly where: string,
  ) {
    this.fd = fd;
  }

  /** Opens a socket in the caller's own namespace. */
  static open(): Netlink {
    return new Netlink(openNetlinkSocket(NETLINK_ROUTE, 'rtnetlink', REPLY_TIMEOUT_SECONDS), 'host');
  }

  /**
   * Opens a socket inside the netns at `path`. The main thread enters the namespace only for the
   * socket() call and returns at once: a netlink socket stays bound to the namespace it was made
   * in, and libuv's worker threads never follow a setns (STYLE.md §5, CNI pkg/ns/README.md).
   */
  static openIn(path: string): Netlink {
    return inNetnsSync(path, () => new Netlink(openNetlinkSocket(NETLINK_ROUTE, 'rtnetlink', REPLY_TIMEOUT_SECONDS), path));
  }

  close(): void {
    if (this.fd !== undefined) socketCalls().close(this.fd);
    this.fd = undefined;
  }

  /**
   * Sends one request (with NLM_F_ACK) and returns the payloads of its replies, up to its ACK or,
   * for a dump, its NLMSG_DONE; throws KernelError on NLMSG_ERROR.
   */
  private async request(type: number, payload: Buffer, flags: number, op: string, target: string): Promise<Buffer[]> {
    if (this.fd === undefined) throw new KernelError(op, target, 'EBADF');
    const seq = ++this.seq;
    return netlinkExchange(this.fd, nlmsg(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq, payload), seq, op, target);
  }

  /**
   * Whether forwarding is on for a whole family in this namespace (net.ipv4.ip_forward,
   * net.ipv6.conf.all.forwarding), asked over rtnetlink (RTM_GETNETCONF for all interfaces): one
   * round trip on a socket the caller has open.
   */
  async forwarding(family: 4 | 6): Promise<boolean> {
    const NETCONFA_IFINDEX = 1,
      NETCONFA_FORWARDING = 2,
      NETCONFA_IFINDEX_ALL = -1;
    const msg = Buffer.alloc(4); // struct netconfmsg { u8 ncm_family } padded to 4
    msg.writeUInt8(family === 4 ? AF_INET : AF_INET6, 0);
    const index = Buffer.alloc(4);
    index.writeInt32LE(NETCONFA_IFINDEX_ALL, 0);
    const [reply] = await this.request(
      RTM.GETNETCONF,
      Buffer.concat([msg, encodeAttrs([{ type: NETCONFA_IFINDEX, value: index }])]),
      0,
      'read forwarding of',
      this.where,
    );
    const value = reply ? decodeAttrs(reply, 4).get(NETCONFA_FORWARDING) : undefined;
    if (!value) throw new KernelError('read forwarding of', this.where, 'EPROTO');
    return value.readInt32LE(0) !== 0;
  }

  // ---- links -------------------------------------------------------------------------------

  async listLinks(): Promise<LinkInfo[]> {
    const replies = await this.request(RTM.GETLINK, ifinfomsg({}), NLM_F.DUMP, 'list links in', this.where);
    return replies.map(decodeLink);
  }

  /** The link named `name`, or undefined. A lookup by name, not a dump: O(1) in the number of links. */
  async getLink(name: string): Promise<LinkInfo | undefined> {
    try {
      const [reply] = await this.request(
        RTM.GETLINK,
        Buffer.concat([ifinfomsg({}), encodeAttrs([{ type: IFLA.IFNAME, value: str(name) }])]),
        0,
        'get link',
        name,
      );
      return reply ? decodeLink(reply) : undefined;
    } catch (err) {
      if (err instanceof KernelError && err.errno === 'ENODEV') return undefined;
      throw err;
    }
  }

  async getLinkByIndex(index: number): Promise<LinkInfo | undefined> {
    try {
      const [reply] = await this.request(RTM.GETLINK, ifinfomsg({ index }), 0, 'get link', `#${index}`);
      return reply ? decodeLink(reply) : undefined;
    } catch (err) {
      if (err instanceof KernelError && err.errno === 'ENODEV') return undefined;
      throw err;
    }
  }

  /** Creates a bridge; EEXIST when a link of that name exists. The MAC is pinned when given. */
  async createBridge(name: string, opts: { mtu?: number; mac?: string; vlanFiltering?: boolean } = {}): Promise<void> {
    const attrs: Attr[] = [{ type: IFLA.IFNAME, value: str(name) }, bridgeLinkInfo(opts.vlanFiltering ?? false)];
    if (opts.mtu) attrs.push({ type: IFLA.MTU, value: u32(opts.mtu) });
    if (opts.mac) attrs.push({ type: IFLA.ADDRESS, value: macToBytes(opts.mac) });
    await this.request(RTM.NEWLINK, Buffer.concat([ifinfomsg({}), encodeAttrs(attrs)]), NLM_F.CREATE | NLM_F.EXCL, 'create bridge', name);
  }

  /**
   * Creates a veth pair: `name` here, its peer `peer.name` created straight inside the netns at
   * `peer.netnsPath` (IFLA_NET_NS_FD), so the peer never appears in this namespace.
   */
  /**
   * Creates a veth pair in one request, the peer straight in `peer.netnsPath`. `master` and `up`
   * apply to `name` in the same request: a pair is never seen (nor left by a killed caller)
   * half-configured, without its bridge.
   */
  async createVeth(
    name: string,
    peer: { name: string; netnsPath?: string; mac?: string; mtu?: number },
    opts: { mtu?: number; mac?: string; master?: number; up?: boolean } = {},
  ): Promise<void> {
    const fd = peer.netnsPath ? openNetnsFd(peer.netnsPath) : undefined;
    try {
      const attrs: Attr[] = [
        { type: IFLA.IFNAME, value: str(name) },
        vethLinkInfo({ name: peer.name, netnsFd: fd, mac: peer.mac, mtu: peer.mtu ?? opts.mtu }),
      ];
      if (opts.mtu) attrs.push({ type: IFLA.MTU, value: u32(opts.mtu) });
      if (opts.mac) attrs.push({ type: IFLA.ADDRESS, value: macToBytes(opts.mac) });
      if (opts.master !== undefined) attrs.push({ type: IFLA.MASTER, value: u32(opts.master) });
      const header = opts.up ? ifinfomsg({ flags: IFF_UP, change: IFF_UP }) : ifinfomsg({});
      await this.request(
        RTM.NEWLINK,
        Buffer.concat([header, encodeAttrs(attrs)]),
        NLM_F.CREATE | NLM_F.EXCL,
        'create veth pair',
        `${name}/${peer.name}`,
      );
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  async deleteLink(name: string): Promise<void> {
    await this.request(RTM.DELLINK, deleteLinkPayload(name), 0, 'delete link', name);
  }

  /**
   * Deletes the link `name` (index `index`) of the caller's own namespace, and settles as soon as
   * the link is gone from the namespace, before the kernel is done with it.
   *
   * Why: deleting a link ends with an rcu_barrier() in the task that asked (netdev_run_todo), and a
   * process cannot end while one of its threads waits there. Instead, iproute2's `ip link delete`,
   * started detached (spawnDetached), takes that wait, and this process watches the index vanish
   * from the namespace (docs/internals/speed.md). The kernel unlists the link before it waits, so a caller that goes on at once
   * finds the name free and the link gone from every listing.
   *
   * Without an `ip` program, when `ip` ends with the link still there, or when the link is still
   * there after `timeoutMs`, it deletes the link itself, and waits.
   */
  static async deleteLinkDetached(name: string, index: number, opts: { ip?: string | null; timeoutMs?: number } = {}): Promise<void> {
    const ip = opts.ip === undefined ? ipProgram() : opts.ip;
    // Made now, so it is bound to the caller's namespace, as the child is: after an await, the main
    // thread may be elsewhere.
    const own = Netlink.open();
    const stillThere = async () => (await own.getLinkByIndex(index))?.name === name;
    try {
      let child: number | undefined;
      if (ip) {
        try {
          child = spawnDetached(ip, ['ip', 'link', 'delete', 'dev', name]);
        } catch {
          // deleted here below
        }
      }
      // ip ends only after the kernel's wait, long after the link is gone: one that ended with
      // the link still there failed (an ip without `link delete`, say), and is not waited for.
      for (const deadline = Date.now() + (opts.timeoutMs ?? 2000); child !== undefined && Date.now() < deadline;) {
        if (!(await stillThere())) return;
        if (childEnded(child)) break;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      if (await stillThere()) await own.deleteLink(name);
    } catch (err) {
      if (!isNotFound(err)) throw err; // deleted by ip meanwhile
    } finally {
      own.close();
    }
  }

  async setLink(index: number, change: LinkChange, what = `#${index}`): Promise<void> {
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
    await this.request(RTM.NEWLINK, Buffer.concat([ifinfomsg({ index, flags, change: mask }), encodeAttrs(attrs)]), 0, 'set link', what);
  }

  /**
   * Keeps the link from making an IPv6 link-local address (as `ip link set X addrgenmode none`);
   * it must come before the link has carrier, when the kernel would make one.
   * @throws {KernelError} EAFNOSUPPORT on a kernel without IPv6
   */
  async setNoLinkLocal(index: number, what = `#${index}`): Promise<void> {
    await this.request(
      RTM.SETLINK,
      Buffer.concat([ifinfomsg({ index }), encodeAttrs([inet6NoLinkLocal()])]),
      0,
      'turn off the IPv6 link-local address of',
      what,
    );
  }

  /**
   * Sets IPv4 settings of a link (net.ipv4.conf.<link>.*) over rtnetlink. Not through /proc/sys:
   * every network namespace has its own /proc/sys/net dentries under the same parents, so a path
   * lookup there walks one dentry per namespace that ever used it (proc_sys_compare), which grows
   * with the containers.
   */
  async setIpv4Conf(index: number, values: ReadonlyArray<readonly [devconf: number, value: number]>, what = `#${index}`): Promise<void> {
    await this.request(
      RTM.SETLINK,
      Buffer.concat([ifinfomsg({ index }), encodeAttrs([inet4Conf(values)])]),
      0,
      'set IPv4 settings of',
      what,
    );
  }

  /** Turns hairpin mode of a bridge port on or off (as `bridge link set dev X hairpin on`). */
  async setHairpin(index: number, on: boolean, what = `#${index}`): Promise<void> {
    await this.request(
      RTM.SETLINK,
      Buffer.concat([ifinfomsg({ family: AF_BRIDGE, index }), encodeAttrs([bridgePortHairpin(on)])]),
      0,
      'set hairpin on',
      what,
    );
  }

  /** Makes `vid` a VLAN of a bridge port (as `bridge vlan add vid V [pvid] [untagged] dev X`). */
  async addBridgeVlan(index: number, vid: number, opts: { pvid?: boolean; untagged?: boolean } = {}, what = `#${index}`): Promise<void> {
    const flags = (opts.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (opts.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
    await this.request(
      RTM.SETLINK,
      Buffer.concat([ifinfomsg({ family: AF_BRIDGE, index }), encodeAttrs([bridgeVlanInfo(vid, flags)])]),
      0,
      `add VLAN ${vid} to`,
      what,
    );
  }

  // ---- addresses ---------------------------------------------------------------------------

  /** Addresses of one link (or all links), both families. */
  async listAddrs(index?: number): Promise<AddrInfo[]> {
    const replies = await this.request(
      RTM.GETADDR,
      ifaddrmsg({ family: AF_UNSPEC, prefixLength: 0, index: 0 }),
      NLM_F.DUMP,
      'list addresses in',
      this.where,
    );
    const all = replies.map(decodeAddr);
    return index === undefined ? all : all.filter((a) => a.index === index);
  }

  /** Adds `cidr` (e.g. "192.0.2.5/24") to a link; `noDad` skips IPv6 duplicate address detection. */
  async addAddr(index: number, cidr: string, opts: { noDad?: boolean; replace?: boolean } = {}): Promise<void> {
    const [ip, len] = cidr.split('/');
    const prefixLength = Number(len);
    const family = familyOf(ip);
    const flags = IFA_F_PERMANENT | (opts.noDad ? IFA_F_NODAD : 0);
    const attrs: Attr[] = [
      { type: IFA.LOCAL, value: ipToBytes(ip) },
      { type: IFA.ADDRESS, value: ipToBytes(ip) },
    ];
    const brd = broadcastOf(ip, prefixLength);
    if (brd) attrs.push({ type: IFA.BROADCAST, value: ipToBytes(brd) });
    attrs.push({ type: IFA.FLAGS, value: u32(flags) });
    const nlFlags = NLM_F.CREATE | (opts.replace ? NLM_F.REPLACE : NLM_F.EXCL);
    await this.request(
      RTM.NEWADDR,
      Buffer.concat([ifaddrmsg({ family, prefixLength, flags, index }), encodeAttrs(attrs)]),
      nlFlags,
      'add address',
      `${cidr} on #${index}`,
    );
  }

  async deleteAddr(index: number, cidr: string): Promise<void> {
    const [ip, len] = cidr.split('/');
    const family = familyOf(ip);
    await this.request(
      RTM.DELADDR,
      Buffer.concat([ifaddrmsg({ family, prefixLength: Number(len), index }), encodeAttrs([{ type: IFA.LOCAL, value: ipToBytes(ip) }])]),
      0,
      'delete address',
      `${cidr} on #${index}`,
    );
  }

  // ---- routes ------------------------------------------------------------------------------

  async listRoutes(family?: 4 | 6): Promise<RouteInfo[]> {
    const replies = await this.request(
      RTM.GETROUTE,
      rtmsg({ family: family === 6 ? 10 : family === 4 ? AF_INET : AF_UNSPEC, dstLength: 0, table: 0, protocol: 0, type: 0 }),
      NLM_F.DUMP,
      'list routes in',
      this.where,
    );
    return replies.map(decodeRoute);
  }

  private routeMessage(r: RouteSpec): Buffer {
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

  /**
   * Adds a route; EEXIST only if an identical one exists. NLM_F_APPEND (as `ip route append` and the
   * reference's RouteAddEcmp): a second default route through another interface is added, not refused.
   */
  async addRoute(r: RouteSpec): Promise<void> {
    await this.request(
      RTM.NEWROUTE,
      this.routeMessage(r),
      NLM_F.CREATE | NLM_F.APPEND,
      'add route',
      `${r.dst}${r.gw ? ` via ${r.gw}` : ''}`,
    );
  }

  async deleteRoute(r: RouteSpec): Promise<void> {
    await this.request(RTM.DELROUTE, this.routeMessage(r), 0, 'delete route', `${r.dst}${r.gw ? ` via ${r.gw}` : ''}`);
  }
}

/** Where iproute2's `ip` lives on the distributions Berth meets (never looked up in PATH: this runs as root). */
const IP_PROGRAMS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
let ipFound: string | null | undefined;

/** The first executable of IP_PROGRAMS, or null when there is none. */
export function ipProgram(): string | null {
  if (ipFound !== undefined) return ipFound;
  ipFound =
    IP_PROGRAMS.find((path) => {
      try {
        accessSync(path, fsConstants.X_OK);
        return true;
      } catch {
        return false;
      }
    }) ?? null;
  return ipFound;
}
