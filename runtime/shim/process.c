/* The last steps before exec, shared by run and exec: user, groups, capabilities, seccomp, terminal. */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int last_cap(void) {
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  char buf[16] = { 0 };
  if (fd < 0) return 40;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? atoi(buf) : 40;
}

/* What this process may still grant: a host without CAP_SYS_RESOURCE cannot give it to --privileged. */
static uint64_t permitted_now(void) {
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) != 0) return ~0ULL;
  return (uint64_t)d[1].permitted << 32 | d[0].permitted;
}

int become_userns_root(void) {
  return setgroups(0, NULL) == 0 && setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) == 0 ? 0 : -1;
}

static void seccomp_or_exit(const struct spec *s, uint64_t caps, int errfd) {
  char err[256];
  if (load_seccomp(caps, s->seccomp_rules, err, sizeof err) != 0) report_and_exit(errfd, EXIT_SETUP, "%s", err);
}

void apply_process(const struct spec *s, int errfd) {
  int last = last_cap();
  uint64_t all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1, permitted = permitted_now();
  uint64_t caps = (s->privileged ? ~0ULL : s->caps) & all & permitted;
  /* The filter follows the container's capabilities, also for an `exec --privileged` in it. */
  uint64_t filter_caps = s->caps & all & permitted;
  /* Without no_new_privs, loading a filter takes CAP_SYS_ADMIN, which a change of user drops. */
  if (!s->seccomp_unconfined && s->privileged) seccomp_or_exit(s, filter_caps, errfd);
  for (int cap = 0; cap <= last; cap++)
    if (!(caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      report_and_exit(errfd, EXIT_SETUP, "cannot drop capability %d: %s", cap, strerror(errno));
  if (setgroups((size_t)s->ngroups, s->groups) != 0 || setresgid(s->gid, s->gid, s->gid) != 0 || setresuid(s->uid, s->uid, s->uid) != 0)
    report_and_exit(errfd, EXIT_SETUP, "cannot set user %u:%u: %s", s->uid, s->gid, strerror(errno));
  /* A non-root user keeps no capabilities (setresuid cleared them), as in Docker. */
  if (s->uid == 0) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    /* No inheritable set, as Docker since 20.10.14 (CVE-2022-24769): execve of a file with
       inheritable file capabilities must not raise them past the bounding set's intent. */
    for (int i = 0; i < 2; i++) d[i].effective = d[i].permitted = (uint32_t)(caps >> (32 * i));
    if (syscall(SYS_capset, &h, d) != 0) report_and_exit(errfd, EXIT_SETUP, "cannot set capabilities: %s", strerror(errno));
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (!s->privileged && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    report_and_exit(errfd, EXIT_SETUP, "cannot set no_new_privs: %s", strerror(errno));
  if (!s->seccomp_unconfined && !s->privileged) seccomp_or_exit(s, filter_caps, errfd);
}

/* execvp searches the PATH of `environ`, which is the container's from here on. */
void exec_command(const struct spec *s, int errfd) {
  static char *envp[257];
  for (int i = 0; i < s->nenv; i++) envp[i] = (char *)s->env[i];
  envp[s->nenv] = NULL;
  environ = envp;
  if (s->cwd && chdir(s->cwd) != 0)
    report_and_exit(errfd, EXIT_SETUP, "chdir to cwd (\"%s\") set in config.json failed: %s", s->cwd, strerror(errno));
  const char *cmd = s->init ? "/dev/init" : s->argv[0];
  char **argv = s->argv;
  if (s->init) {
    static char *with_init[1024];
    int n = 0;
    with_init[n++] = "/dev/init";
    with_init[n++] = "--";
    for (int i = 0; s->argv[i] && n < 1023; i++) with_init[n++] = s->argv[i];
    with_init[n] = NULL;
    argv = with_init;
  }
  execvp(cmd, argv);
  int e = errno;
  if (e == ENOENT && !strchr(cmd, '/'))
    report_and_exit(errfd, EXIT_NOTFOUND, "exec: \"%s\": executable file not found in $PATH", cmd);
  if (e == ENOENT) report_and_exit(errfd, EXIT_NOTFOUND, "exec: \"%s\": stat %s: no such file or directory", cmd, cmd);
  report_and_exit(errfd, EXIT_NOEXEC, "exec: \"%s\": %s", cmd, e == EACCES ? "permission denied" : strerror(e));
}

int send_fd(int sock, int fd) {
  char dummy = 'f', ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { &dummy, 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

int recv_fd(int sock) {
  char dummy, ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { &dummy, 1 };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1) return -1;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof(int));
  return fd;
}

/*
 * Opens a terminal in the container's own /dev/pts (so `tty` names it inside) and hands the
 * master to the process on the other end of `sock`, as runc does with its console socket.
 */
int open_pty_inside(int sock, int *slave) {
  int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return -1;
  int n;
  char path[64];
  if (ioctl(master, TIOCGPTN, &n) != 0) return -1;
  snprintf(path, sizeof path, "/dev/pts/%d", n);
  *slave = open(path, O_RDWR | O_NOCTTY);
  if (*slave < 0 || send_fd(sock, master) != 0) return -1;
  return master;
}
