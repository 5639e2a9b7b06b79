/*
 * The seccomp filter of the container's process, loaded right before its command runs. The build
 * precomputes the filters of the usual capability sets (seccomp-filters.h, generated); any other
 * set is built here with libseccomp, which costs milliseconds (docs/internals/seccomp.md).
 */
#include "shim.h"
#include "seccomp-policy.h"
#include "seccomp-filters.h"
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int load_seccomp(uint64_t caps, char *err, size_t len) {
  uint64_t key = seccomp_policy_key(caps);
  for (size_t i = 0; i < sizeof PRECOMPUTED_FILTERS / sizeof *PRECOMPUTED_FILTERS; i++) {
    if (PRECOMPUTED_FILTERS[i].key != key) continue;
    struct sock_fprog prog = { PRECOMPUTED_FILTERS[i].len, (struct sock_filter *)PRECOMPUTED_FILTERS[i].code };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
    snprintf(err, len, "cannot load the seccomp filter: %s", strerror(errno));
    return -1;
  }
  scmp_filter_ctx ctx = seccomp_policy_filter(caps, err, len);
  if (!ctx) return -1;
  int rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) snprintf(err, len, "cannot load the seccomp filter: %s", strerror(-rc));
  return rc == 0 ? 0 : -1;
}
