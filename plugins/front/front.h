/* The front's parts (front.c): its stdin (io.c) and the calls it answers as no-ops (noop.c). */
#ifndef BERTH_FRONT_H
#define BERTH_FRONT_H
#include "json.h"
#include <stddef.h>

struct input {
  char *text;
  size_t len, cap;
};

/* Reads all of stdin as the plugins' processIO does (a terminal reads as empty). 0: nothing consumed. */
int read_stdin(struct input *in);
/* Makes what read_stdin read the stdin of the program exec'd next. */
int restore_stdin(const struct input *in);

/* Whether `command` of plugin `name` may be a no-op, judged from the environment alone. */
int is_noop_candidate(const char *name, const char *command);
/* Whether the call is provably a success that changes nothing, as the plugin itself would answer it. */
int is_noop(const char *name, const char *command, const char *text, size_t len);

/* `berth exec` of a running container, done by berth-shim at once; returns when the Bun program must do it. */
void berth_exec_front(int argc, char **argv, const char *self_dir);
/*
 * `berth ps` with no supervisor dead (nothing for gc, whose locks need bun:ffi and so the JIT): runs
 * without JavaScriptCore's JIT, whose compiling costs more CPU than it saves in so short a run.
 */
void berth_tune(int argc, char **argv);

#endif
