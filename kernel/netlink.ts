/**
 * rtnetlink on a socket bound to one network namespace: links, addresses, routes.
 * Only kernel/ knows the wire format (rtnl-codec.ts, rtnl-requests.ts, rtnl-decode.ts); callers get
 * small typed methods.
 */
import { closeSync } from 'node:fs';
import { KernelError } from './errors.js';
import { socketCalls } from './libc.js';
import { netlinkExchange, openNetlinkSocket } from './netlink-socket.js';
import { deleteLinkDetached, type DetachedDeleteOptions } from './link-delete.js';
import { inNetnsSync, openNetnsFd } from './netns.js';
import { AF_INET, AF_UNSPEC, NLM_F, RTM, ifaddrmsg, ifinfomsg, nlmsg, rtmsg } from './rtnl-codec.js';
import { decodeAddr, decodeForwarding, decodeLink, decodeRoute, type AddrInfo, type LinkInfo, type RouteInfo } from './rtnl-decode.js';
import {
  addAddrMessage,
  bridgeMessage,
  bridgeVlanMessage,
  deleteAddrMessage,
  hairpinMessage,
  linkByNameMessage,
  linkChangeMessage,
  netconfAllMessage,
  noLinkLocalMessage,
  ipv4ConfMessage,
  routeMessage,
  vethMessage,
  type LinkChange,
  type RouteSpec,
} from './rtnl-requests.js';

export type { AddrInfo, LinkInfo, RouteInfo } from './rtnl-decode.js';
export type { LinkChange, RouteSpec } from './rtnl-requests.js';
export { inNetnsSync, openNetnsFd } from './netns.js';

