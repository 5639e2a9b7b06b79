/*
 * berth-shim: the per-container supervisor and the container's first process, in C so that an
 * idle supervisor costs a few hundred KiB instead of a JavaScript runtime (see docs/berth.md).
 * The berth CLI prepares everything that can fail in JavaScript first (state dirs, cgroup,
 * spec), then runs `berth-shim supervise ...` detached, or `berth-shim exec ...` in the foreground.
 */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define MAX_LIST 64

/* What the container's process is made of: given on the command line by the berth CLI. */
struct spec {
  const char *id, *bundle, *state, *socket, *rootfs_lower[MAX_LIST];
  int nlower;
  const char *procs[MAX_LIST];
  int nprocs;
  const char *mounts[MAX_LIST]; /* --bind SRC:DST:OPTS or --tmpfs FLAGS:DATA:DST, in order */
  char mount_kinds[MAX_LIST];   /* 'b' or 't' */
  int nmounts;
  const char *env[256];
  int nenv;
  const char *hostname, *cwd, *netns, *init, *restart, *exit_cmd[16];
  const char *uid_map, *gid_map; /* "0 HOST SIZE": a private user namespace (--userns private) */
  int seccomp_unconfined;        /* --seccomp unconfined; else Docker's default policy */
  const char *seccomp_rules;     /* --seccomp-rules: a custom profile's rules instead (runtime/seccomp-profile.ts) */
  int nexit;
  uid_t uid;
  gid_t gid;
  gid_t groups[MAX_LIST];
  int ngroups;
  uint64_t caps;
  int privileged, readonly, open_stdin, tty, pid; /* pid: exec's target */
  int ephemeral; /* --rm: the container layer is never mounted again, so overlayfs may skip its syncs */
  int make_netns; /* --make-netns: the supervisor makes the netns file `netns` first and says so (F_NETNS) */
  int release_fd; /* --await-release: the first start execs only after a Release frame on this fd (berth's channel), -1 if not */
  int owned; /* --owned: the berth command on fd 3 cleans up after the exit (the only owner there is) */
  unsigned short rows, cols; /* the caller's terminal size, set before the command runs */
  long log_max_size;
  int log_max_file;
  char **argv;
};

/* Frame types on the attach socket: [type u8][length u32 big-endian][data]. */
enum { F_STDIN = 0, F_STDOUT = 1, F_STDERR = 2, F_EXIT = 3, F_STARTED = 4, F_ERROR = 5,
       F_STDIN_CLOSE = 6, F_RESIZE = 7, F_RELEASE = 9, F_NETNS = 10 }; /* 8 unused: the owner is named by --owned */

/* Exit codes of Docker's: the runtime's own errors, not executable, not found. */
enum { EXIT_SETUP = 125, EXIT_NOEXEC = 126, EXIT_NOTFOUND = 127 };

int parse_spec(struct spec *s, int argc, char **argv);
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* container.c: the container's first process (PID 1 in its namespaces); never returns. */
/* cgroup2: the index in s->procs of a cgroup v2 file, else -1; born_in: the one clone3 put the child in, else -1;
 * release_fd: the first start's wait for berth's Release frame (spec's release_fd), else -1;
 * netsock: where the supervisor sends the network namespace to join (--network none), else -1. */
struct child_ctx { const struct spec *s; int stdio[3]; int errpipe; int ptysock; int rootsock; int netsock; int cgroup2; int born_in; int release_fd; };
int container_main(void *arg);
void report_and_exit(int fd, int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
void apply_process(const struct spec *s, int errfd);
/* In a private user namespace: root inside, the range's first ID outside, before anything is created. */
int become_userns_root(void);
void exec_command(const struct spec *s, int errfd) __attribute__((noreturn));
/* Blocks until the Release frame arrives on `fd` (berth made the network meanwhile); EOF or another frame fails the start. */
void await_release(int fd, int errfd);
int open_pty_inside(int sock, int *slave);
void mkdirs(const char *path, mode_t mode);
/* Read-only through mount_setattr (changes no other flag, which a user namespace may lock); recursive: submounts too. */
void set_readonly(int errfd, const char *path, int recursive);
void mnt(int errfd, const char *src, const char *dst, const char *type, unsigned long flags, const char *data);

/* mounts.c: binds, volumes and tmpfs under the new root */
/* A private user namespace: copy-up done and every bind source opened (fds) while still host root. */
void open_volume_sources(const struct spec *s, const char *merged, int *fds, int errfd);
/* fds: from open_volume_sources, or NULL (then copy-up as each mount comes). */
void mount_volumes(const struct spec *s, const char *merged, const int *fds, int errfd);
int copyup_main(int argc, char **argv);
/* link-delete.c: `berth-shim link-delete NAME`, bridge DEL's detached veth deletion. */
int link_delete_main(int argc, char **argv);
/* link-delete.c: deletes the veths of the netns file at `path` (each with its peer); failures are left to the CNI DEL. */
void delete_netns_veths(const char *path);
int send_fd(int sock, int fd);
int recv_fd(int sock);

/* io.c: frames, logs, time (UTC, without the time zone files) */
int write_all(int fd, const void *buf, size_t len);
int send_frame(int fd, int type, const void *data, uint32_t len);
void rfc3339_now(char *out, size_t len);
struct log { const char *path; int fd; long size, max_size; int max_file; };
void log_open(struct log *l);
void log_write(struct log *l, const char *stream, const char *data, size_t len);
int exit_code_of(int status);
/* Input for a container's stdin, written as the container reads it (io.c). */
struct inq { char *buf; size_t off, len, cap; };
#define INQ_HIGH (1024 * 1024) /* queued bytes at which clients are no longer read */
int inq_push(struct inq *q, int fd, const void *d, size_t len);
int inq_flush(struct inq *q, int fd);

/* cgroups.c: the container's first process, cloned with `flags` (namespaces) into what cgroups it can be born in. */
int cgroup2_index(const struct spec *s);
pid_t clone_container(unsigned long flags, const struct spec *s, struct child_ctx *c);
/* In the child, before anything else: every cgroup it was not born in (v1 through `tasks`, no global lock). */
void join_cgroups(const struct spec *s, const struct child_ctx *c, int errfd);
/* For exec: every v1 `tasks` file opened into `fds` (the child writes "0" to each); returns the v2 dir, open, or -1. */
int open_cgroups_v1(const struct spec *s, int *fds, int *nfds);
/* fork() with the child born in the cgroup v2 dir `dirfd` (-1: a plain fork). */
pid_t fork_into_cgroup2(int dirfd);

/* userns.c: the supervisor gives the container `pid` its cgroups (all but `born_in`), id maps and root (sent on `sock`). */
int userns_prepare(const struct spec *s, pid_t pid, int born_in, int sock, char *err, size_t len);

/* seccomp.c: Docker's default filter for a process holding `caps`, or `rules` (NULL: none), loaded; -1 with `err` set. */
int load_seccomp(uint64_t caps, const char *rules, char *err, size_t len);

/* supervise.c, exec.c */
int supervise_main(int argc, char **argv);
int exec_main(int argc, char **argv);
/* netns.c: a new network namespace, open, with lo up if asked (the caller's namespace kept); -1 with the reason in err. */
int new_netns(int lo_up, char *err, size_t len);
/* netns.c: brings this process's lo up; -1 with the reason in err. */
int loopback_up(char *err, size_t len);
/* netns.c: a new network namespace bound on a file; 0, or -1 with the reason in err (the caller's namespace kept) */
int make_netns_file(const char *path, char *err, size_t len);
#endif
