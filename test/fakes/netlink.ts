/**
 * A recording fake of the plugins' netlink seam (kernel/netlink.ts NetlinkFactory): links and
 * addresses per namespace in memory, every call written to a shared event log, and failures on
 * demand, so a plugin's undo order and keep-going are tested without root.
 */
import { KernelError } from '../../kernel/errors';
import type { AddrInfo, LinkInfo, NetlinkFactory, NetlinkOps, RouteInfo } from '../../kernel/netlink';

type Op =
  | 'createBridge'
  | 'createVeth'
  | 'deleteLink'
  | 'deleteLinkDetached'
  | 'setLink'
  | 'addAddr'
  | 'deleteAddr'
  | 'addRoute'
  | 'deleteRoute'
  | 'setNoLinkLocal'
  | 'setIpv4Conf'
  | 'setHairpin'
  | 'addBridgeVlan';

interface Space {
  links: Map<string, LinkInfo>;
  addrs: AddrInfo[];
  routes: RouteInfo[];
}

export class FakeNetlink implements NetlinkFactory {
  /** Every call that changes something, as "<where> <op> <target>", in order; shared with other fakes. */
  constructor(readonly events: string[] = []) {}
  private readonly spaces = new Map<string, Space>();
  private nextIndex = 10;
  /** Calls that fail with `errno`, by "<op> <target>" (the target as the event log names it). */
  readonly failures = new Map<string, string>();
  /** Whether createVeth returns the new link, as a kernel that honours NLM_F_ECHO does. */
  echoesNewLinks = true;

  space(where: string): Space {
    let s = this.spaces.get(where);
    if (!s) this.spaces.set(where, (s = { links: new Map([['lo', this.link('lo', {})]]), addrs: [], routes: [] }));
    return s;
  }

  open(): NetlinkOps {
    return this.ops('host');
  }
  openIn(netnsPath: string): NetlinkOps {
    return this.ops(netnsPath);
  }

  async deleteLinkDetached(name: string): Promise<void> {
    this.act('host', 'deleteLinkDetached', name);
    this.space('host').links.delete(name);
  }

  private link(name: string, extra: Partial<LinkInfo>): LinkInfo {
    return {
      index: this.nextIndex++,
      name,
      mac: `02:00:00:00:00:${(this.nextIndex % 256).toString(16).padStart(2, '0')}`,
      mtu: 1500,
      isUp: false,
      isPromisc: false,
      ...extra,
    };
  }

  private act(where: string, op: Op, target: string): void {
    this.events.push(`${where} ${op} ${target}`);
    const errno = this.failures.get(`${op} ${target}`);
    if (errno) throw new KernelError(op, target, errno);
  }

  private ops(where: string): NetlinkOps {
    const s = this.space(where);
    const byIndex = (index: number) => [...s.links.values()].find((l) => l.index === index);
    const nameOf = (index: number) => byIndex(index)?.name ?? `#${index}`;
    return {
      close: () => undefined,
      forwarding: async () => true,
      listLinks: async () => [...s.links.values()],
      getLink: async (name) => s.links.get(name),
      getLinkByIndex: async (index) => byIndex(index),
      createBridge: async (name, opts = {}) => {
        this.act(where, 'createBridge', name);
        if (s.links.has(name)) throw new KernelError('create bridge', name, 'EEXIST');
        s.links.set(name, this.link(name, { kind: 'bridge', mac: opts.mac ?? '02:00:00:00:00:01' }));
      },
      createVeth: async (name, peer, opts = {}) => {
        this.act(where, 'createVeth', name);
        const link = this.link(name, { kind: 'veth', master: opts.master, isUp: !!opts.up });
        s.links.set(name, link);
        this.space(peer.netnsPath ?? where).links.set(
          peer.name,
          this.link(peer.name, { kind: 'veth', ...(peer.mac && { mac: peer.mac }) }),
        );
        return this.echoesNewLinks ? { ...link, master: undefined } : undefined;
      },
      deleteLink: async (name) => {
        this.act(where, 'deleteLink', name);
        if (!s.links.delete(name)) throw new KernelError('delete link', name, 'ENODEV');
      },
      setLink: async (index, change) => {
        this.act(where, 'setLink', nameOf(index));
        const l = byIndex(index);
        if (l && change.up !== undefined) l.isUp = change.up;
        if (l && change.master !== undefined) l.master = change.master;
      },
      setNoLinkLocal: async (index) => this.act(where, 'setNoLinkLocal', nameOf(index)),
      setIpv4Conf: async (index) => this.act(where, 'setIpv4Conf', nameOf(index)),
      setHairpin: async (index) => this.act(where, 'setHairpin', nameOf(index)),
      addBridgeVlan: async (index) => this.act(where, 'addBridgeVlan', nameOf(index)),
      listAddrs: async (index) => s.addrs.filter((a) => index === undefined || a.index === index),
      addAddr: async (index, cidr, opts = {}) => {
        this.act(where, 'addAddr', cidr);
        if (s.addrs.some((a) => a.index === index && a.cidr === cidr)) {
          if (opts.ifAbsent) return false;
          throw new KernelError('add address', cidr, 'EEXIST');
        }
        const [address, len] = cidr.split('/');
        s.addrs.push({ index, family: address.includes(':') ? 6 : 4, address, prefixLength: Number(len), cidr, scope: 0 });
        return true;
      },
      deleteAddr: async (index, cidr) => {
        this.act(where, 'deleteAddr', cidr);
        s.addrs = s.addrs.filter((a) => !(a.index === index && a.cidr === cidr));
      },
      listRoutes: async () => s.routes,
      addRoute: async (r) => this.act(where, 'addRoute', r.dst),
      deleteRoute: async (r) => this.act(where, 'deleteRoute', r.dst),
    };
  }
}
