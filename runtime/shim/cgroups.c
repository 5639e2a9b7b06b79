/*
 * Joining the container's cgroups without the kernel's slow path. A pid written to cgroup.procs
 * takes cgroup_threadgroup_rwsem for writing, and the first such write of a burst waits for an RCU
 * grace period (8-12 ms on a busy host, docs/internals/speed.md). Two ways in take no such lock:
 * clone3's CLONE_INTO_CGROUP (cgroup v2: the child is born inside) and, in a v1 hierarchy, "0"
 * written to `tasks` by a single-threaded process (it moves only itself, the whole process here).
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

/* The dir of a cgroup.procs file, with `file` in place of cgroup.procs when given. */
static void beside(const char *procs, const char *file, char *out, size_t len) {
  snprintf(out, len, "%s", procs);
  char *slash = strrchr(out, '/');
  if (slash) snprintf(slash, len - (size_t)(slash - out), "%s%s", file ? "/" : "", file ? file : "");
}

int cgroup2_index(const struct spec *s) {
  char dir[4096];
  struct statfs st;
  /* At most one is cgroup v2; berth lists a hybrid host's unified dir last (runtime/cgroup/v1.ts). */
  for (int i = s->nprocs - 1; i >= 0; i--) {
    beside(s->procs[i], NULL, dir, sizeof dir);
    if (statfs(dir, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return i;
  }
  return -1;
}

/*
 * clone3 with the child born in the cgroup v2 dir `dirfd` (fork-like: the namespaces in `flags`,
 * SIGCHLD). *unsupported says the kernel lacks clone3 (<5.3) or CLONE_INTO_CGROUP (<5.7), so the
 * caller falls back to a plain clone and joins the slow way.
 */
static long clone_into(unsigned long flags, int dirfd, int *unsupported) {
  struct clone_args a = { .flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)dirfd };
  long pid = syscall(SYS_clone3, &a, sizeof a);
  *unsupported = pid < 0 && (errno == EINVAL || errno == E2BIG || errno == ENOSYS);
  return pid;
}

pid_t clone_container(unsigned long flags, const struct spec *s, struct child_ctx *c) {
  char dir[4096];
  int fd = -1, unsupported = 1;
  if (c->cgroup2 >= 0) {
    beside(s->procs[c->cgroup2], NULL, dir, sizeof dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  c->born_in = fd >= 0 ? c->cgroup2 : -1; /* the child's copy of ctx says so */
  long pid = fd >= 0 ? clone_into(flags, fd, &unsupported) : -1;
  if (unsupported) { /* the child writes cgroup.procs (join_cgroups) */
    c->born_in = -1;
    pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
  }
  int e = errno;
  if (fd >= 0) close(fd);
  if (pid == 0) _exit(container_main(c));
  errno = e;
  return (pid_t)pid;
}

void join_cgroups(const struct spec *s, const struct child_ctx *c, int errfd) {
  char path[4096];
  for (int i = 0; i < s->nprocs; i++) {
    if (i == c->born_in) continue;
    /* cgroup v2 has no `tasks`: there "0" goes to cgroup.procs, the slow way. */
    if (i == c->cgroup2) snprintf(path, sizeof path, "%s", s->procs[i]);
    else beside(s->procs[i], "tasks", path, sizeof path);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    /* "0" is the writer itself: its host pid, which this process cannot see from inside its PID namespace. */
    if (fd < 0 || write(fd, "0", 1) != 1) report_and_exit(errfd, EXIT_SETUP, "cannot join cgroup %s: %s", path, strerror(errno));
    close(fd);
  }
}

int open_cgroups_v1(const struct spec *s, int *fds, int *nfds) {
  char path[4096];
  int v2 = cgroup2_index(s), dirfd = -1;
  *nfds = 0;
  for (int i = 0; i < s->nprocs; i++) {
    if (i == v2) {
      beside(s->procs[i], NULL, path, sizeof path);
      if ((dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) die("cannot open cgroup %s: %s", path, strerror(errno));
      continue;
    }
    beside(s->procs[i], "tasks", path, sizeof path);
    if ((fds[(*nfds)++] = open(path, O_WRONLY | O_CLOEXEC)) < 0) die("cannot open cgroup %s: %s", path, strerror(errno));
  }
  return dirfd;
}

pid_t fork_into_cgroup2(int dirfd) {
  int unsupported = 1;
  long pid = dirfd >= 0 ? clone_into(0, dirfd, &unsupported) : -1;
  if (!unsupported) return (pid_t)pid;
  if (dirfd >= 0) { /* this process joins, the slow way, and its child inherits */
    int fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) die("cannot join cgroup v2: %s", strerror(errno));
    close(fd);
  }
  return fork();
}
