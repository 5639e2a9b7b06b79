/*
 * `berth-shim link-delete NAME`: deletes the link NAME of this process's network namespace
 * (RTM_DELLINK) and exits 0, or 125 with the kernel's error on stderr. Bridge DEL starts it detached
 * (kernel/link-delete.ts), so that this process, not the plugin's caller, waits out the kernel's
 * rcu_barrier() after the deletion. A static program starts on a fraction of iproute2's `ip`, which
 * loads eight shared libraries first (docs/internals/speed.md).
 */
#include "shim.h"
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int link_delete_main(int argc, char **argv) {
  if (argc != 1 || strlen(argv[0]) == 0 || strlen(argv[0]) >= IFNAMSIZ) die("usage: berth-shim link-delete NAME");
  struct {
    struct nlmsghdr h;
    struct ifinfomsg i;
    char attrs[RTA_SPACE(IFNAMSIZ)];
  } req = {0};
  req.h.nlmsg_type = RTM_DELLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.i.ifi_family = AF_UNSPEC;
  struct rtattr *name = (struct rtattr *)req.attrs;
  name->rta_type = IFLA_IFNAME;
  name->rta_len = RTA_LENGTH(strlen(argv[0]) + 1);
  memcpy(RTA_DATA(name), argv[0], strlen(argv[0]) + 1);
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.i) + RTA_ALIGN(name->rta_len);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) die("cannot open a netlink socket: %s", strerror(errno));
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
    die("cannot delete link %s: %s", argv[0], strerror(errno));
  /* The kernel has done the request inside sendto(); its answer is queued: an error, or 0. */
  struct {
    struct nlmsghdr h;
    struct nlmsgerr e;
  } ack;
  ssize_t n = recv(fd, &ack, sizeof ack, MSG_DONTWAIT);
  if (n >= (ssize_t)sizeof ack && ack.h.nlmsg_type == NLMSG_ERROR && ack.e.error != 0)
    die("cannot delete link %s: %s", argv[0], strerror(-ack.e.error));
  return 0;
}
