/*
 * `berth` as the Bun program's parent: the front forks, the child execs Bun, and the front exits
 * with the code Bun writes to a pipe at its very end (lib/exit-to-front.ts), once it has let go of
 * the caller's stdin, stdout and stderr. The caller's wait then ends before the kernel has torn Bun
 * down, ~1.2-1.6 ms for its ~45 MB and 6 threads after every command (docs/internals/speed.md).
 * Bun dies with the front (a SIGKILL of "the berth command" ends both); signals sent to the front
 * with kill(2) reach Bun through it; what the kernel sends to the whole process group (a
 * terminal's ^C, ^\, ^Z, SIGWINCH) Bun gets by itself. When Bun ends without a code (killed,
 * crashed), the front ends as it did: the same exit code, or the same signal.
 */
#define _GNU_SOURCE
#include "front.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the front takes through a signalfd: every signal but the uncatchable ones, a child's end and faults. */
static void taken_signals(sigset_t *set) {
  static const int left[] = {SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
  sigfillset(set);
  for (size_t i = 0; i < sizeof left / sizeof *left; i++) sigdelset(set, left[i]);
}

/* The front stops as it would without the signalfd (the shell sees its job stopped by `sig`). */
static void stop_self(int sig) {
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  raise(sig);
  sigprocmask(SIG_UNBLOCK, &one, NULL); /* the default action: stopped here until SIGCONT */
  sigprocmask(SIG_BLOCK, &one, NULL);
}

static void take_signal(const struct signalfd_siginfo *si, pid_t child, pid_t self) {
  int sig = (int)si->ssi_signo;
  /* Sent by kill(2), sigqueue(3) or the like (si_code <= 0), and not by the front itself (a
     SIGPIPE of its own write): the kernel's signals to a process group reached Bun already. */
  if (si->ssi_code <= 0 && (pid_t)si->ssi_pid != self) {
    if (si->ssi_code == SI_QUEUE) sigqueue(child, sig, (union sigval){.sival_ptr = (void *)(uintptr_t)si->ssi_ptr});
    else kill(child, sig);
  }
  if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) stop_self(sig);
}

/* Bun ended without a code: the front ends as Bun did, its exit code or its signal (a shell shows 128+N). */
static void mirror(pid_t child) {
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) exit(125);
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core); /* Bun dumped its own core, if any */
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  signal(sig, SIG_DFL);
  raise(sig);
  sigprocmask(SIG_UNBLOCK, &one, NULL);
  exit(128 + sig); /* a signal whose default is not to end a process */
}

/* The child, sharing the front's memory until its exec (vfork): dies with the front, keeps the pipe's write end, execs Bun. */
static void exec_child(const char *target, char **argv, int out, pid_t front, const sigset_t *mask) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != front) _exit(137); /* the front is gone already */
  if (fcntl(out, F_SETFD, 0) != 0) _exit(125);
  sigprocmask(SIG_SETMASK, mask, NULL);
  execv(target, argv);
  dprintf(2, "berth: cannot run %s: %s (run make install or make build again)\n", target, strerror(errno));
  _exit(125);
}

/* `fd` moved to 3 or above, close-on-exec: a caller may start berth with stdin or stdout closed, and
   the pipe must not take their numbers (the program would write its output into it). */
static int above_stdio(int fd) {
  if (fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

void berth_run_child(const char *target, char **argv) {
  int p[2];
  sigset_t taken, mask;
  taken_signals(&taken);
  char value[32];
  if (pipe2(p, O_CLOEXEC) != 0) return;
  p[0] = above_stdio(p[0]), p[1] = above_stdio(p[1]);
  if (p[0] < 0 || p[1] < 0) {
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
    return;
  }
  pid_t front = getpid();
  snprintf(value, sizeof value, "%d:%d", p[1], (int)front); /* Bun takes it only as this front's child */
  /* Blocked before the fork: a signal meanwhile waits for the signalfd instead of ending the front. */
  sigprocmask(SIG_BLOCK, &taken, &mask);
  /* vfork: the front waits until Bun's exec, so the child need not wait for a CPU of its own
     first (a plain fork measured +0.4 ms at load 4 on 2 CPUs). */
  pid_t child = setenv(BERTH_EXIT_FD_VAR, value, 1) == 0 ? vfork() : -1;
  if (child < 0) {
    unsetenv(BERTH_EXIT_FD_VAR);
    close(p[0]), close(p[1]);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    return;
  }
  if (child == 0) exec_child(target, argv, p[1], front, &mask);
  close(p[1]);
  /* Only Bun reads stdin and writes stdout: a caller reading to EOF waits for Bun's close, not for the front. */
  close(0), close(1);
  int sfd = signalfd(-1, &taken, SFD_CLOEXEC);
  if (sfd < 0) sigprocmask(SIG_SETMASK, &mask, NULL); /* no relay: a signal ends the front, and Bun with it */
  for (;;) {
    struct pollfd fds[2] = {{.fd = p[0], .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    if (poll(fds, sfd < 0 ? 1 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      mirror(child);
    }
    struct signalfd_siginfo si;
    if (fds[1].revents & POLLIN && read(sfd, &si, sizeof si) == sizeof si) take_signal(&si, child, front);
    if (fds[0].revents == 0) continue; /* anything else on the pipe ends the wait: a code, EOF, an error */
    unsigned char code;
    ssize_t n = read(p[0], &code, 1);
    if (n == 1) exit(code);
    if (n == 0 || errno != EINTR) mirror(child);
  }
}
