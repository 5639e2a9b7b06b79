/* Docker's default seccomp policy (seccomp-policy.c), for berth-shim and the build's generator. */
#ifndef BERTH_SECCOMP_POLICY_H
#define BERTH_SECCOMP_POLICY_H
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* The capabilities of `caps` the policy looks at: two sets with one key get one filter. */
uint64_t seccomp_policy_key(uint64_t caps);
/* The policy's filter for a container holding `caps`, not loaded yet; NULL with `err` set. */
scmp_filter_ctx seccomp_policy_filter(uint64_t caps, char *err, size_t len);
#endif
