/*
 * A new network namespace held by a bind mount on a file (an existing empty file), made by the
 * supervisor as it starts (--make-netns), before the container's process, so that berth's CNI ADD
 * runs into it while the container's root is built. Berth itself must not unshare its own threads;
 * an exec of a helper for it cost more (docs/internals/speed.md, "The container's network").
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int make_netns_file(const char *path, char *err, size_t len) {
  int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), rc = -1;
  if (own < 0) { snprintf(err, len, "cannot open this process's network namespace: %s", strerror(errno)); return -1; }
  if (unshare(CLONE_NEWNET) != 0) snprintf(err, len, "cannot create a network namespace: %s", strerror(errno));
  /* A single-threaded process: its own namespace is the thread's. */
  else if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) != 0)
    snprintf(err, len, "cannot bind the network namespace on %s: %s", path, strerror(errno));
  else rc = 0;
  /* Back where it was: the supervisor's own sockets and its exit command stay in the host's namespace. */
  if (setns(own, CLONE_NEWNET) != 0 && rc == 0) {
    snprintf(err, len, "cannot return to the original network namespace: %s", strerror(errno));
    rc = -1;
  }
  close(own);
  return rc;
}
