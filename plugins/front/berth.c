/*
 * `berth exec` without JavaScript: dist/bin/berth is a link to the front too, and a plain
 * `berth [--root DIR] [--state-dir DIR] exec [-i] [-t] [-e K=V] [-w DIR] CTR CMD...` of a running
 * container becomes `berth-shim exec` at once, from the template berth/exec.ts saved beside
 * shim.json (exec.args). Bun's start-up alone is most of runc exec's time (docs/internals/speed.md).
 * Anything else, or anything unexpected on disk, returns to the caller, which execs the Bun program:
 * it gives every error message and keeps every rule (gc of leftovers, names, -u, -d).
 */
#define _GNU_SOURCE
#include "front.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARGS 4096

/* Reads up to size - 1 bytes, NUL-terminated; 0 if unreadable or (unless `cut_ok`) longer than that. */
static int read_part(const char *path, char *buf, size_t size, size_t *len, int cut_ok) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t got = 0;
  ssize_t n;
  while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0) got += (size_t)n;
  close(fd);
  buf[got] = 0;
  if (len) *len = got;
  return cut_ok ? got > 0 : got < size - 1;
}

static int read_file(const char *path, char *buf, size_t size, size_t *len) { return read_part(path, buf, size, len, 0); }

/* A number after `"key":` in shim.json (berth-shim's own fixed format); -1 if absent. */
static long field(const char *json, const char *key) {
  const char *p = strstr(json, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* Whether `pid` is a berth-shim supervisor, as runtime/live.ts's isSupervisor judges it. */
static int is_supervisor(long pid) {
  char path[64], argv[512];
  size_t len;
  snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
  if (pid <= 0 || !read_part(path, argv, sizeof argv, &len, 1) || len == 0) return 0;
  size_t first = strlen(argv), suffix = strlen("berth-shim");
  return first >= suffix && strcmp(argv + first - suffix, "berth-shim") == 0 && first + 1 < len &&
         strcmp(argv + first + 1, "supervise") == 0;
}

/* Whether any supervisor left in the state dir is dead: berth gc's work, which the Bun program does. */
static int has_record(const char *root, const char *id);

static int has_leftovers(const char *root, const char *state_dir) {
  char path[PATH_MAX], json[4096];
  snprintf(path, sizeof path, "%s/containers", state_dir);
  DIR *dir = opendir(path);
  if (!dir) return 0;
  int found = 0;
  for (struct dirent *e; !found && (e = readdir(dir));) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/containers/%s/shim.json", state_dir, e->d_name);
    if (!has_record(root, e->d_name) || (read_file(path, json, sizeof json, NULL) && !is_supervisor(field(json, "\"shimPid\":"))))
      found = 1;
  }
  closedir(dir);
  return found;
}

static int is_hex(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
  return 1;
}

static int has_record(const char *root, const char *id) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/containers/%s/config.json", root, id);
  return strchr(id, '/') == NULL && id[0] != '.' && access(path, F_OK) == 0;
}

/* The container `ref` names, in runtime/ids.ts's order: ID, name (root/names), unique ID prefix. */
static int resolve(const char *root, const char *ref, char *id, size_t size) {
  if (has_record(root, ref)) return snprintf(id, size, "%s", ref) < (int)size;
  char path[PATH_MAX];
  const char *name = ref[0] == '/' ? ref + 1 : ref;
  snprintf(path, sizeof path, "%s/names/%s", root, name);
  if (!strchr(name, '/') && name[0] != '.' && read_file(path, id, size, NULL)) return has_record(root, id);
  if (!is_hex(ref)) return 0;
  snprintf(path, sizeof path, "%s/containers", root);
  DIR *dir = opendir(path);
  if (!dir) return 0;
  int matches = 0;
  for (struct dirent *e; (e = readdir(dir));)
    if (strncmp(e->d_name, ref, strlen(ref)) == 0 && matches++ == 0) snprintf(id, size, "%s", e->d_name);
  closedir(dir);
  return matches == 1 && has_record(root, id);
}

/* Sets KEY=VALUE in the template's --env pairs as runtime/spec.ts's mergeEnv does: in place, else last. */
static int set_env(char **args, int *n, char *kv) {
  size_t key = (size_t)(strchr(kv, '=') - kv);
  for (int i = 0; i + 1 < *n; i++)
    if (strcmp(args[i], "--env") == 0 && strncmp(args[i + 1], kv, key) == 0 && args[i + 1][key] == '=') {
      args[i + 1] = kv;
      return 1;
    }
  if (*n + 2 >= MAX_ARGS) return 0;
  args[(*n)++] = "--env";
  args[(*n)++] = kv;
  return 1;
}

struct exec_flags {
  const char *root, *state_dir, *workdir;
  int interactive, tty, nenv, first;
  char *env[64];
};

/* The global options before the command: the index of the command, 0 for anything unexpected. */
static int parse_globals(int argc, char **argv, struct exec_flags *f) {
  static const char *const globals[] = {"--root", "--state-dir", "--cni-config-dir", "--cni-cache-dir", "--cni-path", "--volume-plugin-dir", NULL};
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *flag = argv[i], *eq = strchr(flag, '=');
    size_t len = eq ? (size_t)(eq - flag) : strlen(flag);
    const char *value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
    int known = 0;
    for (const char *const *g = globals; *g; g++) known |= strlen(*g) == len && strncmp(*g, flag, len) == 0;
    if (!known || !value || !*value) return 0;
    if (len == strlen("--root") && strncmp(flag, "--root", len) == 0) f->root = value;
    if (len == strlen("--state-dir") && strncmp(flag, "--state-dir", len) == 0) f->state_dir = value;
  }
  return i < argc ? i : 0;
}

