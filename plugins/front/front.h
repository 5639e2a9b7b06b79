/* The front's parts (front.c): its stdin (io.c) and the loopback calls it answers (loopback.c). */
#ifndef BERTH_FRONT_H
#define BERTH_FRONT_H
#include "json.h"
#include "tree.h"
#include <stddef.h>

struct input {
  char *text;
  size_t len, cap;
};

/* Reads all of stdin as the plugins' processIO does (a terminal reads as empty). 0: nothing consumed. */
int read_stdin(struct input *in);
/* Makes what read_stdin read the stdin of the program exec'd next. */
int restore_stdin(const struct input *in);

/* Whether `command` of plugin `name` is one loopback.c may answer, judged from the environment alone. */
int is_loopback_candidate(const char *name, const char *command);
/* Answers loopback ADD, DEL or CHECK as the plugin would: 1 when answered (exit 0, stdout in `o`), 0 to pass it on. */
int answer_loopback(const char *command, const char *text, size_t len, struct out *o);

/* `berth exec` of a running container, done by berth-shim at once; returns when the Bun program must do it. */
void berth_exec_front(int argc, char **argv, const char *self_dir);
/*
 * `berth ps` with no supervisor dead (nothing for gc, whose locks need bun:ffi and so the JIT): runs
 * without JavaScriptCore's JIT, whose compiling costs more CPU than it saves in so short a run.
 */
void berth_tune(int argc, char **argv);

#endif
