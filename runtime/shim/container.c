/*
 * The container's first process: PID 1 of its new PID namespace, born by clone3() in the
 * supervisor. It joins the cgroups (cgroups.c, before anything else runs), builds the root
 * (overlay, /proc, /sys, /dev), pivots, drops privileges and execs. Any failure is reported on
 * errpipe (close-on-exec, so an exec that succeeds reports nothing) with Docker's exit codes.
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <signal.h>
#include <unistd.h>

void report_and_exit(int fd, int code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(msg, sizeof msg, "%d:", code);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  if (fd >= 0) write_all(fd, msg, strlen(msg));
  _exit(code);
}
#define FAIL(...) report_and_exit(errfd, EXIT_SETUP, __VA_ARGS__)

void mkdirs(const char *path, mode_t mode) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') { *p = 0; mkdir(buf, mode); *p = '/'; }
  mkdir(buf, mode);
}

void mnt(int errfd, const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  if (mount(src, dst, type, flags, data) != 0) FAIL("cannot mount %s on %s: %s", type ? type : src, dst, strerror(errno));
}

/* mount_setattr sets `attrs` and changes nothing else; AT_RECURSIVE reaches every submount in one call. */
static int set_mount_attrs(const char *path, uint64_t attrs, int recursive) {
  struct mount_attr attr = { .attr_set = attrs };
  return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr);
}

/* MOUNT_ATTR_RDONLY changes nothing else: a remount would have to repeat the flags a user namespace locks. */
void set_readonly(int errfd, const char *path, int recursive) {
  if (set_mount_attrs(path, MOUNT_ATTR_RDONLY, recursive) != 0) FAIL("cannot make %s read-only: %s", path, strerror(errno));
}

static void mount_rootfs(const struct spec *s, const char *merged, int errfd) {
  char data[8192], upper[4096], work[4096];
  size_t o = (size_t)snprintf(data, sizeof data, "lowerdir=");
  for (int i = s->nlower - 1; i >= 0; i--) /* overlayfs wants the top layer first */
    o += (size_t)snprintf(data + o, sizeof data - o, "%s%s", s->rootfs_lower[i], i ? ":" : "");
  snprintf(upper, sizeof upper, "%s/diff", s->bundle);
  snprintf(work, sizeof work, "%s/work", s->bundle);
  o += (size_t)snprintf(data + o, sizeof data - o, ",upperdir=%s,workdir=%s", upper, work);
  /* volatile (5.10+): no syncfs of the host's filesystem when the overlay goes at the container's exit. */
  if (s->ephemeral) {
    snprintf(data + o, sizeof data - o, ",volatile");
    if (mount("overlay", merged, "overlay", 0, data) == 0) return;
    if (errno != EINVAL) FAIL("cannot mount overlay on %s: %s", merged, strerror(errno));
    data[o] = 0; /* a kernel without it: an ordinary overlay */
  }
  mnt(errfd, "overlay", merged, "overlay", 0, data);
}

static const struct { const char *name; unsigned maj, min; } DEVICES[] = {
  { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* A user namespace may not mknod: there the host's nodes are bound instead, as runc does. */
static void make_device(int errfd, const char *path, const char *name, unsigned maj, unsigned min, int bind) {
  if (!bind) {
    if (mknod(path, S_IFCHR | 0666, makedev(maj, min)) != 0) FAIL("cannot make %s: %s", path, strerror(errno));
    chmod(path, 0666);
    return;
  }
  char host[64];
  snprintf(host, sizeof host, "/dev/%s", name);
  close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666));
  mnt(errfd, host, path, NULL, MS_BIND, NULL);
}

