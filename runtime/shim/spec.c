/* The command line of berth-shim, written only by the berth CLI (runtime/shim-args.ts). */
#include "shim.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("berth-shim: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(EXIT_SETUP);
}

static void push(const char **list, int *n, int max, const char *v, const char *what) {
  if (*n >= max) die("too many %s", what);
  list[(*n)++] = v;
}

/* Parses `--key value` pairs up to `--`; what follows is the command. Returns 0 or dies. */
int parse_spec(struct spec *s, int argc, char **argv) {
  memset(s, 0, sizeof *s);
  s->log_max_size = 10 * 1024 * 1024;
  s->log_max_file = 3;
  s->caps = 0;
  s->release_fd = -1;
  int i = 0;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *k = argv[i];
    if (!strcmp(k, "--privileged")) { s->privileged = 1; continue; }
    if (!strcmp(k, "--read-only")) { s->readonly = 1; continue; }
    if (!strcmp(k, "--stdin")) { s->open_stdin = 1; continue; }
    if (!strcmp(k, "--tty")) { s->tty = 1; continue; }
    if (!strcmp(k, "--ephemeral")) { s->ephemeral = 1; continue; }
    if (!strcmp(k, "--await-release")) { s->release_fd = 3; continue; }
    if (!strcmp(k, "--owned")) { s->owned = 1; continue; }
    if (!strcmp(k, "--make-netns")) { s->make_netns = 1; continue; }
    if (i + 1 >= argc) die("%s needs a value", k);
    const char *v = argv[++i];
    if (!strcmp(k, "--id")) s->id = v;
    else if (!strcmp(k, "--bundle")) s->bundle = v;
    else if (!strcmp(k, "--state")) s->state = v;
    else if (!strcmp(k, "--socket")) s->socket = v;
    else if (!strcmp(k, "--lower")) push(s->rootfs_lower, &s->nlower, MAX_LIST, v, "layers");
    else if (!strcmp(k, "--procs")) push(s->procs, &s->nprocs, MAX_LIST, v, "cgroup files");
    else if (!strcmp(k, "--bind") || !strcmp(k, "--tmpfs")) {
      s->mount_kinds[s->nmounts < MAX_LIST ? s->nmounts : 0] = k[2];
      push(s->mounts, &s->nmounts, MAX_LIST, v, "mounts");
    }
    else if (!strcmp(k, "--env")) push(s->env, &s->nenv, 255, v, "variables");
    else if (!strcmp(k, "--exit-command")) push(s->exit_cmd, &s->nexit, 15, v, "exit command words");
    else if (!strcmp(k, "--hostname")) s->hostname = v;
    else if (!strcmp(k, "--cwd")) s->cwd = v;
    else if (!strcmp(k, "--network")) s->netns = v;
    else if (!strcmp(k, "--init")) s->init = v;
    else if (!strcmp(k, "--restart")) s->restart = v;
    else if (!strcmp(k, "--uid")) s->uid = (uid_t)strtoul(v, NULL, 10);
    else if (!strcmp(k, "--gid")) s->gid = (gid_t)strtoul(v, NULL, 10);
    else if (!strcmp(k, "--group")) { if (s->ngroups < MAX_LIST) s->groups[s->ngroups++] = (gid_t)strtoul(v, NULL, 10); }
    else if (!strcmp(k, "--caps")) s->caps = strtoull(v, NULL, 16);
    else if (!strcmp(k, "--seccomp")) {
      if (strcmp(v, "default") != 0 && strcmp(v, "unconfined") != 0) die("--seccomp takes default or unconfined, not %s", v);
      s->seccomp_unconfined = !strcmp(v, "unconfined");
    }
    else if (!strcmp(k, "--seccomp-rules")) s->seccomp_rules = v;
    else if (!strcmp(k, "--uid-map")) s->uid_map = v;
    else if (!strcmp(k, "--gid-map")) s->gid_map = v;
    else if (!strcmp(k, "--pid")) s->pid = atoi(v);
    else if (!strcmp(k, "--rows")) s->rows = (unsigned short)atoi(v);
    else if (!strcmp(k, "--cols")) s->cols = (unsigned short)atoi(v);
    else if (!strcmp(k, "--log-max-size")) s->log_max_size = atol(v);
    else if (!strcmp(k, "--log-max-file")) s->log_max_file = atoi(v);
    else die("unknown option %s", k);
  }
  if (!s->uid_map != !s->gid_map) die("--uid-map and --gid-map go together");
  if (s->make_netns && (!s->netns || s->netns[0] != '/')) die("--make-netns needs --network FILE");
  if (i >= argc - 1) die("no command after --");
  s->argv = argv + i + 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "supervise")) return supervise_main(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "exec")) return exec_main(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "copyup")) return copyup_main(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "link-delete")) return link_delete_main(argc - 2, argv + 2);
  die("usage: berth-shim supervise|exec|copyup|link-delete OPTIONS -- COMMAND [ARG...] (run by berth, not by people)");
}
