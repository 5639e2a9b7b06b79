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

/* The environment of a call the front may answer: container ID and interface name as the plugin
   takes them, CNI_NETNS set when `need_netns`, and no log asked for. */
int is_call_candidate(int need_netns);
int is_id(const char *s, size_t len);
int is_empty(const char *s);
/* Whether `s` is printable ASCII, which JSON.stringify writes as it is (but for '"' and '\\'). */
int is_printable(const char *s);

/* The top-level members the skeleton reads before a plugin's handlers. */
struct conf {
  const char *version; /* the last cniVersion when it is a supported one, else NULL */
  int name_ok, doubtful, has_prev;
};
/* Whether the skeleton takes the config without doubt (valid, a supported cniVersion, a good name,
   no key it would match ignoring case; CHECK: 0.4.0 on, with a prevResult), filling `c`. */
int scan_conf(const char *command, const char *text, size_t len, struct conf *c);

/* Whether `prev` is a prevResult that parseResult takes, in the 0.3.0+ shape, and that write_passed writes as the plugin would. */
int is_plain_result(const struct jnode *prev);
/* ADD's result when a plugin passes prevResult through: convertResult's shape of `version` (0.3.0 on), and a newline. */
void write_passed(struct out *o, const struct jnode *prev, const char *version);

/* Whether `command` of plugin `name` is one loopback.c may answer, judged from the environment alone. */
int is_loopback_candidate(const char *name, const char *command);
/* Answers loopback ADD, DEL or CHECK as the plugin would: 1 when answered (exit 0, stdout in `o`), 0 to pass it on. */
int answer_loopback(const char *command, const char *text, size_t len, struct out *o);
/* Whether `command` of plugin `name` is one portmap.c may answer, judged from the environment alone. */
int is_portmap_candidate(const char *name, const char *command);
/* Answers portmap ADD and CHECK with no port mappings, as the plugin would (prevResult passed through). */
int answer_portmap(const char *command, const char *text, size_t len, struct out *o);

/* `berth exec` of a running container, done by berth-shim at once; returns when the Bun program must do it. */
void berth_exec_front(int argc, char **argv, const char *self_dir);
/*
 * `berth ps` with no supervisor dead (nothing for gc, whose locks need bun:ffi and so the JIT): runs
 * without JavaScriptCore's JIT, whose compiling costs more CPU than it saves in so short a run.
 */
void berth_tune(int argc, char **argv);
/* Reads the summary line of every record under `root` into a pipe named by BERTH_PS_SUMMARIES_FD, from a child that reads while this process execs Bun (berth-ps.c). */
void berth_ps_summaries(const char *root);

/* The variable naming the pipe Bun writes its exit code to, `FD:FRONT_PID` (berth-wait.c); only the front sets it. */
#define BERTH_EXIT_FD_VAR "BERTH_FRONT_EXIT_FD"
/* Runs `target` as a child that gets the caller's stdio, and exits as it ends (berth-wait.c); returns only when it cannot fork. */
void berth_run_child(const char *target, char **argv);

#endif
