/*
 * One start of the container: its stdio, its first process cloned into its namespaces and
 * cgroups (cgroups.c; container.c builds the root), then the wait for its exec or its error.
 * What the child does not need before its exec is done here while it builds its root on another
 * CPU: the network namespace of --network none (the child joins it before it mounts /sys), and at
 * the first start the state dir's files (open_state). Creating a network namespace is most of a
 * clone's cost (docs/internals/speed.md).
 */
#include "supervisor.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Enters the prepared network namespace at `path`, keeping the current one open in *own to come back. */
static int enter_netns(const char *path, int *own) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  *own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || *own < 0 || setns(fd, CLONE_NEWNET) != 0) {
    snprintf(sup.error_msg, sizeof sup.error_msg, "cannot join the network namespace %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    if (*own >= 0) close(*own);
    *own = -1;
    return -1;
  }
  close(fd);
  return 0;
}

/* A new network namespace for the child, lo up, sent on `sock`. 0, or -1 with sup.error_msg set. */
static int send_new_netns(int sock) {
  int fd = new_netns(1, sup.error_msg, sizeof sup.error_msg);
  if (fd < 0) return -1;
  int rc = send_fd(sock, fd);
  if (rc != 0) snprintf(sup.error_msg, sizeof sup.error_msg, "cannot hand the container its network namespace: %s", strerror(errno));
  close(fd);
  return rc;
}

/*
 * When the container's PID 1 exits, its mount namespace goes with it unless something holds it:
 * unmounting every mount (an expedited RCU grace period, each filesystem's shutdown) would come
 * before the supervisor hears of the exit. Held from the clone, it goes at release_mounts().
 */
static void hold_mounts(pid_t child) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", child);
  sup.mounts_fd = open(path, O_RDONLY | O_CLOEXEC);
}

void release_mounts(void) {
  if (sup.mounts_fd >= 0) close(sup.mounts_fd);
  sup.mounts_fd = -1;
}

/* The cgroup v2 dir among the container's cgroups: the same at every start. */
static int cgroup2_of_container(void) {
  static int index = -2;
  if (index == -2) index = cgroup2_index(&sup.s);
  return index;
}

static void close_if_open(int fd) {
  if (fd >= 0) close(fd);
}

/*
 * Waits for the child's exec (errpipe closes without a word). Returns 0, or the exit code of its
 * report ("CODE:MESSAGE", the message into sup.error_msg) or of this side's error, the child reaped.
 */
static int exec_outcome(int ep, pid_t child) {
  char msg[1024];
  ssize_t n, got = 0;
  while ((n = read(ep, msg + got, sizeof msg - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR)) if (n > 0) got += n;
  close(ep);
  if (got == 0 && !sup.error_msg[0]) return 0; /* the exec succeeded */
  if (got == 0) { snprintf(msg, sizeof msg, "%d:%s", EXIT_SETUP, sup.error_msg); got = (ssize_t)strlen(msg); }
  msg[got] = 0;
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  char *colon = strchr(msg, ':');
  snprintf(sup.error_msg, sizeof sup.error_msg, "%s", colon ? colon + 1 : msg);
  return colon ? atoi(msg) : EXIT_SETUP;
}

int start_container(void) {
  const struct spec *S = &sup.s;
  int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 }, ep[2], ps[2] = { -1, -1 }, rs[2] = { -1, -1 }, ns[2] = { -1, -1 };
  /* "none" gets a fresh netns; a prepared one (a path) is entered around clone() so the child
   * starts in it, which works in a private user namespace too; "host" keeps the supervisor's. */
  int fresh_netns = !S->netns || (strcmp(S->netns, "host") != 0 && S->netns[0] != '/');
  /* In a private user namespace the netns must belong to it: made by the clone, as the child's own. */
  int netns_later = fresh_netns && !S->uid_map;
  if (pipe2(ep, O_CLOEXEC) != 0) return EXIT_SETUP;
  if (S->uid_map && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rs) != 0) return EXIT_SETUP;
  if (netns_later && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ns) != 0) return EXIT_SETUP;
  struct child_ctx ctx = { .s = S, .errpipe = ep[1], .ptysock = -1, .rootsock = rs[1], .netsock = ns[1],
                           .cgroup2 = cgroup2_of_container(), .release_fd = S->release_fd };
  sup.s.release_fd = -1; /* a restart finds the network in place */
  if (S->tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ps) != 0) return EXIT_SETUP;
    ctx.ptysock = ps[1];
  } else {
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return EXIT_SETUP;
    if (S->open_stdin) { if (pipe2(in, O_CLOEXEC) != 0) return EXIT_SETUP; }
    else in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ctx.stdio[0] = in[0]; ctx.stdio[1] = out[1]; ctx.stdio[2] = err[1];
  }
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (fresh_netns && !netns_later) flags |= CLONE_NEWNET;
  if (S->uid_map) flags |= CLONE_NEWUSER; /* first: the other namespaces then belong to it */
  int own_netns = -1;
  if (S->netns && S->netns[0] == '/' && enter_netns(S->netns, &own_netns) != 0) return EXIT_SETUP;
  sup.error_msg[0] = 0;
  pid_t child = sup.child = clone_container(flags, S, &ctx);
  if (own_netns >= 0 && (setns(own_netns, CLONE_NEWNET) != 0 || close(own_netns) != 0)) {
    if (child > 0) kill(child, SIGKILL);
    snprintf(sup.error_msg, sizeof sup.error_msg, "cannot return to the supervisor's network namespace: %s", strerror(errno));
    return EXIT_SETUP;
  }
  int theirs[] = { ep[1], in[0], out[1], err[1], ps[1], rs[1], ns[1] };
  for (size_t i = 0; i < sizeof theirs / sizeof *theirs; i++) close_if_open(theirs[i]);
  if (child < 0) {
    snprintf(sup.error_msg, sizeof sup.error_msg, "cannot create the container's namespaces: %s", strerror(errno));
    close(ep[0]);
    close_if_open(rs[0]);
    close_if_open(ns[0]);
    return EXIT_SETUP;
  }
  hold_mounts(child);
  /* The child waits for its root, or its netns; without it, it reports nothing and dies of the kill. */
  if (S->uid_map && userns_prepare(S, child, ctx.born_in, rs[0], sup.error_msg, sizeof sup.error_msg) != 0) kill(child, SIGKILL);
  if (netns_later && send_new_netns(ns[0]) != 0) kill(child, SIGKILL);
  close_if_open(rs[0]);
  close_if_open(ns[0]);
  if (!sup.error_msg[0] && open_state() != 0) kill(child, SIGKILL);
  status_prepare();
  if (S->tty) { sup.master_fd = recv_fd(ps[0]); close(ps[0]); }
  int code = exec_outcome(ep[0], child);
  if (code != 0) {
    release_mounts();
    if (sup.master_fd >= 0) { close(sup.master_fd); sup.master_fd = -1; }
    if (out[0] >= 0) { close(out[0]); close(err[0]); }
    close_if_open(in[1]);
    return code;
  }
  sup.out_fd = out[0]; sup.err_fd = err[0]; sup.stdin_fd = in[1];
  if (sup.stdin_fd >= 0) fcntl(sup.stdin_fd, F_SETFL, O_NONBLOCK);
  if (sup.master_fd >= 0) fcntl(sup.master_fd, F_SETFL, O_NONBLOCK);
  rfc3339_now(sup.started_at, sizeof sup.started_at);
  return 0;
}
