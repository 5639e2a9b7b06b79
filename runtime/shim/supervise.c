/*
 * The per-container supervisor: clones the container, keeps its logs and exit status, serves
 * the attach socket and applies the restart policy; at the end it becomes the exit command
 * (`berth ... cleanup ID`) unless an attached owner (a foreground `berth run`) cleans up itself.
 * State files in --state: shim.lock (held while alive), shim.json, stopped (marker); the attach socket at --socket.
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
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 32
struct client { int fd, owner; size_t len; unsigned char buf[65536 + 5]; };
static struct client clients[MAX_CLIENTS];
static struct spec S;
static struct log LOG;
static int stdin_fd = -1, out_fd = -1, err_fd = -1, master_fd = -1, listen_fd = -1, sig_fd = -1;
static pid_t child = 0;
static struct inq IN; /* stdin on its way to the container */
static int stdin_closing; /* the close follows the queued input */
static int restart_count = 0;
static char started_at[64] = "", finished_at[64] = "", error_msg[1024] = "";

static void path_in_state(char *out, size_t len, const char *name) { snprintf(out, len, "%s/%s", S.state, name); }

static void json_escape(char *out, size_t len, const char *in) {
  size_t o = 0;
  for (; *in && o + 7 < len; in++) {
    unsigned char c = (unsigned char)*in;
    if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
    else if (c < 0x20) o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
    else out[o++] = (char)c;
  }
  out[o] = 0;
}

static void write_status(const char *status, int exit_code) {
  char text[4096], err[2048], path[4096];
  json_escape(err, sizeof err, error_msg);
  snprintf(text, sizeof text,
           "{\"shimPid\":%d,\"status\":\"%s\",\"pid\":%d,\"exitCode\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"restartCount\":%d,\"error\":\"%s\"}\n",
           getpid(), status, child, exit_code, started_at, finished_at, restart_count, err);
  path_in_state(path, sizeof path, "shim.json");
  write_file_atomic(path, text);
}

static void add_client(int fd) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd <= 0) { clients[i].fd = fd; clients[i].owner = 0; clients[i].len = 0; return; }
  close(fd);
}

static void drop_client(struct client *c) { close(c->fd); c->fd = -1; c->owner = 0; }

static void broadcast(int type, const void *data, uint32_t len) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd > 0 && send_frame(clients[i].fd, type, data, len) < 0) drop_client(&clients[i]);
}

static void close_stdin(void) {
  if (master_fd >= 0) inq_push(&IN, master_fd, "\x04", 1);
  if (IN.len > IN.off) stdin_closing = 1;
  else if (stdin_fd >= 0) { close(stdin_fd); stdin_fd = -1; }
}

static void flush_stdin(void) {
  int fd = master_fd >= 0 ? master_fd : stdin_fd;
  if (fd >= 0) inq_flush(&IN, fd);
  if (stdin_closing && IN.len == 0) { stdin_closing = 0; if (stdin_fd >= 0) { close(stdin_fd); stdin_fd = -1; } }
}

static void handle_frame(struct client *c, int type, const unsigned char *d, uint32_t len) {
  if (type == F_STDIN) inq_push(&IN, master_fd >= 0 ? master_fd : stdin_fd, d, len);
  else if (type == F_STDIN_CLOSE) close_stdin();
  else if (type == F_OWNER) c->owner = 1;
  else if (type == F_RESIZE && len == 4 && master_fd >= 0) {
    struct winsize ws = { .ws_row = (unsigned short)(d[0] << 8 | d[1]), .ws_col = (unsigned short)(d[2] << 8 | d[3]) };
    ioctl(master_fd, TIOCSWINSZ, &ws);
  }
}

static void read_client(struct client *c) {
  ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
  if (n <= 0) { drop_client(c); return; }
  c->len += (size_t)n;
  size_t off = 0;
  while (c->len - off >= 5) {
    uint32_t len = (uint32_t)c->buf[off + 1] << 24 | c->buf[off + 2] << 16 | c->buf[off + 3] << 8 | c->buf[off + 4];
    if (len > 65536) { drop_client(c); return; }
    if (c->len - off < 5 + len) break;
    handle_frame(c, c->buf[off], c->buf + off + 5, len);
    off += 5 + len;
  }
  memmove(c->buf, c->buf + off, c->len - off);
  c->len -= off;
}

