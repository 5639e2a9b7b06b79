/*
 * The container's own mounts, made under the new root before pivot_root: binds (host paths and
 * volume Mountpoints) and tmpfs, in the order given (parents first, runtime/volumes/points.ts).
 *   --bind SRC:DST:ro|rw[,PROPAGATION][,copy]   --tmpfs FLAGS:DATA:DST
 * `copy` fills an empty volume with the image's content at DST first (Docker's copy-up).
 */
#include "shim.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAIL(...) report_and_exit(errfd, EXIT_SETUP, __VA_ARGS__)

static int has_word(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && !strncmp(p, word, n)) return 1;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

/* 1 when `dir` has no entry, -1 when it is not a readable directory. */
static int is_empty_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *e;
  int empty = 1;
  while (empty && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
  closedir(d);
  return empty;
}

/* copyup --idmap: image IDs 0..size-1 become host IDs base.., as the container in its range sees them. */
static unsigned long id_uid_base, id_uid_size, id_gid_base, id_gid_size;

static int shift_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)flag; (void)ftw;
  uid_t u = st->st_uid < id_uid_size ? (uid_t)(st->st_uid + id_uid_base) : st->st_uid;
  gid_t g = st->st_gid < id_gid_size ? (gid_t)(st->st_gid + id_gid_base) : st->st_gid;
  if (u == st->st_uid && g == st->st_gid) return 0;
  if (lchown(path, u, g) != 0) return -1;
  /* chown clears set-user-ID and set-group-ID: the image's bits come back */
  if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) && chmod(path, st->st_mode & 07777) != 0) return -1;
  return 0;
}

/*
 * Copies the image's `from` into the empty volume `to`: cp -a keeps owners, modes, times, links
 * and xattrs, and gives `to` the attributes of `from` itself, as Docker's copyExistingContents does.
 */
static void copy_up(const char *root, const char *from, const char *to, int errfd) {
  char real[PATH_MAX], top[PATH_MAX], src[PATH_MAX + 8];
  struct stat st;
  /* Before pivot_root, an absolute link in the image resolves on the host: copy only from inside the root. */
  if (!realpath(root, top) || !realpath(from, real)) return;
  size_t n = strlen(top);
  if (strncmp(real, top, n) != 0 || (real[n] != '/' && real[n] != 0)) return;
  if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode) || is_empty_dir(real) != 0 || is_empty_dir(to) != 1) return;
  snprintf(src, sizeof src, "%s/.", real);
  pid_t pid = fork();
  if (pid < 0) FAIL("cannot copy %s into its volume: %s", from, strerror(errno));
  if (pid == 0) {
    execl("/bin/cp", "cp", "-a", "--", src, to, (char *)NULL);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) FAIL("cannot copy %s into its volume %s: cp failed (%d)", from, to, exit_code_of(status));
  if (id_uid_size + id_gid_size > 0 && nftw(to, shift_one, 64, FTW_PHYS | FTW_MOUNT) != 0)
    FAIL("cannot give %s the container's IDs: %s", to, strerror(errno));
}

static unsigned long propagation_of(const char *opts) {
  static const struct { const char *name; unsigned long flags; } MODES[] = {
    { "private", MS_PRIVATE }, { "shared", MS_SHARED }, { "slave", MS_SLAVE },
    { "rshared", MS_SHARED | MS_REC }, { "rslave", MS_SLAVE | MS_REC },
  };
  for (size_t i = 0; i < sizeof MODES / sizeof *MODES; i++)
    if (has_word(opts, MODES[i].name)) return MODES[i].flags;
  return 0; /* rprivate: / was made rprivate already */
}

/* Splits SRC:DST:OPTS into its parts (in `buf`), the target under `merged` into `dst`. */
static const char *split_bind(const char *spec, char *buf, size_t n, const char *merged, char *dst, size_t dn, int errfd) {
  snprintf(buf, n, "%s", spec);
  char *c1 = strchr(buf, ':');
  if (!c1) FAIL("bad bind %s", spec);
  *c1 = 0;
  char *c2 = strchr(c1 + 1, ':');
  if (c2) *c2 = 0;
  snprintf(dst, dn, "%s%s", merged, c1 + 1);
  return c2 ? c2 + 1 : "";
}

/* Copy-up (when asked) into the volume at SRC, before it hides the image's content at DST. */
static void copy_up_bind(const char *spec, const char *merged, int errfd) {
  char src[4096], dst[4096];
  const char *opts = split_bind(spec, src, sizeof src, merged, dst, sizeof dst, errfd);
  if (has_word(opts, "copy")) copy_up(merged, dst, src, errfd);
}

