/*
 * New network namespaces, made by the supervisor while it stays in its own: for --network none,
 * with lo up, handed to the container's first process while that builds its root (start.c); for
 * a CNI network, held by a bind mount on a file (an existing empty file) made as the supervisor
 * starts (--make-netns), before the container's process, so that berth's CNI ADD runs into it
 * while the container's root is built. Berth itself must not unshare its own threads; an exec of a helper
 * for it cost more (docs/internals/speed.md, "The container's network").
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

int loopback_up(char *err, size_t len) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;
  struct ifreq ifr = { 0 };
  strcpy(ifr.ifr_name, "lo");
  if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    snprintf(err, len, "cannot read lo: %s", strerror(errno));
  } else {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0) rc = 0;
    else snprintf(err, len, "cannot bring lo up: %s", strerror(errno));
  }
  if (fd >= 0) close(fd);
  return rc;
}

/* No IPv6 (not even fe80:: or ::1) until a network gives an address, as docker 20.10's sandboxes. */
static void ipv6_off(void) {
  int fd = open("/proc/sys/net/ipv6/conf/all/disable_ipv6", O_WRONLY | O_CLOEXEC); /* absent: no IPv6 */
  if (fd < 0) return;
  if (write(fd, "1", 1) < 0) { /* best effort: an address too many is no failure */ }
  close(fd);
}

int new_netns(int lo_up, char *err, size_t len) {
  int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;
  if (own < 0) { snprintf(err, len, "cannot open this process's network namespace: %s", strerror(errno)); return -1; }
  if (unshare(CLONE_NEWNET) != 0) snprintf(err, len, "cannot create a network namespace: %s", strerror(errno));
  /* A single-threaded process: its own namespace is the thread's. */
  else if ((fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
    snprintf(err, len, "cannot open the new network namespace: %s", strerror(errno));
  else {
    ipv6_off();
    if (lo_up && loopback_up(err, len) != 0) {
      close(fd);
      fd = -1;
    }
  }
  /* Back where it was: the supervisor's own sockets and its exit command stay in the host's namespace. */
  if (setns(own, CLONE_NEWNET) != 0 && fd >= 0) {
    snprintf(err, len, "cannot return to the original network namespace: %s", strerror(errno));
    close(fd);
    fd = -1;
  }
  close(own);
  return fd;
}

int make_netns_file(const char *path, char *err, size_t len) {
  char proc[64];
  int fd = new_netns(0, err, len);
  if (fd < 0) return -1;
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int rc = mount(proc, path, NULL, MS_BIND, NULL);
  if (rc != 0) snprintf(err, len, "cannot bind the network namespace on %s: %s", path, strerror(errno));
  close(fd);
  return rc == 0 ? 0 : -1;
}