/* Output of the container: to the log and to every attached client. Returns 0 at EOF. */
static int pump(int *fd, int type) {
  char buf[32768];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) { close(*fd); *fd = -1; return 0; }
  log_write(&LOG, type == F_STDERR ? "stderr" : "stdout", buf, (size_t)n);
  broadcast(type, buf, (uint32_t)n);
  return 1;
}

/* Enters the prepared network namespace at `path`, keeping the current one open in *own to come back. */
static int enter_netns(const char *path, int *own) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  *own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || *own < 0 || setns(fd, CLONE_NEWNET) != 0) {
    snprintf(error_msg, sizeof error_msg, "cannot join the network namespace %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    if (*own >= 0) close(*own);
    *own = -1;
    return -1;
  }
  close(fd);
  return 0;
}

/* Starts the container. Returns 0, or the exit code of a failed start (the error in error_msg). */
static int start_container(void) {
  int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 }, ep[2], ps[2] = { -1, -1 }, rs[2] = { -1, -1 };
  if (pipe2(ep, O_CLOEXEC) != 0) return EXIT_SETUP;
  if (S.uid_map && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rs) != 0) return EXIT_SETUP;
  struct child_ctx ctx = { .s = &S, .errpipe = ep[1], .ptysock = -1, .rootsock = rs[1], .cgroup2 = cgroup2_index(&S), .release_fd = S.release_fd };
  S.release_fd = -1; /* a restart finds the network in place */
  if (S.tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ps) != 0) return EXIT_SETUP;
    ctx.ptysock = ps[1];
  } else {
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return EXIT_SETUP;
    if (S.open_stdin) { if (pipe2(in, O_CLOEXEC) != 0) return EXIT_SETUP; }
    else in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ctx.stdio[0] = in[0]; ctx.stdio[1] = out[1]; ctx.stdio[2] = err[1];
  }
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  /* "none" gets a fresh netns; a prepared one (a path) is entered around clone() so the child
   * starts in it, which works in a private user namespace too; "host" keeps the supervisor's. */
  if (!S.netns || (strcmp(S.netns, "host") != 0 && S.netns[0] != '/')) flags |= CLONE_NEWNET;
  if (S.uid_map) flags |= CLONE_NEWUSER; /* first: the other namespaces then belong to it */
  int own_netns = -1;
  if (S.netns && S.netns[0] == '/' && enter_netns(S.netns, &own_netns) != 0) return EXIT_SETUP;
  error_msg[0] = 0;
  child = clone_container(flags, &S, &ctx);
  if (own_netns >= 0 && (setns(own_netns, CLONE_NEWNET) != 0 || close(own_netns) != 0)) {
    if (child > 0) kill(child, SIGKILL);
    snprintf(error_msg, sizeof error_msg, "cannot return to the supervisor's network namespace: %s", strerror(errno));
    return EXIT_SETUP;
  }
  close(ep[1]);
  if (in[0] >= 0) close(in[0]);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (ps[1] >= 0) close(ps[1]);
  if (rs[1] >= 0) close(rs[1]);
  if (child < 0) {
    snprintf(error_msg, sizeof error_msg, "cannot create the container's namespaces: %s", strerror(errno));
    close(ep[0]);
    if (rs[0] >= 0) close(rs[0]);
    return EXIT_SETUP;
  }
  /* The child waits for its root; without it, it reports nothing and dies of the kill. */
  if (S.uid_map && userns_prepare(&S, child, ctx.born_in, rs[0], error_msg, sizeof error_msg) != 0) kill(child, SIGKILL);
  if (rs[0] >= 0) close(rs[0]);
  if (S.tty) { master_fd = recv_fd(ps[0]); close(ps[0]); }
  char msg[1024];
  ssize_t n, got = 0;
  while ((n = read(ep[0], msg + got, sizeof msg - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR)) if (n > 0) got += n;
  close(ep[0]);
  if (got == 0 && error_msg[0]) { snprintf(msg, sizeof msg, "%d:%s", EXIT_SETUP, error_msg); got = (ssize_t)strlen(msg); }
  if (got > 0) {
    msg[got] = 0;
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (master_fd >= 0) { close(master_fd); master_fd = -1; }
    if (out[0] >= 0) { close(out[0]); close(err[0]); }
    if (in[1] >= 0) close(in[1]);
    char *colon = strchr(msg, ':');
    snprintf(error_msg, sizeof error_msg, "%s", colon ? colon + 1 : msg);
    return colon ? atoi(msg) : EXIT_SETUP;
  }
  out_fd = out[0]; err_fd = err[0]; stdin_fd = in[1];
  if (stdin_fd >= 0) fcntl(stdin_fd, F_SETFL, O_NONBLOCK);
  if (master_fd >= 0) fcntl(master_fd, F_SETFL, O_NONBLOCK);
  rfc3339_now(started_at, sizeof started_at);
  return 0;
}

