/* Tries the syscalls named on its command line, with harmless arguments, and prints NAME=OK or
 * NAME=<errno name> for each: what test/integration/runtime/seccomp.test.ts compares (never run it outside a container). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *idle(void *arg) { return arg; }

static long probe(const char *name) {
  if (!strcmp(name, "unshare")) return syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */);
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0);
  if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "berth-probe", "x", 1, -2 /* process */);
  if (!strcmp(name, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
  if (!strcmp(name, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, NULL, 0);
  if (!strcmp(name, "bpf")) return syscall(SYS_bpf, 0, NULL, 0);
  if (!strcmp(name, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
  /* A path that does not exist: ENOENT once a filter lets it through, never a mount. */
  if (!strcmp(name, "mount")) return mount("none", "/nonexistent-berth-probe", "tmpfs", 0, NULL);
  if (!strcmp(name, "clone3")) return syscall(SYS_clone3, NULL, 0);
  if (!strcmp(name, "vsock")) return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
  if (!strcmp(name, "personality_query")) return personality(0xffffffff) < 0 ? -1 : 0;
  if (!strcmp(name, "personality_bsd")) return personality(0x0006 /* PER_BSD */) < 0 ? -1 : personality(PER_LINUX);
  if (!strcmp(name, "thread")) {
    pthread_t t;
    int e = pthread_create(&t, NULL, idle, NULL);
    if (e == 0) return pthread_join(t, NULL);
    errno = e;
    return -1;
  }
  errno = EINVAL;
  return -1;
}

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ENOENT: return "ENOENT";
    case E2BIG: return "E2BIG";
    default: return "E?";
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    errno = 0;
    long rc = probe(argv[i]);
    printf("%s=%s\n", argv[i], rc < 0 ? errno_name(errno) : "OK");
  }
  return 0;
}
