/*
 * berth-shim netns FILE: a new network namespace held by a bind mount on FILE (an existing empty
 * file), made before the container's process so CNI ADD can run into it. What util-linux
 * `unshare --net=FILE true` did, in the one exec of a program with nothing else to load: berth
 * itself must not unshare its own threads (docs/internals/speed.md, "The container's network").
 */
#include "shim.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>

int netns_main(int argc, char **argv) {
  if (argc != 1) die("usage: berth-shim netns FILE");
  if (unshare(CLONE_NEWNET) != 0) die("cannot create a network namespace: %s", strerror(errno));
  // This process is single-threaded: its own namespace is the thread's.
  if (mount("/proc/self/ns/net", argv[0], NULL, MS_BIND, NULL) != 0)
    die("cannot bind the network namespace on %s: %s", argv[0], strerror(errno));
  return 0;
}