/* Runs until the container's PID 1 has exited and its output is drained; returns its exit code. */
static int serve(void) {
  int status = -1, done = 0;
  while (!done || out_fd >= 0 || err_fd >= 0 || master_fd >= 0) {
    struct pollfd p[MAX_CLIENTS + 6];
    int in_full = IN.len - IN.off >= INQ_HIGH; /* clients wait while the container catches up */
    int n = 0;
    p[n++] = (struct pollfd){ sig_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ listen_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ out_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ err_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ master_fd, POLLIN, 0 };
    for (int i = 0; i < MAX_CLIENTS; i++) p[n++] = (struct pollfd){ clients[i].fd > 0 && !in_full ? clients[i].fd : -1, POLLIN, 0 };
    p[n++] = (struct pollfd){ IN.len > IN.off ? (master_fd >= 0 ? master_fd : stdin_fd) : -1, POLLOUT, 0 };
    if (poll(p, (nfds_t)n, -1) < 0) continue;
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sig_fd, &si, sizeof si) == sizeof si) {}
      int st;
      pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0) if (w == child) { status = st; done = 1; }
    }
    if (p[1].revents & POLLIN) { int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC); if (c >= 0) add_client(c); }
    if (p[2].revents) pump(&out_fd, F_STDOUT);
    if (p[3].revents) pump(&err_fd, F_STDERR);
    if (p[4].revents) pump(&master_fd, F_STDOUT); /* EIO once the terminal's last user is gone */
    for (int i = 0; i < MAX_CLIENTS; i++) if (p[5 + i].revents && clients[i].fd > 0) read_client(&clients[i]);
    if (p[5 + MAX_CLIENTS].revents) flush_stdin();
  }
  if (stdin_fd >= 0) { close(stdin_fd); stdin_fd = -1; }
  IN.len = IN.off = 0;
  stdin_closing = 0;
  return exit_code_of(status);
}

/* Docker's policy: no | always | unless-stopped | on-failure[:N]. */
static int should_restart(int code) {
  char marker[4096];
  path_in_state(marker, sizeof marker, "stopped");
  if (!S.restart || !strcmp(S.restart, "no") || access(marker, F_OK) == 0) return 0;
  if (!strncmp(S.restart, "on-failure", 10)) {
    int max = S.restart[10] == ':' ? atoi(S.restart + 11) : 0;
    return code != 0 && (max == 0 || restart_count < max);
  }
  return 1;
}

/* Docker's growing delay: 100 ms, doubled at each restart, reset after a run of 10 s; at most 1 min. */
static int sleep_before_restart(long *delay_ms, time_t ran_for) {
  char marker[4096];
  path_in_state(marker, sizeof marker, "stopped");
  if (ran_for >= 10) *delay_ms = 100;
  for (long waited = 0; waited < *delay_ms; waited += 50) {
    if (access(marker, F_OK) == 0) return 0;
    usleep(50 * 1000);
  }
  *delay_ms = *delay_ms * 2 > 60000 ? 60000 : *delay_ms * 2;
  return 1;
}

