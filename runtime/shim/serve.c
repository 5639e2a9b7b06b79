/*
 * The supervisor while the container runs: its output to the log and to every client of the
 * attach socket, clients' frames in (stdin, its close, a terminal's size), and
 * the container's exit, reaped from SIGCHLD.
 */
#include "supervisor.h"
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CLIENTS 32
struct client { int fd, owner; size_t len; unsigned char buf[65536 + 5]; };
static struct client clients[MAX_CLIENTS];
static struct inq IN; /* stdin on its way to the container */
static int stdin_closing; /* the close follows the queued input */

void clients_init(void) {
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
}

void add_client(int fd, int owner) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd <= 0) { clients[i].fd = fd; clients[i].owner = owner; clients[i].len = 0; return; }
  close(fd);
}

static void drop_client(struct client *c) { close(c->fd); c->fd = -1; c->owner = 0; }

void broadcast(int type, const void *data, uint32_t len) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd > 0 && send_frame(clients[i].fd, type, data, len) < 0) drop_client(&clients[i]);
}

static void close_stdin(void) {
  if (sup.master_fd >= 0) inq_push(&IN, sup.master_fd, "\x04", 1);
  if (IN.len > IN.off) stdin_closing = 1;
  else if (sup.stdin_fd >= 0) { close(sup.stdin_fd); sup.stdin_fd = -1; }
}

static void flush_stdin(void) {
  int fd = sup.master_fd >= 0 ? sup.master_fd : sup.stdin_fd;
  if (fd >= 0) inq_flush(&IN, fd);
  if (stdin_closing && IN.len == 0) { stdin_closing = 0; if (sup.stdin_fd >= 0) { close(sup.stdin_fd); sup.stdin_fd = -1; } }
}

static void handle_frame(struct client *c, int type, const unsigned char *d, uint32_t len) {
  if (type == F_STDIN) inq_push(&IN, sup.master_fd >= 0 ? sup.master_fd : sup.stdin_fd, d, len);
  else if (type == F_STDIN_CLOSE) close_stdin();
  else if (type == F_RESIZE && len == 4 && sup.master_fd >= 0) {
    struct winsize ws = { .ws_row = (unsigned short)(d[0] << 8 | d[1]), .ws_col = (unsigned short)(d[2] << 8 | d[3]) };
    ioctl(sup.master_fd, TIOCSWINSZ, &ws);
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
  log_write(&sup.log, type == F_STDERR ? "stderr" : "stdout", buf, (size_t)n);
  broadcast(type, buf, (uint32_t)n);
  return 1;
}

int serve(void) {
  int status = -1, done = 0;
  while (!done || sup.out_fd >= 0 || sup.err_fd >= 0 || sup.master_fd >= 0) {
    struct pollfd p[MAX_CLIENTS + 6];
    int in_full = IN.len - IN.off >= INQ_HIGH; /* clients wait while the container catches up */
    int n = 0;
    p[n++] = (struct pollfd){ sup.sig_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ sup.listen_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ sup.out_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ sup.err_fd, POLLIN, 0 };
    p[n++] = (struct pollfd){ sup.master_fd, POLLIN, 0 };
    for (int i = 0; i < MAX_CLIENTS; i++) p[n++] = (struct pollfd){ clients[i].fd > 0 && !in_full ? clients[i].fd : -1, POLLIN, 0 };
    p[n++] = (struct pollfd){ IN.len > IN.off ? (sup.master_fd >= 0 ? sup.master_fd : sup.stdin_fd) : -1, POLLOUT, 0 };
    if (poll(p, (nfds_t)n, -1) < 0) continue;
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sup.sig_fd, &si, sizeof si) == sizeof si) {}
      int st;
      pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0) if (w == sup.child) { status = st; done = 1; }
    }
    if (p[1].revents & POLLIN) { int c = accept4(sup.listen_fd, NULL, NULL, SOCK_CLOEXEC); if (c >= 0) add_client(c, 0); }
    if (p[2].revents) pump(&sup.out_fd, F_STDOUT);
    if (p[3].revents) pump(&sup.err_fd, F_STDERR);
    if (p[4].revents) pump(&sup.master_fd, F_STDOUT); /* EIO once the terminal's last user is gone */
    for (int i = 0; i < MAX_CLIENTS; i++) if (p[5 + i].revents && clients[i].fd > 0) read_client(&clients[i]);
    if (p[5 + MAX_CLIENTS].revents) flush_stdin();
  }
  if (sup.stdin_fd >= 0) { close(sup.stdin_fd); sup.stdin_fd = -1; }
  IN.len = IN.off = 0;
  stdin_closing = 0;
  return exit_code_of(status);
}

void drain_clients(void) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].fd <= 0) continue;
    struct pollfd p = { clients[i].fd, POLLIN, 0 };
    while (clients[i].fd > 0 && poll(&p, 1, 0) > 0) read_client(&clients[i]);
  }
}

static int any_owner(void) {
  for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i].fd > 0 && clients[i].owner) return 1;
  return 0;
}

int wait_for_owners(void) {
  if (!any_owner()) return 0;
  while (any_owner())
    for (int i = 0; i < MAX_CLIENTS; i++)
      if (clients[i].fd > 0 && clients[i].owner) { char b[256]; if (read(clients[i].fd, b, sizeof b) <= 0) drop_client(&clients[i]); }
  return 1;
}