/* `fd`: the source opened earlier (a private user namespace's root cannot walk the host's paths), or -1. */
static void mount_bind(const char *spec, const char *merged, int fd, int errfd) {
  char src[4096], dst[4096];
  const char *opts = split_bind(spec, src, sizeof src, merged, dst, sizeof dst, errfd);
  if (fd >= 0) snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
  struct stat st;
  if (stat(src, &st) != 0) FAIL("bind source %s: %s", src, strerror(errno));
  if (S_ISDIR(st.st_mode)) mkdirs(dst, 0755);
  else {
    char *slash = strrchr(dst, '/');
    *slash = 0;
    mkdirs(dst, 0755);
    *slash = '/';
    /* Read-only: opening an image's file for writing would copy it up into the container layer for nothing. */
    close(open(dst, O_CREAT | O_RDONLY | O_CLOEXEC, 0644));
  }
  mnt(errfd, src, dst, NULL, MS_BIND | MS_REC, NULL);
  unsigned long propagation = propagation_of(opts);
  if (propagation) mnt(errfd, NULL, dst, NULL, propagation, NULL);
  if (has_word(opts, "ro")) set_readonly(errfd, dst, 1);
}

static void mount_tmpfs(const char *spec, const char *merged, int errfd) {
  char buf[4096], dst[4096];
  snprintf(buf, sizeof buf, "%s", spec);
  char *c1 = strchr(buf, ':');
  char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (!c2) FAIL("bad tmpfs %s", spec);
  *c1 = *c2 = 0;
  snprintf(dst, sizeof dst, "%s%s", merged, c2 + 1);
  mkdirs(dst, 0755);
  mnt(errfd, "tmpfs", dst, "tmpfs", strtoul(buf, NULL, 10), c1[1] ? c1 + 1 : NULL);
}

void open_volume_sources(const struct spec *s, const char *merged, int *fds, int errfd) {
  for (int i = 0; i < s->nmounts; i++) {
    fds[i] = -1;
    if (s->mount_kinds[i] == 't') continue;
    char src[4096], dst[4096];
    const char *opts = split_bind(s->mounts[i], src, sizeof src, merged, dst, sizeof dst, errfd);
    if (has_word(opts, "copy")) copy_up(merged, dst, src, errfd);
    if ((fds[i] = open(src, O_PATH | O_CLOEXEC)) < 0) FAIL("bind source %s: %s", src, strerror(errno));
  }
}

void mount_volumes(const struct spec *s, const char *merged, const int *fds, int errfd) {
  for (int i = 0; i < s->nmounts; i++) {
    if (s->mount_kinds[i] == 't') mount_tmpfs(s->mounts[i], merged, errfd);
    else {
      if (!fds) copy_up_bind(s->mounts[i], merged, errfd);
      mount_bind(s->mounts[i], merged, fds ? fds[i] : -1, errfd);
    }
  }
}

/*
 * `berth-shim copyup [--idmap UID:USIZE:GID:GSIZE] MERGED DST VOLUME LOWER...` (layers lowest
 * first): copies the image's DST into the empty VOLUME at `berth create`, as dockerd does for a
 * container's anonymous volumes, so that --volumes-from of a container never started sees the
 * content; and at start for a container in a private user namespace (whose own process cannot
 * give the copies the range's IDs), with --idmap shifting image IDs into the range. The read-only
 * view of the layers lives in a private mount namespace that ends with this process.
 */
int copyup_main(int argc, char **argv) {
  int errfd = 2;
  if (argc >= 2 && !strcmp(argv[0], "--idmap")) {
    if (sscanf(argv[1], "%lu:%lu:%lu:%lu", &id_uid_base, &id_uid_size, &id_gid_base, &id_gid_size) != 4) die("bad --idmap %s", argv[1]);
    argc -= 2;
    argv += 2;
  }
  if (argc < 4) die("usage: berth-shim copyup [--idmap UID:USIZE:GID:GSIZE] MERGED DST VOLUME LOWER...");
  const char *merged = argv[0], *dst = argv[1], *volume = argv[2];
  if (unshare(CLONE_NEWNS) != 0) die("cannot make a mount namespace: %s", strerror(errno));
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("cannot make / private: %s", strerror(errno));
  if (argc == 4) mnt(errfd, argv[3], merged, NULL, MS_BIND | MS_RDONLY, NULL);
  else {
    /* overlayfs without an upper dir is read-only and wants the top layer first */
    char data[8192];
    size_t o = (size_t)snprintf(data, sizeof data, "lowerdir=");
    for (int i = argc - 1; i >= 3; i--) o += (size_t)snprintf(data + o, sizeof data - o, "%s%s", argv[i], i > 3 ? ":" : "");
    mnt(errfd, "overlay", merged, "overlay", MS_RDONLY, data);
  }
  char from[4096];
  snprintf(from, sizeof from, "%s%s", merged, dst);
  copy_up(merged, from, volume, errfd);
  return 0;
}