static void mount_dev(const char *root, const struct spec *s, int errfd) {
  char p[4096];
  snprintf(p, sizeof p, "%s/dev", root);
  mkdirs(p, 0755);
  mnt(errfd, "tmpfs", p, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  for (size_t i = 0; i < sizeof DEVICES / sizeof *DEVICES; i++) {
    snprintf(p, sizeof p, "%s/dev/%s", root, DEVICES[i].name);
    make_device(errfd, p, DEVICES[i].name, DEVICES[i].maj, DEVICES[i].min, s->uid_map != NULL);
  }
  static const char *dirs[][4] = {
    { "pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5", "" },
    { "shm", "tmpfs", "mode=1777,size=65536k", "" },
    { "mqueue", "mqueue", NULL, "" },
  };
  for (int i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s/dev/%s", root, dirs[i][0]);
    mkdir(p, 0755);
    mnt(errfd, dirs[i][1], p, dirs[i][1], MS_NOSUID | MS_NOEXEC | (i == 1 ? MS_NODEV : 0), dirs[i][2]);
  }
  static const char *links[][2] = { { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
                                    { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" }, { "/proc/kcore", "core" } };
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "%s/dev/%s", root, links[i][1]);
    symlink(links[i][0], p);
  }
}

/* Docker 20.10's masked and read-only /proc and /sys paths (moby oci/defaults.go). */
static const char *MASKED[] = { "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap" };
static const char *READONLY[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };

static void mask_paths(int errfd) {
  struct stat st;
  for (size_t i = 0; i < sizeof MASKED / sizeof *MASKED; i++) {
    if (stat(MASKED[i], &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) mnt(errfd, "tmpfs", MASKED[i], "tmpfs", MS_RDONLY, NULL);
    else mnt(errfd, "/dev/null", MASKED[i], NULL, MS_BIND, NULL);
  }
  for (size_t i = 0; i < sizeof READONLY / sizeof *READONLY; i++) {
    if (stat(READONLY[i], &st) != 0) continue;
    mnt(errfd, READONLY[i], READONLY[i], NULL, MS_BIND | MS_REC, NULL);
    set_readonly(errfd, READONLY[i], 1);
  }
}

/*
 * In a private user namespace the supervisor builds the root (userns.c). It is attached while this
 * process still has host root's IDs, which own the 0700 container dir on the way to `merged`.
 */
static void attach_root(int root, const char *merged, int errfd) {
  if (syscall(SYS_move_mount, root, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) != 0)
    FAIL("cannot attach the root on %s: %s", merged, strerror(errno));
  close(root);
}

/* sysfs belongs to a network namespace; one this user namespace does not own (the host's, a prepared one) is bound. */
static void mount_sys(const struct spec *s, int errfd) {
  mkdirs("./sys", 0555);
  if (s->uid_map && s->netns && (!strcmp(s->netns, "host") || s->netns[0] == '/')) {
    mnt(errfd, "/sys", "./sys", NULL, MS_BIND | MS_REC, NULL);
    set_readonly(errfd, "./sys", 1);
  } else
    mnt(errfd, "sysfs", "./sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (s->privileged ? 0 : MS_RDONLY), NULL);
}

/*
 * Docker's /sys/fs/cgroup (cgroupns host): the container's own cgroup dirs, read-only, so that a
 * program reads its limits where it looks for them (memory.limit_in_bytes, cpu.cfs_quota_us,
 * memory.max). cgroup v1: a tmpfs with each hierarchy's dir under the hierarchy's name; v2 (the
 * only file is in /sys/fs/cgroup itself): the container's dir on /sys/fs/cgroup. Read-write with
 * --privileged, as Docker's.
 */
static void mount_cgroups(const struct spec *s, int v2, int errfd) {
  static const char prefix[] = "/sys/fs/cgroup/";
  const size_t n = sizeof prefix - 1;
  int tmpfs = 0, binds = 0, unified = s->nprocs == 1 && v2 == 0;
  for (int i = 0; i < s->nprocs; i++) {
    char dir[4096], dst[4096];
    const char *p = s->procs[i], *slash;
    /* A hybrid host's cgroup2 part is left out, as runc leaves it out for cgroup v1. */
    if ((i == v2 && !unified) || strncmp(p, prefix, n) != 0 || !(slash = strrchr(p, '/')) || (size_t)(slash - p) >= sizeof dir) continue;
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
    if (unified) snprintf(dst, sizeof dst, "./sys/fs/cgroup");
    else {
      const char *end = strchr(p + n, '/');
      if (!end) continue;
      if (!tmpfs++) mnt(errfd, "tmpfs", "./sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
      snprintf(dst, sizeof dst, "./sys/fs/cgroup/%.*s", (int)(end - p - n), p + n);
      mkdir(dst, 0555); /* in the tmpfs just made */
    }
    mnt(errfd, dir, dst, NULL, MS_BIND, NULL);
    binds++;
  }
  /* The tmpfs and every bind at once; a bind takes its flags only from a remount of its own. */
  uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (s->privileged ? 0 : MOUNT_ATTR_RDONLY);
  if (binds && set_mount_attrs("./sys/fs/cgroup", attrs, 1) != 0) FAIL("cannot restrict /sys/fs/cgroup: %s", strerror(errno));
}

void await_release(int fd, int errfd) {
  unsigned char head[5];
  size_t got = 0;
  while (got < sizeof head) {
    ssize_t n = read(fd, head + got, sizeof head - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) FAIL("the container was not released: berth ended before its network was ready");
    got += (size_t)n;
  }
  if (head[0] != F_RELEASE || head[1] | head[2] | head[3] | head[4]) FAIL("the container was not released: frame %d came first", head[0]);
}

/* --network none: the supervisor makes the namespace while this process builds its root (start.c). */
static void join_netns_sent(int sock, int errfd) {
  int fd = recv_fd(sock);
  if (fd < 0) FAIL("the supervisor sent no network namespace");
  if (setns(fd, CLONE_NEWNET) != 0) FAIL("cannot join the container's network namespace: %s", strerror(errno));
  close(fd);
  close(sock);
}

int container_main(void *arg) {
  struct child_ctx *c = arg;
  const struct spec *s = c->s;
  int errfd = c->errpipe, root = -1, bindfds[MAX_LIST];
  char merged[4096];
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with its supervisor: never orphaned unnoticed */
  if (!s->uid_map) join_cgroups(s, c, errfd);
  else if ((root = recv_fd(c->rootsock)) < 0) FAIL("the supervisor sent no root"); /* it joined our cgroups first */
  setsid();
  if (!s->tty)
    for (int i = 0; i < 3; i++) if (dup2(c->stdio[i], i) < 0) FAIL("stdio: %s", strerror(errno));
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) FAIL("cannot make / private: %s", strerror(errno));
  snprintf(merged, sizeof merged, "%s/merged", s->bundle);
  if (s->uid_map) attach_root(root, merged, errfd);
  else mount_rootfs(s, merged, errfd);
  /* From here on paths are relative to the new root, the working directory. */
  if (chdir(merged) != 0) FAIL("cannot enter %s: %s", merged, strerror(errno));
  if (s->uid_map) {
    open_volume_sources(s, ".", bindfds, errfd);
    if (become_userns_root() != 0) FAIL("cannot become root in the user namespace: %s", strerror(errno));
  }
  mount_volumes(s, ".", s->uid_map ? bindfds : NULL, errfd);
  mkdirs("./proc", 0555);
  mnt(errfd, "proc", "./proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_dev(".", s, errfd);
  /* sysfs shows the network namespace of its mounter: the container's own from here on. */
  if (c->netsock >= 0) join_netns_sent(c->netsock, errfd);
  mount_sys(s, errfd);
  /* In a private user namespace /sys is the host's, bound (mount_sys), or a sysfs of its own: no cgroup dirs. */
  if (!s->uid_map) mount_cgroups(s, c->cgroup2, errfd);
  if (s->init) {
    close(open("./dev/init", O_CREAT | O_WRONLY | O_CLOEXEC, 0755));
    mnt(errfd, s->init, "./dev/init", NULL, MS_BIND, NULL);
    set_readonly(errfd, "./dev/init", 0);
  }
  if (syscall(SYS_pivot_root, ".", ".") != 0) FAIL("cannot pivot_root to %s: %s", merged, strerror(errno));
  if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0) FAIL("cannot detach the old root: %s", strerror(errno));
  if (!s->privileged) mask_paths(errfd);
  if (s->readonly) set_readonly(errfd, "/", 0);
  if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) != 0) FAIL("cannot set hostname: %s", strerror(errno));
  /* A netns the supervisor sent has lo up already (netns.c). */
  char err[256];
  if (c->netsock < 0 && (!s->netns || strcmp(s->netns, "host") != 0) && loopback_up(err, sizeof err) != 0) FAIL("%s", err);
  if (s->tty) {
    int slave, master = open_pty_inside(c->ptysock, &slave);
    if (master < 0) FAIL("cannot make a terminal: %s", strerror(errno));
    close(master);
    struct winsize ws = { .ws_row = s->rows, .ws_col = s->cols };
    if (s->rows && s->cols) ioctl(slave, TIOCSWINSZ, &ws);
    for (int i = 0; i < 3; i++) dup2(slave, i);
    if (slave > 2) close(slave);
    ioctl(0, TIOCSCTTY, 0);
  }
  if (s->cwd) { mkdirs(s->cwd, 0755); }
  /* Everything above overlapped berth's CNI ADD; the command runs only once the network is there. */
  if (c->release_fd >= 0) await_release(c->release_fd, errfd);
  apply_process(s, errfd);
  exec_command(s, errfd);
}
