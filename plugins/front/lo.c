/*
 * See lo.h. The requests are the plugin's own (kernel/netlink.ts): RTM_GETLINK by name, RTM_NEWLINK
 * with IFF_UP in the change mask, and an RTM_GETADDR dump of both families filtered by index.
 */
#define _GNU_SOURCE
#include "lo.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int lo_open(const char *path) {
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return -1;
  int target = open(path, O_RDONLY | O_CLOEXEC), fd = -1;
  if (target >= 0 && setns(target, CLONE_NEWNET) == 0) {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    /* Back home at once. Should that fail, the plugin answers: it opens the namespace by its path,
       wherever it starts. */
    if (setns(home, CLONE_NEWNET) != 0 && fd >= 0) close(fd), fd = -1;
  }
  if (target >= 0) close(target);
  close(home);
  return fd;
}

static unsigned seq;
static char reply[65536];

static int send_request(int fd, struct nlmsghdr *h) {
  h->nlmsg_seq = ++seq;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  return sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) == (ssize_t)h->nlmsg_len;
}

/* The next datagram of replies to the last request; its length, or -1. */
static ssize_t receive(int fd) {
  for (;;) {
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

struct link_request {
  struct nlmsghdr h;
  struct ifinfomsg i;
  char attrs[64];
};

int lo_get(int fd, int *index, int *is_up) {
  struct link_request r = {0};
  r.h.nlmsg_type = RTM_GETLINK, r.h.nlmsg_flags = NLM_F_REQUEST;
  r.i.ifi_family = AF_UNSPEC;
  struct rtattr *a = (struct rtattr *)r.attrs;
  a->rta_type = IFLA_IFNAME, a->rta_len = RTA_LENGTH(sizeof "lo");
  memcpy(RTA_DATA(a), "lo", sizeof "lo");
  r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.i) + RTA_ALIGN(a->rta_len);
  if (!send_request(fd, &r.h)) return 0;
  ssize_t n = receive(fd);
  struct nlmsghdr *h = (struct nlmsghdr *)reply;
  if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_seq != seq || h->nlmsg_type != RTM_NEWLINK) return 0;
  struct ifinfomsg *i = NLMSG_DATA(h);
  *index = i->ifi_index, *is_up = (i->ifi_flags & IFF_UP) != 0;
  return 1;
}

int lo_set_up(int fd, int index, int up) {
  struct link_request r = {0};
  r.h.nlmsg_type = RTM_NEWLINK, r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.i);
  r.i.ifi_family = AF_UNSPEC, r.i.ifi_index = index, r.i.ifi_flags = up ? IFF_UP : 0, r.i.ifi_change = IFF_UP;
  if (!send_request(fd, &r.h)) return 0;
  ssize_t n = receive(fd);
  struct nlmsghdr *h = (struct nlmsghdr *)reply;
  if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR) return 0;
  return ((struct nlmsgerr *)NLMSG_DATA(h))->error == 0;
}

/* One address of the dump into `out`: 1 written, 0 not lo's, -1 not one the front can write. */
static int take_addr(struct nlmsghdr *h, int index, struct lo_addr *out) {
  struct ifaddrmsg *ifa = NLMSG_DATA(h);
  if ((int)ifa->ifa_index != index) return 0;
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return -1;
  const void *local = NULL, *address = NULL;
  int len = IFA_PAYLOAD(h);
  for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    size_t want = ifa->ifa_family == AF_INET ? 4 : 16;
    if (RTA_PAYLOAD(a) != want) continue;
    if (a->rta_type == IFA_LOCAL) local = RTA_DATA(a);
    if (a->rta_type == IFA_ADDRESS) address = RTA_DATA(a);
  }
  const void *bytes = local ? local : address;
  if (!bytes) return -1;
  static const unsigned char v6_loopback[16] = {[15] = 1};
  if (ifa->ifa_family == AF_INET6 && memcmp(bytes, v6_loopback, 16) != 0) return -1;
  char ip[INET6_ADDRSTRLEN];
  if (!inet_ntop(ifa->ifa_family, bytes, ip, sizeof ip)) return -1;
  out->family = ifa->ifa_family == AF_INET ? 4 : 6;
  snprintf(out->cidr, sizeof out->cidr, "%s/%u", ip, ifa->ifa_prefixlen);
  return 1;
}

int lo_addrs(int fd, int index, struct lo_addr *out, int max) {
  struct {
    struct nlmsghdr h;
    struct ifaddrmsg a;
  } r = {0};
  r.h.nlmsg_type = RTM_GETADDR, r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.a);
  r.a.ifa_family = AF_UNSPEC;
  if (!send_request(fd, &r.h)) return -1;
  int count = 0, bad = 0;
  for (;;) {
    ssize_t n = receive(fd);
    if (n <= 0) return -1;
    for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) return bad ? -1 : count;
      if (h->nlmsg_type == NLMSG_ERROR) return -1;
      if (h->nlmsg_type != RTM_NEWADDR) continue;
      struct lo_addr addr;
      int took = take_addr(h, index, &addr);
      if (took < 0 || (took > 0 && count == max)) bad = 1;
      else if (took > 0) out[count++] = addr;
    }
  }
}
