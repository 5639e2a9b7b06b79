/*
 * Docker's default seccomp policy as libseccomp rules: an allowlist where anything else fails with
 * EPERM, some syscalls allowed only with a capability the container holds, a few only with
 * harmless arguments (docs/berth.md, Security). Linked into berth-shim and into the build's
 * generator of precomputed filters (gen/seccomp-filters.c).
 */
#include "seccomp-policy.h"
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#define CAP(c) (1ULL << (c))

/* Syscalls allowed when the container holds every capability in `need` (0: always). */
struct allow { uint64_t need; const char *names; };

static const struct allow ALLOWED[] = {
  { 0, "accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 "
       "clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 "
       "clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 "
       "dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait "
       "epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 "
       "fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl "
       "fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 "
       "fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv "
       "futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid "
       "getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid "
       "getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list "
       "getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 "
       "getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl "
       "io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup "
       "io_submit io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule "
       "landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen "
       "listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier "
       "memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap "
       "mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 "
       "mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock "
       "munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause "
       "pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll "
       "ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 "
       "pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv "
       "recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat "
       "renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask "
       "rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 "
       "rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max "
       "sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
       "sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select "
       "semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg "
       "sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 "
       "setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid "
       "setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area "
       "set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack "
       "signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs "
       "statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time "
       "timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime "
       "timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime "
       "timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat "
       "utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev "
       /* Safe to let through since Linux 4.8, which seccomp-checks the syscalls of a traced process. */
       "ptrace process_vm_readv process_vm_writev" },
#if defined(__x86_64__) || defined(__i386__)
  { 0, "arch_prctl modify_ldt" },
#endif
#if defined(__aarch64__) || defined(__arm__)
  { 0, "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls" },
#endif
  { CAP(CAP_DAC_READ_SEARCH), "open_by_handle_at" },
  /* CAP_SYS_ADMIN also lifts allow_with_args' limits on clone and clone3. */
  { CAP(CAP_SYS_ADMIN), "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount "
                        "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
                        "sethostname setns syslog umount umount2 unshare" },
  { CAP(CAP_SYS_BOOT), "reboot" },
  { CAP(CAP_SYS_CHROOT), "chroot" },
  { CAP(CAP_SYS_MODULE), "delete_module init_module finit_module" },
  { CAP(CAP_SYS_PACCT), "acct" },
  { CAP(CAP_SYS_PTRACE), "kcmp pidfd_getfd process_madvise" },
  { CAP(CAP_SYS_RAWIO), "iopl ioperm" },
  { CAP(CAP_SYS_TIME), "settimeofday stime clock_settime clock_settime64" },
  { CAP(CAP_SYS_TTY_CONFIG), "vhangup" },
  { CAP(CAP_SYS_NICE), "get_mempolicy mbind set_mempolicy set_mempolicy_home_node" },
  { CAP(CAP_SYSLOG), "syslog" },
  { CAP(CAP_BPF), "bpf" },
  { CAP(CAP_PERFMON), "perf_event_open" },
};

/* The namespace flags of clone (CLONE_NEWNS ... CLONE_NEWNET): without CAP_SYS_ADMIN, none of them. */
#define CLONE_NAMESPACES 0x7E020000ULL
#define AF_VSOCK_FAMILY 40
/* personality(2) personas a container may switch to: Linux, 32-bit Linux, a 2.6 uname, both of
 * these, and the query (0xffffffff). */
static const uint64_t PERSONAS[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* Unknown names (a libseccomp older than the syscall) are skipped, as Docker does: they stay denied. */
static int allow_names(scmp_filter_ctx ctx, const char *names, char *err, size_t len) {
  char name[64];
  for (const char *p = names; *p;) {
    size_t n = strcspn(p, " ");
    if (n > 0 && n < sizeof name) {
      memcpy(name, p, n);
      name[n] = 0;
      int nr = seccomp_syscall_resolve_name(name);
      int rc = nr == __NR_SCMP_ERROR ? 0 : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
      if (rc != 0 && rc != -EDOM && rc != -EEXIST) {
        snprintf(err, len, "seccomp rule for %s: %s", name, strerror(-rc));
        return -1;
      }
    }
    p += n;
    while (*p == ' ') p++;
  }
  return 0;
}

static int allow_with_args(scmp_filter_ctx ctx, uint64_t caps, char *err, size_t len) {
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_VSOCK_FAMILY));
  for (size_t i = 0; rc == 0 && i < sizeof PERSONAS / sizeof *PERSONAS; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_EQ, PERSONAS[i]));
  if (rc == 0 && !(caps & CAP(CAP_SYS_ADMIN))) {
    /* glibc falls back to clone when clone3 says ENOSYS, and clone's flags can be checked. */
#if defined(__s390x__) || defined(__s390__)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, CLONE_NAMESPACES, 0));
#else
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NAMESPACES, 0));
#endif
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  }
  if (rc != 0) snprintf(err, len, "seccomp rule: %s", strerror(-rc));
  return rc == 0 ? 0 : -1;
}

/*
 * The 32-bit ABI of the native one, as Docker's profile lists it, but x32 (off in Debian's kernels,
 * and its syscalls are killed): without it the kernel loads the filter in a quarter less time.
 */
static int add_sub_arches(scmp_filter_ctx ctx) {
  static const uint32_t subs[] = {
#if defined(__x86_64__)
    SCMP_ARCH_X86,
#elif defined(__aarch64__)
    SCMP_ARCH_ARM,
#endif
    0,
  };
  for (int i = 0; subs[i]; i++) {
    int rc = seccomp_arch_add(ctx, subs[i]);
    if (rc != 0 && rc != -EEXIST) return rc;
  }
  return 0;
}

uint64_t seccomp_policy_key(uint64_t caps) {
  uint64_t seen = 0;
  for (size_t i = 0; i < sizeof ALLOWED / sizeof *ALLOWED; i++) seen |= ALLOWED[i].need;
  return caps & seen;
}

static int seccomp_policy_rules(scmp_filter_ctx ctx, uint64_t caps, char *err, size_t len) {
  int rc = add_sub_arches(ctx);
  if (rc != 0) {
    snprintf(err, len, "seccomp: cannot add an architecture: %s", strerror(-rc));
    return -1;
  }
  for (size_t i = 0; i < sizeof ALLOWED / sizeof *ALLOWED; i++)
    if ((caps & ALLOWED[i].need) == ALLOWED[i].need && allow_names(ctx, ALLOWED[i].names, err, len) != 0) return -1;
  return allow_with_args(ctx, caps, err, len);
}

scmp_filter_ctx seccomp_policy_filter(uint64_t caps, char *err, size_t len) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) {
    snprintf(err, len, "seccomp: cannot initialise a filter");
    return NULL;
  }
  /* A binary tree of syscall numbers: a dozen comparisons per syscall instead of hundreds. */
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  /* no_new_privs is the caller's to set: --privileged runs without it. */
  if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc != 0) snprintf(err, len, "seccomp: cannot set a filter attribute: %s", strerror(-rc));
  if (rc != 0 || seccomp_policy_rules(ctx, caps, err, len) != 0) {
    seccomp_release(ctx);
    return NULL;
  }
  return ctx;
}
