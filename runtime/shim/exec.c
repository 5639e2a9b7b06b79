/*
 * `berth exec`: a process in a running container. This helper joins the container's cgroups
 * and namespaces (its own threads are one: setns works), forks the process (a PID namespace
 * applies to children), relays a terminal when asked, and exits as the process did.
 */
#include "shim.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static pid_t target;
static int v1_tasks[MAX_LIST], v1_count;
static void forward(int sig) { if (target > 0) kill(target, sig); }

/*
 * The user namespace comes last: joined first, host root would lose its rights over a namespace
 * the container's does not own (the host's network with --network host).
 */
static int enter_namespaces(const struct spec *s) {
  static const char *names[] = { "ipc", "uts", "net", "pid", "mnt", "user" };
  int fds[6], n = s->uid_map ? 6 : 5;
  char path[64];
  for (int i = 0; i < n; i++) { /* all opened first: /proc is the host's until the mount namespace changes */
    snprintf(path, sizeof path, "/proc/%d/ns/%s", s->pid, names[i]);
    if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) die("cannot open %s: %s", path, strerror(errno));
  }
  /*
   * cgroup.procs would wait for the kernel's grace period (cgroups.c): the process joins v1 itself
   * through `tasks` (opened now, while the host's /sys is in view) and v2 at the fork. This helper
   * stays out of the container's cgroups, so `top` and the pids limit see only the container's.
   */
  int cgroup2 = open_cgroups_v1(s, v1_tasks, &v1_count);
  for (int i = 0; i < n; i++)
    if (setns(fds[i], 0) != 0) die("cannot enter the container's %s namespace: %s", names[i], strerror(errno));
  return cgroup2;
}

/*
 * Copies between the caller's terminal and the container's until the container's side closes.
 * Input is queued (io.c) and written without blocking: a container busy printing is never left
 * waiting for this process to read while it waits to write a large paste.
 */
static void relay(int master) {
  struct termios saved, raw;
  int is_tty = isatty(0) && tcgetattr(0, &saved) == 0;
  if (is_tty) { raw = saved; cfmakeraw(&raw); tcsetattr(0, TCSANOW, &raw); }
  struct winsize ws;
  if (is_tty && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  struct inq q = { 0 };
  int in_open = 1;
  for (;;) {
    int queued = q.len > q.off;
    struct pollfd p[2] = { { in_open && q.len - q.off < INQ_HIGH ? 0 : -1, POLLIN, 0 }, { master, (short)(POLLIN | (queued ? POLLOUT : 0)), 0 } };
    int r = poll(p, 2, -1);
    if (r < 0 && errno == EINTR) { if (is_tty && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws); continue; }
    char buf[8192];
    if (p[1].revents & POLLOUT) inq_flush(&q, master);
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) write_all(1, buf, (size_t)n);
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) break;
    }
    if (p[0].revents) { ssize_t n = read(0, buf, sizeof buf); if (n <= 0) in_open = 0; else inq_push(&q, master, buf, (size_t)n); }
  }
  free(q.buf);
  if (is_tty) tcsetattr(0, TCSANOW, &saved);
}

static void on_winch(int sig) { (void)sig; }

int exec_main(int argc, char **argv) {
  struct spec s;
  parse_spec(&s, argc, argv);
  if (s.pid <= 0) die("--pid is required");
  int cgroup2 = enter_namespaces(&s);
  int ep[2], ps[2] = { -1, -1 };
  if (pipe2(ep, O_CLOEXEC) != 0 || (s.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ps) != 0)) die("pipe: %s", strerror(errno));
  target = fork_into_cgroup2(cgroup2);
  if (target < 0) die("fork: %s", strerror(errno));
  if (target == 0) {
    close(ep[0]);
    for (int i = 0; i < v1_count; i++)
      if (write(v1_tasks[i], "0", 1) != 1) report_and_exit(ep[1], EXIT_SETUP, "cannot join the container's cgroups: %s", strerror(errno));
    setsid();
    if (s.uid_map && become_userns_root() != 0) report_and_exit(ep[1], EXIT_SETUP, "cannot become root in the user namespace: %s", strerror(errno));
    if (s.tty) {
      int slave, master = open_pty_inside(ps[1], &slave);
      if (master < 0) report_and_exit(ep[1], EXIT_SETUP, "cannot make a terminal: %s", strerror(errno));
      close(master);
      /* The caller's size now: the relay sets it too, but only after the command may have asked. */
      struct winsize ws;
      if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(slave, TIOCSWINSZ, &ws);
      for (int i = 0; i < 3; i++) dup2(slave, i);
      if (slave > 2) close(slave);
      ioctl(0, TIOCSCTTY, 0);
    }
    apply_process(&s, ep[1]);
    exec_command(&s, ep[1]);
  }
  close(ep[1]);
  struct sigaction sa = { .sa_handler = forward };
  int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
  struct sigaction sw = { .sa_handler = on_winch };
  sigaction(SIGWINCH, &sw, NULL);
  if (s.tty) {
    close(ps[1]);
    int master = recv_fd(ps[0]);
    if (master >= 0) relay(master);
  }
  char msg[1024];
  ssize_t n, got = 0;
  while ((n = read(ep[0], msg + got, sizeof msg - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR)) if (n > 0) got += n;
  int status;
  while (waitpid(target, &status, 0) < 0 && errno == EINTR) {}
  if (got > 0) {
    msg[got] = 0;
    char *colon = strchr(msg, ':');
    /* As docker exec: whatever keeps the process from starting (not found, not executable, no such
     * working dir) is 126, whatever code the child reported; docker run keeps 127 for not found. */
    fprintf(stderr, "berth: exec failed: unable to start container process: %s\n", colon ? colon + 1 : msg);
    return EXIT_NOEXEC;
  }
  return exit_code_of(status);
}