/* The global options and exec's flags the front takes; 0 for anything else (the Bun program parses it). */
static int parse(int argc, char **argv, struct exec_flags *f) {
  int i = parse_globals(argc, argv, f);
  if (i == 0 || strcmp(argv[i], "exec") != 0) return 0;
  for (i++; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) f->interactive = 1;
    else if (!strcmp(a, "-t") || !strcmp(a, "--tty")) f->tty = 1;
    else if (!strcmp(a, "-it") || !strcmp(a, "-ti")) f->interactive = f->tty = 1;
    else if ((!strcmp(a, "-e") || !strcmp(a, "--env")) && i + 1 < argc && f->nenv < 64 && strchr(argv[i + 1], '=') && argv[i + 1][0] != '=')
      f->env[f->nenv++] = argv[++i];
    else if ((!strcmp(a, "-w") || !strcmp(a, "--workdir")) && i + 1 < argc && argv[i + 1][0]) f->workdir = argv[++i];
    else return 0;
  }
  f->first = i;
  return argc - i >= 2;
}

void berth_exec_front(int argc, char **argv, const char *self_dir) {
  struct exec_flags f = {"/var/lib/berth", "/run/berth", NULL, 0, 0, 0, 0, {NULL}};
  if (!parse(argc, argv, &f)) return;
  char id[NAME_MAX + 1], state[PATH_MAX], path[PATH_MAX + 32], json[4096];
  if (!resolve(f.root, argv[f.first], id, sizeof id) || has_leftovers(f.root, f.state_dir)) return;
  snprintf(state, sizeof state, "%s/containers/%s", f.state_dir, id);
  snprintf(path, sizeof path, "%s/shim.json", state);
  if (!read_file(path, json, sizeof json, NULL) || !strstr(json, "\"status\":\"running\"")) return;
  long pid = field(json, "\"pid\":");
  snprintf(path, sizeof path, "%s/paused", state);
  if (pid <= 0 || !is_supervisor(field(json, "\"shimPid\":")) || access(path, F_OK) == 0) return;
  /* The template is current only when written after the record (berth/exec.ts saveTemplate). */
  struct stat tpl, rec;
  snprintf(path, sizeof path, "%s/containers/%s/config.json", f.root, id);
  if (stat(path, &rec) != 0) return;
  snprintf(path, sizeof path, "%s/exec.args", state);
  if (stat(path, &tpl) != 0 || tpl.st_size <= 0 || tpl.st_size > 1 << 20) return;
  if (tpl.st_mtim.tv_sec < rec.st_mtim.tv_sec || (tpl.st_mtim.tv_sec == rec.st_mtim.tv_sec && tpl.st_mtim.tv_nsec < rec.st_mtim.tv_nsec)) return;
  char *text = malloc((size_t)tpl.st_size + 1);
  size_t len;
  if (!text || !read_part(path, text, (size_t)tpl.st_size + 1, &len, 1) || len != (size_t)tpl.st_size || text[len - 1] != 0) return;

  static char *args[MAX_ARGS], shim[PATH_MAX + 32], pid_text[24];
  int n = 0;
  const char *env_shim = getenv("BERTH_SHIM");
  snprintf(shim, sizeof shim, "%s/../lib/berth-shim", self_dir);
  args[n++] = env_shim && *env_shim ? (char *)env_shim : shim;
  args[n++] = "exec";
  args[n++] = "--pid";
  snprintf(pid_text, sizeof pid_text, "%ld", pid);
  args[n++] = pid_text;
  for (char *p = text; p < text + len && n < MAX_ARGS - 8; p += strlen(p) + 1) args[n++] = p;
  if (f.tty && !set_env(args, &n, "TERM=xterm")) return;
  for (int i = 0; i < f.nenv; i++)
    if (!set_env(args, &n, f.env[i])) return;
  if (n + 5 + (argc - f.first) >= MAX_ARGS) return;
  if (f.workdir) args[n++] = "--cwd", args[n++] = (char *)f.workdir;
  if (f.tty) args[n++] = "--tty";
  args[n++] = "--";
  for (int i = f.first + 1; i < argc; i++) args[n++] = argv[i];
  args[n] = NULL;
  /* stdin only with -i, as berth/exec.ts spawns the shim. */
  if (!f.interactive) {
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0) return;
    if (null > 0) close(null);
  }
  execv(args[0], args);
  /* Not exec'd: stdin may be /dev/null now, which the Bun program gets without -i anyway. */
}

void berth_tune(int argc, char **argv) {
  struct exec_flags f = {"/var/lib/berth", "/run/berth", NULL, 0, 0, 0, 0, {NULL}};
  int i = parse_globals(argc, argv, &f);
  unsetenv("BERTH_PS_SUMMARIES_FD"); /* only ever this front's own */
  if (i > 0 && strcmp(argv[i], "ps") == 0 && !has_leftovers(f.root, f.state_dir)) {
    setenv("BUN_JSC_useJIT", "0", 1);
    berth_ps_summaries(f.root);
  }
  /* run's code runs once: the baseline JIT's compiles cost more than they return (speed.md); a user's setting stays. */
  if (i > 0 && strcmp(argv[i], "run") == 0) setenv("BUN_JSC_useBaselineJIT", "0", 0);
}
