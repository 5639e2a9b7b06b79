/*
 * `--userns private`, the supervisor's side: after clone(CLONE_NEWUSER) the container's first
 * process waits while its parent, still host root, puts it in its cgroups (it could not write the
 * host's cgroup.procs itself), writes its uid_map and gid_map, and builds its root: an overlay
 * whose image layers are idmapped mounts (on-disk 0 seen as the range's first ID, so root inside),
 * made with the mount API (fsopen, "lowerdir+" by fd since kernel 6.13) and passed over a socket.
 * The overlay is created by host root, so it reads the layers' trusted.overlay.* xattrs; the
 * upper dir is not idmapped (overlayfs then goes read-only: its work dir, made as host root,
 * cannot be written through the map, EOVERFLOW), so the container layer holds the range's IDs.
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(char *err, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
  return -1;
}

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A detached copy of `dir` whose IDs are seen through the user namespace `userns`. */
static int idmapped(const char *dir, int userns) {
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0) return -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned long long)userns };
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* The kernel's own words on a refused overlay, read from the fs context. */
static void context_log(int fs, char *out, size_t len) {
  out[0] = 0;
  char buf[256];
  ssize_t n;
  while ((n = read(fs, buf, sizeof buf - 1)) > 0) {
    buf[n] = 0;
    snprintf(out + strlen(out), len - strlen(out), "; %s", buf);
  }
}

/* The overlay root of the container, detached: its fd, or -1 with `err` set. */
static int make_root(const struct spec *s, int userns, char *err, size_t len) {
  int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0) return fail(err, len, "cannot open an overlay: %s", strerror(errno));
  char path[4096], log[512];
  int rc = -1, layers[MAX_LIST], n = 0;
  /* Open until the overlay exists: closing a detached mount's last fd unmounts it. */
  for (int i = s->nlower - 1; i >= 0; i--, n++) { /* the top layer first */
    if ((layers[n] = idmapped(s->rootfs_lower[i], userns)) < 0) {
      fail(err, len, "cannot make an idmapped mount of %s: %s", s->rootfs_lower[i], strerror(errno));
      goto out;
    }
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "lowerdir+", NULL, layers[n]) != 0) {
      fail(err, len, "overlay refused the layer %s: %s", s->rootfs_lower[i], strerror(errno));
      n++;
      goto out;
    }
  }
  snprintf(path, sizeof path, "%s/diff", s->bundle);
  if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", path, 0) != 0) { fail(err, len, "overlay refused %s: %s", path, strerror(errno)); goto out; }
  snprintf(path, sizeof path, "%s/work", s->bundle);
  if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", path, 0) != 0) { fail(err, len, "overlay refused %s: %s", path, strerror(errno)); goto out; }
  if (s->ephemeral) syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0); /* refused before 5.10: then without */
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) {
    int e = errno;
    context_log(fs, log, sizeof log);
    fail(err, len, "cannot mount the overlay root: %s%s", strerror(e), log);
    goto out;
  }
  rc = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
  if (rc < 0) fail(err, len, "cannot mount the overlay root: %s", strerror(errno));
out:
  while (n > 0) if (layers[--n] >= 0) close(layers[n]);
  close(fs);
  return rc;
}

int userns_prepare(const struct spec *s, pid_t pid, int born_in, int sock, char *err, size_t len) {
  char path[64];
  for (int i = 0; i < s->nprocs; i++) {
    if (i == born_in) continue; /* clone3 put it there; a pid written again would wait for a grace period (cgroups.c) */
    snprintf(path, sizeof path, "%d", pid);
    if (write_text(s->procs[i], path) != 0) return fail(err, len, "cannot join cgroup %s: %s", s->procs[i], strerror(errno));
  }
  snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
  if (write_text(path, s->uid_map) != 0) return fail(err, len, "cannot write uid_map \"%s\": %s", s->uid_map, strerror(errno));
  snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
  if (write_text(path, s->gid_map) != 0) return fail(err, len, "cannot write gid_map \"%s\": %s", s->gid_map, strerror(errno));
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  int userns = open(path, O_RDONLY | O_CLOEXEC);
  if (userns < 0) return fail(err, len, "cannot open %s: %s", path, strerror(errno));
  int root = make_root(s, userns, err, len);
  close(userns);
  if (root < 0) return -1;
  int r = send_fd(sock, root);
  close(root);
  return r == 0 ? 0 : fail(err, len, "cannot hand the root to the container: %s", strerror(errno));
}
