/** The loopback plugin: brings `lo` up in the container's namespace (CNI_IFNAME is ignored, as in the reference). */
import { CniError, ErrCode } from '../cni/errors.js';
import type { Handlers, PluginContext } from '../cni/skel.js';
import type { Result } from '../cni/types.js';
import { isNotFound, KernelError } from '../kernel/errors.js';
import { kernelNetlink, type NetlinkFactory, type NetlinkOps } from '../kernel/netlink.js';

const LO = 'lo';

async function withLo<T>(netlink: NetlinkFactory, netns: string, fn: (nl: NetlinkOps, index: number) => Promise<T>): Promise<T> {
  const nl = netlink.openIn(netns);
  try {
    const lo = await nl.getLink(LO);
    if (!lo) throw new KernelError('find', `${LO} in ${netns}`, 'ENODEV');
    return await fn(nl, lo.index);
  } finally {
    nl.close();
  }
}

async function add(netlink: NetlinkFactory, ctx: PluginContext): Promise<Result> {
  return withLo(netlink, ctx.netns, async (nl, index) => {
    await nl.setLink(index, { up: true }, LO);
    if (ctx.prevResult) return ctx.prevResult; // chained: pass the previous result through (SPEC.md "ADD")
    // The kernel adds 127.0.0.1/8 and ::1/128 when lo comes up; report what is actually there.
    const addrs = await nl.listAddrs(index);
    return {
      cniVersion: ctx.cniVersion,
      interfaces: [{ name: LO, mac: '00:00:00:00:00:00', sandbox: ctx.netns }],
      ips: addrs.map((a) => ({ address: a.cidr, interface: 0 })),
    };
  });
}

async function del(netlink: NetlinkFactory, ctx: PluginContext): Promise<void> {
  if (!ctx.netns) return; // nothing to undo without a namespace (SPEC.md: DEL must succeed)
  try {
    await withLo(netlink, ctx.netns, (nl, index) => nl.setLink(index, { up: false }, LO));
  } catch (err) {
    if (isNotFound(err)) return; // the namespace is gone: lo is gone with it
    throw err;
  }
}

async function check(netlink: NetlinkFactory, ctx: PluginContext): Promise<void> {
  await withLo(netlink, ctx.netns, async (nl, index) => {
    const lo = await nl.getLinkByIndex(index);
    if (!lo?.isUp) throw new CniError(ErrCode.CheckFailed, `loopback check failed: ${LO} is down in ${JSON.stringify(ctx.netns)}`);
  });
}

/** The loopback plugin's CNI handlers over `netlink` (the kernel's, or a fake in tests). */
export function loopbackHandlers(netlink: NetlinkFactory): Handlers {
  return {
    add: (ctx) => add(netlink, ctx),
    del: (ctx) => del(netlink, ctx),
    check: (ctx) => check(netlink, ctx),
    async gc() {}, // loopback keeps no state outside the namespace
    async status() {}, // always ready
  };
}

export const handlers: Handlers = loopbackHandlers(kernelNetlink);
