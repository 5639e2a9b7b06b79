/*
 * `berth-shim link-delete NAME`: deletes the link NAME of this process's network namespace
 * (RTM_DELLINK) and exits 0, or 125 with the kernel's error on stderr. Bridge DEL starts it detached
 * (kernel/link-delete.ts), so that this process, not the plugin's caller, waits out the kernel's
 * rcu_barrier() after the deletion. A static program starts on a fraction of iproute2's `ip`, which
 * loads eight shared libraries first (docs/internals/speed.md).
 *
 * delete_netns_veths: the supervisor's own delete of the veths of the netns file it made, at the
 * container's last exit (supervise.c), so that the CNI DEL finds them gone and starts no deleter.
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * RTM_DELLINK of the link `index`, or with index 0 of the one named `name`, on `fd`: 0, or the
 * kernel's errno. The kernel does the request inside send(); its answer is queued by then (none
 * there is taken as done, as a delete needs no more).
 */
static int delete_link(int fd, uint32_t seq, int index, const char *name) {
  struct {
    struct nlmsghdr h;
    struct ifinfomsg i;
    char attrs[RTA_SPACE(IFNAMSIZ)];
  } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_DELLINK,
                 .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = seq},
           .i = {.ifi_family = AF_UNSPEC, .ifi_index = index}};
  if (name) {
    struct rtattr *a = (struct rtattr *)req.attrs;
    a->rta_type = IFLA_IFNAME;
    a->rta_len = RTA_LENGTH(strlen(name) + 1);
    memcpy(RTA_DATA(a), name, strlen(name) + 1);
    req.h.nlmsg_len += RTA_ALIGN(a->rta_len);
  }
  if (send(fd, &req, req.h.nlmsg_len, 0) < 0) return errno;
  struct {
    struct nlmsghdr h;
    struct nlmsgerr e;
  } ack;
  for (;;) {
    ssize_t n = recv(fd, &ack, sizeof ack, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < (ssize_t)sizeof ack) return 0;
    if (ack.h.nlmsg_seq == seq) return ack.h.nlmsg_type == NLMSG_ERROR ? -ack.e.error : 0;
  }
}

int link_delete_main(int argc, char **argv) {
  if (argc != 1 || strlen(argv[0]) == 0 || strlen(argv[0]) >= IFNAMSIZ) die("usage: berth-shim link-delete NAME");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) die("cannot open a netlink socket: %s", strerror(errno));
  int err = delete_link(fd, 1, 0, argv[0]);
  if (err != 0) die("cannot delete link %s: %s", argv[0], strerror(err));
  return 0;
}

/* Sends `req` on `fd` and reads the replies up to its ACK or NLMSG_DONE, passing each message to `each`. */
static void exchange(int fd, struct nlmsghdr *req, void (*each)(struct nlmsghdr *, void *), void *arg) {
  static char buf[1 << 15];
  if (send(fd, req, req->nlmsg_len, 0) < 0) return;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    int len = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != req->nlmsg_seq) continue;
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) return;
      each(h, arg);
    }
  }
}

struct veths {
  int index[64];
  int count;
};

/* Keeps the index of a link whose kind is "veth". */
static void keep_veth(struct nlmsghdr *h, void *arg) {
  struct veths *v = arg;
  struct ifinfomsg *i = NLMSG_DATA(h);
  int len = (int)IFLA_PAYLOAD(h);
  for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type != IFLA_LINKINFO) continue;
    int inner = (int)RTA_PAYLOAD(a);
    for (struct rtattr *k = RTA_DATA(a); RTA_OK(k, inner); k = RTA_NEXT(k, inner))
      if (k->rta_type == IFLA_INFO_KIND && strcmp(RTA_DATA(k), "veth") == 0 && v->count < 64) v->index[v->count++] = i->ifi_index;
  }
}

void delete_netns_veths(const char *path) {
  int target = open(path, O_RDONLY | O_CLOEXEC), own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;
  /* A single-threaded process: the socket is bound to the namespace it is made in, then it goes back. */
  if (target >= 0 && own >= 0 && setns(target, CLONE_NEWNET) == 0) {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (setns(own, CLONE_NEWNET) != 0) die("cannot return to the original network namespace: %s", strerror(errno));
  }
  if (target >= 0) close(target);
  if (own >= 0) close(own);
  if (fd < 0) return; /* the CNI DEL deletes them */
  struct timeval timeout = {.tv_sec = 1};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  struct {
    struct nlmsghdr h;
    struct ifinfomsg i;
  } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_GETLINK,
                 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
           .i = {.ifi_family = AF_UNSPEC}};
  struct veths v = {.count = 0};
  exchange(fd, &req.h, keep_veth, &v);
  /* Each delete takes the pair: the host's end is unlisted before the kernel's rcu_barrier(), which this process waits out. */
  for (int k = 0; k < v.count; k++) delete_link(fd, (uint32_t)(k + 2), v.index[k], NULL);
  close(fd);
}
