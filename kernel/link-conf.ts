/**
 * One RTM_SETLINK of a link's IPv4 settings (net.ipv4.conf.<name>.*), the link named in the request
 * itself: no lookup of its index first and none of kernel/netlink.ts's link code loaded, for a
 * plugin (portmap) that needs nothing else of rtnetlink.
 */
import { socketCalls } from './libc.js';
import { netlinkExchange, openNetlinkSocket } from './netlink-socket.js';
import { IFLA, NLM_F, RTM, encodeAttrs, ifinfomsg, nlmsg, str } from './rtnl-codec.js';
import { inet4Conf } from './rtnl-requests.js';

const NETLINK_ROUTE = 0;
const REPLY_TIMEOUT_SECONDS = 5;

/**
 * Sets IPv4 settings of the link `name` in this namespace (ifindex 0 and IFLA_IFNAME: the kernel
 * finds the link by name and renames nothing).
 * @throws {KernelError} `cannot set IPv4 settings of "<name>": ENODEV` when there is no such link
 */
export function setIpv4ConfByName(name: string, values: ReadonlyArray<readonly [devconf: number, value: number]>): void {
  const fd = openNetlinkSocket(NETLINK_ROUTE, 'rtnetlink', REPLY_TIMEOUT_SECONDS);
  try {
    const payload = Buffer.concat([ifinfomsg({}), encodeAttrs([{ type: IFLA.IFNAME, value: str(name) }, inet4Conf(values)])]);
    netlinkExchange(fd, nlmsg(RTM.SETLINK, NLM_F.REQUEST | NLM_F.ACK, 1, payload), 1, 'set IPv4 settings of', name);
  } finally {
    socketCalls().close(fd);
  }
}