const NETLINK_ROUTE = 0;
const ENODEV = 19;
const EEXIST = 17;

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
   * for a dump, its NLMSG_DONE; throws KernelError on NLMSG_ERROR, but for errno `absent`, which
   * returns undefined (netlinkExchange). Synchronous, as the exchange is: each public method is one
   * async frame, not one per layer (cold code pays for each).
   */
  private request(type: number, payload: Buffer, flags: number, op: string, target: string): Buffer[];
  private request(type: number, payload: Buffer, flags: number, op: string, target: string, absent: number): Buffer[] | undefined;
  private request(type: number, payload: Buffer, flags: number, op: string, target: string, absent = 0): Buffer[] | undefined {
    if (this.fd === undefined) throw new KernelError(op, target, 'EBADF');
    const seq = ++this.seq;
    return netlinkExchange(this.fd, nlmsg(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq, payload), seq, op, target, absent);
  }

  /**
   * Whether forwarding is on for a whole family in this namespace (net.ipv4.ip_forward,
   * net.ipv6.conf.all.forwarding), asked over rtnetlink (RTM_GETNETCONF for all interfaces): one
   * round trip on a socket the caller has open.
   */
  async forwarding(family: 4 | 6): Promise<boolean> {
    const [reply] = this.request(RTM.GETNETCONF, netconfAllMessage(family), 0, 'read forwarding of', this.where);
    const value = reply ? decodeForwarding(reply) : undefined;
    if (value === undefined) throw new KernelError('read forwarding of', this.where, 'EPROTO');
    return value;
  }

  // ---- links -------------------------------------------------------------------------------

  async listLinks(): Promise<LinkInfo[]> {
    const replies = this.request(RTM.GETLINK, ifinfomsg({}), NLM_F.DUMP, 'list links in', this.where);
    return replies.map(decodeLink);
  }

  /** The link named `name`, or undefined. A lookup by name, not a dump: O(1) in the number of links. */
  async getLink(name: string): Promise<LinkInfo | undefined> {
    return this.lookUpLink(linkByNameMessage(name), name);
  }

  async getLinkByIndex(index: number): Promise<LinkInfo | undefined> {
    return this.lookUpLink(ifinfomsg({ index }), `#${index}`);
  }

  /** ENODEV (no such link) is an answer here, not an error: every ADD asks for a link that is not there yet. */
  private lookUpLink(payload: Buffer, what: string): LinkInfo | undefined {
    const reply = this.request(RTM.GETLINK, payload, 0, 'get link', what, ENODEV)?.[0];
    return reply ? decodeLink(reply) : undefined;
  }

  /** Creates a bridge; EEXIST when a link of that name exists. The MAC is pinned when given. */
  async createBridge(name: string, opts: { mtu?: number; mac?: string; vlanFiltering?: boolean } = {}): Promise<void> {
    this.request(RTM.NEWLINK, bridgeMessage(name, opts), NLM_F.CREATE | NLM_F.EXCL, 'create bridge', name);
  }

  /**
   * Creates a veth pair in one request, the peer straight in `peer.netnsPath` (IFLA_NET_NS_FD), so
   * it never appears here. `master` and `up` apply to `name` in the same request: a pair is never
   * seen (nor left by a killed caller) half-configured, without its bridge.
   * Returns `name` as the kernel made it (its index, MAC, and peer index in `link`) when the kernel
   * echoes the new link (NLM_F_ECHO, Linux 6.2 on), which saves a lookup; else undefined.
   * `master` is set after the echo, so the echoed link has none.
   */
  async createVeth(
    name: string,
    peer: { name: string; netnsPath?: string; mac?: string; mtu?: number },
    opts: { mtu?: number; mac?: string; master?: number; up?: boolean } = {},
  ): Promise<LinkInfo | undefined> {
    const fd = peer.netnsPath ? openNetnsFd(peer.netnsPath) : undefined;
    try {
      const message = vethMessage(name, { name: peer.name, netnsFd: fd, mac: peer.mac, mtu: peer.mtu }, opts);
      const flags = NLM_F.CREATE | NLM_F.EXCL | NLM_F.ECHO;
      const [echo] = this.request(RTM.NEWLINK, message, flags, 'create veth pair', `${name}/${peer.name}`);
      return echo ? decodeLink(echo) : undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  async deleteLink(name: string): Promise<void> {
    this.request(RTM.DELLINK, linkByNameMessage(name), 0, 'delete link', name);
  }

  /** Deletes a link of the caller's own namespace through a detached `ip` (kernel/link-delete.ts). */
  static async deleteLinkDetached(name: string, index: number, opts: DetachedDeleteOptions = {}): Promise<void> {
    // Opened now, so it is bound to the caller's namespace, as the child is: after an await, the
    // main thread may be elsewhere.
    await deleteLinkDetached(Netlink.open(), name, index, opts);
  }

  async setLink(index: number, change: LinkChange, what = `#${index}`): Promise<void> {
    this.request(RTM.NEWLINK, linkChangeMessage(index, change), 0, 'set link', what);
  }

  /**
   * Keeps the link from making an IPv6 link-local address (as `ip link set X addrgenmode none`);
   * it must come before the link has carrier, when the kernel would make one.
   * @throws {KernelError} EAFNOSUPPORT on a kernel without IPv6
   */
  async setNoLinkLocal(index: number, what = `#${index}`): Promise<void> {
    this.request(RTM.SETLINK, noLinkLocalMessage(index), 0, 'turn off the IPv6 link-local address of', what);
  }

  /**
   * Sets IPv4 settings of a link (net.ipv4.conf.<link>.*) over rtnetlink, not /proc/sys: a lookup
   * there walks one dentry per network namespace that ever used the path (proc_sys_compare).
   */
  async setIpv4Conf(index: number, values: ReadonlyArray<readonly [devconf: number, value: number]>, what = `#${index}`): Promise<void> {
    this.request(RTM.SETLINK, ipv4ConfMessage(index, values), 0, 'set IPv4 settings of', what);
  }

  /** Turns hairpin mode of a bridge port on or off (as `bridge link set dev X hairpin on`). */
  async setHairpin(index: number, on: boolean, what = `#${index}`): Promise<void> {
    this.request(RTM.SETLINK, hairpinMessage(index, on), 0, 'set hairpin on', what);
  }

  /** Makes `vid` a VLAN of a bridge port (as `bridge vlan add vid V [pvid] [untagged] dev X`). */
  async addBridgeVlan(index: number, vid: number, opts: { pvid?: boolean; untagged?: boolean } = {}, what = `#${index}`): Promise<void> {
    this.request(RTM.SETLINK, bridgeVlanMessage(index, vid, opts), 0, `add VLAN ${vid} to`, what);
  }

  // ---- addresses ---------------------------------------------------------------------------

  /** Addresses of one link (or all links), both families. */
  async listAddrs(index?: number): Promise<AddrInfo[]> {
    const replies = this.request(
      RTM.GETADDR,
      ifaddrmsg({ family: AF_UNSPEC, prefixLength: 0, index: 0 }),
      NLM_F.DUMP,
      'list addresses in',
      this.where,
    );
    const all = replies.map(decodeAddr);
    return index === undefined ? all : all.filter((a) => a.index === index);
  }

  /**
   * Adds `cidr` (e.g. "192.0.2.5/24") to a link; `noDad` skips IPv6 duplicate address detection.
   * Resolves true when added; with `ifAbsent`, an address already there is no error and resolves false.
   */
  async addAddr(index: number, cidr: string, opts: { noDad?: boolean; replace?: boolean; ifAbsent?: boolean } = {}): Promise<boolean> {
    const flags = NLM_F.CREATE | (opts.replace ? NLM_F.REPLACE : NLM_F.EXCL);
    const message = addAddrMessage(index, cidr, opts);
    return this.request(RTM.NEWADDR, message, flags, 'add address', `${cidr} on #${index}`, opts.ifAbsent ? EEXIST : 0) !== undefined;
  }

  async deleteAddr(index: number, cidr: string): Promise<void> {
    this.request(RTM.DELADDR, deleteAddrMessage(index, cidr), 0, 'delete address', `${cidr} on #${index}`);
  }

  // ---- routes ------------------------------------------------------------------------------

  async listRoutes(family?: 4 | 6): Promise<RouteInfo[]> {
    const replies = this.request(
      RTM.GETROUTE,
      rtmsg({ family: family === 6 ? 10 : family === 4 ? AF_INET : AF_UNSPEC, dstLength: 0, table: 0, protocol: 0, type: 0 }),
      NLM_F.DUMP,
      'list routes in',
      this.where,
    );
    return replies.map(decodeRoute);
  }

  /**
   * Adds a route; EEXIST only if an identical one exists. NLM_F_APPEND (as `ip route append` and the
   * reference's RouteAddEcmp): a second default route through another interface is added, not refused.
   */
  async addRoute(r: RouteSpec): Promise<void> {
    this.request(RTM.NEWROUTE, routeMessage(r), NLM_F.CREATE | NLM_F.APPEND, 'add route', `${r.dst}${r.gw ? ` via ${r.gw}` : ''}`);
  }

  async deleteRoute(r: RouteSpec): Promise<void> {
    this.request(RTM.DELROUTE, routeMessage(r), 0, 'delete route', `${r.dst}${r.gw ? ` via ${r.gw}` : ''}`);
  }
}
