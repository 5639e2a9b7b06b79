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
  for (int i = 0; i < s->nprocs; i++) {
    beside(s->procs[i], NULL, dir, sizeof dir);
    if (statfs(dir, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return i;
  }
  return -1;
}

pid_t clone_container(unsigned long flags, const struct spec *s, struct child_ctx *c) {
  char dir[4096];
  int fd = -1;
  c->born_in = -1;
  if (c->cgroup2 >= 0) {
    beside(s->procs[c->cgroup2], NULL, dir, sizeof dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  struct clone_args a = { .flags = flags | (fd >= 0 ? CLONE_INTO_CGROUP : 0), .exit_signal = SIGCHLD, .cgroup = (uint64_t)(fd >= 0 ? fd : 0) };
  if (fd >= 0) c->born_in = c->cgroup2; /* the child's copy of ctx says so */
  long pid = syscall(SYS_clone3, &a, sizeof a);
  /* Before 5.7 (no CLONE_INTO_CGROUP: EINVAL, E2BIG) or 5.3 (no clone3): fork-like clone, and the child writes cgroup.procs. */
  if (pid < 0 && fd >= 0 && (errno == EINVAL || errno == E2BIG)) {
    c->born_in = -1;
    a.flags = flags;
    a.cgroup = 0;
    pid = syscall(SYS_clone3, &a, sizeof a);
  }
  if (pid < 0 && errno == ENOSYS) {
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
  if (dirfd < 0) return fork();
  struct clone_args a = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)dirfd };
  long pid = syscall(SYS_clone3, &a, sizeof a);
  if (pid >= 0 || (errno != EINVAL && errno != E2BIG && errno != ENOSYS)) return (pid_t)pid;
  /* No CLONE_INTO_CGROUP: this process joins, the slow way, and its child inherits. */
  int fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) die("cannot join cgroup v2: %s", strerror(errno));
  close(fd);
  return fork();
}
