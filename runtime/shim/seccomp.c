/*
 * The seccomp filter of the container's process, loaded right before its command runs. The build
 * precomputes the filters of the usual capability sets (seccomp-filters.h, generated); any other
 * set, and a custom profile, is built here with libseccomp, which costs milliseconds
 * (docs/internals/seccomp.md).
 */
#include "shim.h"
#include "seccomp-policy.h"
#include "seccomp-filters.h"
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Whether the running kernel is at least `version` ("4.8"). */
static int kernel_at_least(const char *version) {
  struct utsname u;
  int want_major = 0, want_minor = 0, major = 0, minor = 0;
  if (uname(&u) != 0 || sscanf(version, "%d.%d", &want_major, &want_minor) < 1) return 0;
  sscanf(u.release, "%d.%d", &major, &minor);
  return major > want_major || (major == want_major && minor >= want_minor);
}

/* One `ACTION SYSCALL [min-kernel X.Y] [ARG OP VALUE VALUE2]...` line (runtime/seccomp-profile.ts). */
static int add_rule_line(scmp_filter_ctx ctx, uint32_t default_action, char *line, char *err, size_t len) {
  char *save = NULL, *tok = strtok_r(line, " ", &save);
  uint32_t action = (uint32_t)strtoul(tok, NULL, 0);
  const char *name = strtok_r(NULL, " ", &save);
  if (!name) {
    snprintf(err, len, "seccomp profile: a rule without a syscall");
    return -1;
  }
  struct scmp_arg_cmp args[6];
  unsigned n = 0;
  while ((tok = strtok_r(NULL, " ", &save))) {
    if (!strcmp(tok, "min-kernel")) {
      const char *version = strtok_r(NULL, " ", &save);
      if (!version || !kernel_at_least(version)) return 0;
      continue;
    }
    const char *op = strtok_r(NULL, " ", &save), *a = strtok_r(NULL, " ", &save), *b = strtok_r(NULL, " ", &save);
    if (!b || n >= 6) {
      snprintf(err, len, "seccomp profile: a bad argument rule for %s", name);
      return -1;
    }
    args[n++] = (struct scmp_arg_cmp){ (unsigned)atoi(tok), (enum scmp_compare)atoi(op), strtoull(a, NULL, 0), strtoull(b, NULL, 0) };
  }
  int nr = seccomp_syscall_resolve_name(name);
  /* As runc: unknown names are skipped, and a rule that says what the default says adds nothing. */
  if (nr == __NR_SCMP_ERROR || action == default_action) return 0;
  int rc = seccomp_rule_add_array(ctx, action, nr, n, args);
  if (rc != 0 && rc != -EEXIST) {
    snprintf(err, len, "seccomp profile: the rule for %s: %s", name, strerror(-rc));
    return -1;
  }
  return 0;
}

/* A custom profile, resolved for the container by the berth CLI into `rules`. */
static scmp_filter_ctx profile_filter(const char *rules, char *err, size_t len) {
  char *text = strdup(rules), *save = NULL, *line = strtok_r(text, "\n", &save);
  uint32_t default_action = 0;
  scmp_filter_ctx ctx = NULL;
  if (line && !strncmp(line, "default ", 8)) ctx = seccomp_init(default_action = (uint32_t)strtoul(line + 8, NULL, 0));
  int ok = ctx && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) == 0 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) == 0;
  if (!ok) snprintf(err, len, "seccomp profile: cannot start a filter from \"%s\"", line ? line : "");
  while (ok && (line = strtok_r(NULL, "\n", &save))) {
    if (!strncmp(line, "arch ", 5)) {
      uint32_t arch = seccomp_arch_resolve_name(line + 5);
      int rc = arch ? seccomp_arch_add(ctx, arch) : -EINVAL;
      if (rc != 0 && rc != -EEXIST) {
        snprintf(err, len, "seccomp profile: architecture %s: %s", line + 5, strerror(-rc));
        ok = 0;
      }
    } else ok = add_rule_line(ctx, default_action, line, err, len) == 0;
  }
  free(text);
  if (!ok && ctx) seccomp_release(ctx);
  return ok ? ctx : NULL;
}

int load_seccomp(uint64_t caps, const char *rules, char *err, size_t len) {
  uint64_t key = seccomp_policy_key(caps);
  for (size_t i = 0; !rules && i < sizeof PRECOMPUTED_FILTERS / sizeof *PRECOMPUTED_FILTERS; i++) {
    if (PRECOMPUTED_FILTERS[i].key != key) continue;
    struct sock_fprog prog = { PRECOMPUTED_FILTERS[i].len, (struct sock_filter *)PRECOMPUTED_FILTERS[i].code };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
    snprintf(err, len, "cannot load the seccomp filter: %s", strerror(errno));
    return -1;
  }
  scmp_filter_ctx ctx = rules ? profile_filter(rules, err, len) : seccomp_policy_filter(caps, err, len);
  if (!ctx) return -1;
  int rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) snprintf(err, len, "cannot load the seccomp filter: %s", strerror(-rc));
  return rc == 0 ? 0 : -1;
}
