/*
 * The supervisor's parts (supervise.c: its life and the restart policy; start.c: one start of the
 * container; serve.c: the attach socket and the container's stdio; status.c: shim.json) and the
 * state they share. Only berth-shim's supervise mode includes this.
 */
#ifndef BERTH_SUPERVISOR_H
#define BERTH_SUPERVISOR_H
#include "shim.h"

struct supervisor {
  struct spec s;
  struct log log;
  pid_t child; /* the container's PID 1, as this PID namespace sees it */
  /* This side of the container's stdio (a terminal's master, or pipes), -1 when closed. */
  int stdin_fd, out_fd, err_fd, master_fd;
  int listen_fd, sig_fd, lock_fd;
  int mounts_fd; /* the container's mount namespace, held until its exit is reported (start.c) */
  int restart_count;
  char started_at[64], finished_at[64], error_msg[1024];
};
extern struct supervisor sup;

/* start.c: one start of the container. Returns 0, or the exit code of a failed start (the error in sup.error_msg). */
int start_container(void);
/* Lets the container's mounts go, once its exit is reported: unmounting them is no longer on the way. */
void release_mounts(void);

/* supervise.c: the state dir's lock, the attach socket and the log, made while the first start's child builds its root. 0, or -1 with sup.error_msg set. */
int open_state(void);

/* serve.c: the clients of the attach socket (fd 3, the berth command that started this one, first). */
void clients_init(void);
/* owner: the client cleans up after the exit (fd 3 with --owned). */
void add_client(int fd, int owner);
void broadcast(int type, const void *data, uint32_t len);
/* Runs until the container's PID 1 has exited and its output is drained; returns its exit code. */
int serve(void);
/* Reads what clients sent meanwhile, and so sees an owner that hung up by the container's end. */
void drain_clients(void);
/* An owner (a foreground `berth run`) cleans up itself: waits until every owner hung up; 0 if there was none. */
int wait_for_owners(void);

/* status.c: shim.json, replaced whole; status_prepare makes the next write's file ahead, off the container's path. */
void status_prepare(void);
void write_status(const char *status, int exit_code);
/* The path of `name` in the state dir (--state). */
void state_path(char *out, size_t len, const char *name);
#endif
