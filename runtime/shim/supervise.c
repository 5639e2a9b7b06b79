/*
 * The per-container supervisor: starts the container (start.c), keeps its logs and exit status,
 * serves the attach socket (serve.c) and applies the restart policy; at the end it becomes the
 * exit command (`berth ... cleanup ID`) unless an attached owner (a foreground `berth run`) cleans
 * up itself. State files in --state: shim.lock (held while alive), shim.json (status.c), stopped
 * (marker); the attach socket at --socket.
 */
#include "supervisor.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct supervisor sup = { .stdin_fd = -1, .out_fd = -1, .err_fd = -1, .master_fd = -1, .listen_fd = -1, .sig_fd = -1, .lock_fd = -1, .mounts_fd = -1 };

static int stopped_by_hand(void) {
  char marker[4096];
  state_path(marker, sizeof marker, "stopped");
  return access(marker, F_OK) == 0;
}

/* Docker's policy: no | always | unless-stopped | on-failure[:N]. */
static int should_restart(int code) {
  const char *policy = sup.s.restart;
  if (!policy || !strcmp(policy, "no") || stopped_by_hand()) return 0;
  if (!strncmp(policy, "on-failure", 10)) {
    int max = policy[10] == ':' ? atoi(policy + 11) : 0;
    return code != 0 && (max == 0 || sup.restart_count < max);
  }
  return 1;
}

/* Docker's growing delay: 100 ms, doubled at each restart, reset after a run of 10 s; at most 1 min. */
static int sleep_before_restart(long *delay_ms, time_t ran_for) {
  if (ran_for >= 10) *delay_ms = 100;
  for (long waited = 0; waited < *delay_ms; waited += 50) {
    if (stopped_by_hand()) return 0;
    usleep(50 * 1000);
  }
  *delay_ms = *delay_ms * 2 > 60000 ? 60000 : *delay_ms * 2;
  return 1;
}

/* The process itself, before the first clone: no terminal of berth's, SIGCHLD read from a signalfd. */
static void setup_process(void) {
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0); dup2(null, 1); dup2(null, 2);
  if (null > 2) close(null);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  sup.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The error of a state file at `path`, "WHAT PATH: REASON" into sup.error_msg. */
static int state_error(const char *what, const char *path, const char *reason) {
  snprintf(sup.error_msg, sizeof sup.error_msg, "%s %s: %s", what, path, reason);
  return -1;
}

int open_state(void) {
  char path[4096];
  if (sup.listen_fd >= 0) return 0;
  state_path(path, sizeof path, "shim.lock");
  sup.lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (sup.lock_fd < 0 || flock(sup.lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (sup.lock_fd >= 0) close(sup.lock_fd);
    sup.lock_fd = -1; /* shim.json is another supervisor's */
    return state_error("another supervisor holds", path, strerror(errno));
  }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf(path, sizeof path, "%s", sup.s.socket ? sup.s.socket : "attach.sock");
  if (strlen(path) >= sizeof addr.sun_path) return state_error("cannot listen on", path, "path too long for a socket");
  strcpy(addr.sun_path, path);
  unlink(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0) {
    if (fd >= 0) close(fd);
    return state_error("cannot listen on", path, strerror(errno));
  }
  static char log_path[4096];
  snprintf(log_path, sizeof log_path, "%s/container.log", sup.s.bundle);
  sup.log = (struct log){ .path = log_path, .max_size = sup.s.log_max_size, .max_file = sup.s.log_max_file };
  log_open(&sup.log);
  sup.listen_fd = fd;
  return 0;
}

/* A start that failed: the status written (when this supervisor owns it) and its Error frame ("CODE:WHAT ERROR_MSG") sent. */
static int failed_start(int code, const char *what) {
  char text[1200];
  rfc3339_now(sup.finished_at, sizeof sup.finished_at);
  if (sup.lock_fd >= 0) write_status("exited", code);
  snprintf(text, sizeof text, "%d:%s%s", code, what, sup.error_msg);
  broadcast(F_ERROR, text, (uint32_t)strlen(text));
  return code;
}

/*
 * Starts and restarts the container as its policy says: 0 with its last run's exit code in *code,
 * or the exit code of a start that failed (its Error frame sent).
 */
static int run_container(int *code) {
  long delay = 100;
  char text[32];
  for (;;) {
    int failure = start_container();
    if (failure != 0) return failed_start(failure, ""); /* the berth command that started us undoes the setup itself */
    write_status("running", 0);
    snprintf(text, sizeof text, "%d", sup.child);
    broadcast(F_STARTED, text, (uint32_t)strlen(text));
    status_prepare(); /* for the exit, while the container runs */
    time_t began = time(NULL);
    *code = serve();
    rfc3339_now(sup.finished_at, sizeof sup.finished_at);
    if (!should_restart(*code)) break;
    write_status("restarting", *code);
    snprintf(text, sizeof text, "%d", *code);
    broadcast(F_EXIT, text, (uint32_t)strlen(text));
    release_mounts();
    if (!sleep_before_restart(&delay, time(NULL) - began)) break;
    sup.restart_count++;
  }
  write_status("exited", *code);
  return 0;
}

int supervise_main(int argc, char **argv) {
  parse_spec(&sup.s, argc, argv);
  clients_init();
  /* fd 3, when open, is the berth command that started us: the first client, attached from birth;
     with --owned its owner, so that a container ending before any frame is read never runs the exit command too. */
  if (fcntl(3, F_GETFD) >= 0) { fcntl(3, F_SETFD, FD_CLOEXEC); add_client(3, sup.s.owned); }
  setup_process();
  /* Berth runs the CNI ADD into it while the container's root is built (--await-release). */
  if (sup.s.make_netns) {
    if (make_netns_file(sup.s.netns, sup.error_msg, sizeof sup.error_msg) != 0)
      return failed_start(EXIT_SETUP, "cannot create the container's network namespace: ");
    broadcast(F_NETNS, "", 0);
  }
  int code, failure = run_container(&code);
  if (failure != 0) return failure;
  char text[32];
  snprintf(text, sizeof text, "%d", code);
  drain_clients();
  broadcast(F_EXIT, text, (uint32_t)strlen(text));
  /* While berth's cleanup starts: its CNI DEL then finds the veths gone (docs/internals/speed.md). */
  if (sup.s.make_netns) delete_netns_veths(sup.s.netns);
  release_mounts();
  if (sup.s.socket) unlink(sup.s.socket);
  close(sup.listen_fd);
  /* The owner cleans up; this process waits until it hangs up, so that it finds the final status written. */
  if (wait_for_owners()) return 0;
  if (sup.s.nexit > 0) execv(sup.s.exit_cmd[0], (char **)sup.s.exit_cmd);
  return 0;
}