static int any_owner(void) {
  for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd > 0 && clients[i].owner) return 1;
  return 0;
}

/* Reads what clients sent meanwhile (an owner's claim may arrive after the container ended). */
static void drain_clients(void) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].fd <= 0) continue;
    struct pollfd p = { clients[i].fd, POLLIN, 0 };
    while (clients[i].fd > 0 && poll(&p, 1, 0) > 0) read_client(&clients[i]);
  }
}

static void setup(void) {
  char path[4096];
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0); dup2(null, 1); dup2(null, 2);
  if (null > 2) close(null);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  path_in_state(path, sizeof path, "shim.lock");
  int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) die("another supervisor holds %s", path);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf(path, sizeof path, "%s", S.socket ? S.socket : "attach.sock");
  if (strlen(path) >= sizeof addr.sun_path) die("state dir path too long for a socket: %s", path);
  strcpy(addr.sun_path, path);
  unlink(path);
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listen_fd, 16) != 0)
    die("cannot listen on %s: %s", path, strerror(errno));
  static char log_path[4096];
  snprintf(log_path, sizeof log_path, "%s/container.log", S.bundle);
  LOG = (struct log){ .path = log_path, .max_size = S.log_max_size, .max_file = S.log_max_file };
  log_open(&LOG);
}

/* A start that failed: the status written and its Error frame ("CODE:WHAT ERROR_MSG") sent. */
static int failed_start(int code, const char *what) {
  char text[1200];
  rfc3339_now(finished_at, sizeof finished_at);
  write_status("exited", code);
  snprintf(text, sizeof text, "%d:%s%s", code, what, error_msg);
  broadcast(F_ERROR, text, (uint32_t)strlen(text));
  return code;
}

int supervise_main(int argc, char **argv) {
  parse_spec(&S, argc, argv);
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
  /* fd 3, when open, is the berth command that started us: the first client, attached from birth. */
  if (fcntl(3, F_GETFD) >= 0) { fcntl(3, F_SETFD, FD_CLOEXEC); add_client(3); }
  setup();
  long delay = 100;
  int code;
  /* Berth runs the CNI ADD into it while the container's root is built (--await-release). */
  if (S.make_netns) {
    if (make_netns_file(S.netns, error_msg, sizeof error_msg) != 0)
      return failed_start(EXIT_SETUP, "cannot create the container's network namespace: ");
    broadcast(F_NETNS, "", 0);
  }
  for (;;) {
    code = start_container();
    if (code != 0) return failed_start(code, ""); /* the berth command that started us undoes the setup itself */
    char text[1200];
    write_status("running", 0);
    snprintf(text, sizeof text, "%d", child);
    broadcast(F_STARTED, text, (uint32_t)strlen(text));
    time_t began = time(NULL);
    code = serve();
    rfc3339_now(finished_at, sizeof finished_at);
    if (!should_restart(code)) { write_status("exited", code); break; }
    write_status("restarting", code);
    snprintf(text, sizeof text, "%d", code);
    broadcast(F_EXIT, text, (uint32_t)strlen(text));
    if (!sleep_before_restart(&delay, time(NULL) - began)) { write_status("exited", code); break; }
    restart_count++;
  }
  char text[32];
  snprintf(text, sizeof text, "%d", code);
  drain_clients();
  broadcast(F_EXIT, text, (uint32_t)strlen(text));
  if (S.socket) unlink(S.socket);
  close(listen_fd);
  if (any_owner()) {
    /* The owner cleans up; wait until it hangs up so that it finds the final status written. */
    while (any_owner()) {
      for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd > 0 && clients[i].owner) { char b[256]; if (read(clients[i].fd, b, sizeof b) <= 0) drop_client(&clients[i]); }
    }
    return 0;
  }
  if (S.nexit > 0) {
    execv(S.exit_cmd[0], (char **)S.exit_cmd);
  }
  return 0;
}
