/**
 * The few libc calls Node does not offer (setns, flock, sockets, a detached child, a
 * close that does not wait), through koffi, or through bun:ffi when running on Bun (the compiled
 * plugins: kernel/libc-bun.ts). Loaded on first use only, so a plugin answering VERSION never pays
 * for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError, errnoName } from './errors.js';

/** The socket calls of a raw netlink socket (kernel/nf-netlink.ts takes them from here). */
export interface SocketCalls {
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  /** `len` holds the socklen_t in and out (4 bytes, native order). */
  getsockopt(fd: number, level: number, name: number, value: Buffer, len: Buffer): number;
  socket(domain: number, type: number, protocol: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
  errno(): number;
}

export interface Libc extends SocketCalls, MountCalls {
  setns(fd: number, nstype: number): number;
  flock(fd: number, op: number): number;
}

/** The calls of closeInBackground and of spawnDetached, each set declared on its first use only. */
export interface UnixCalls {
  socketpair(domain: number, type: number, protocol: number, sv: number[]): number;
  /** sendmsg(2) of one buffer and its ancillary data (`control`), to no address. */
  sendmsg(fd: number, data: Buffer, control: Buffer, flags: number): number;
}
/** umount2(2) and its errno (kernel/unmount.ts). */
export interface MountCalls {
  umount2(target: string, flags: number): number;
  errno(): number;
}
export interface SpawnCalls {
  spawn(pid: number[], path: string, actions: Buffer, attr: Buffer, argv: Array<string | null>, envp: Array<string | null>): number;
  actionsInit(actions: Buffer): number;
  actionsOpen(actions: Buffer, fd: number, path: string, oflag: number, mode: number): number;
  actionsDup2(actions: Buffer, fd: number, newfd: number): number;
  actionsDestroy(actions: Buffer): number;
  attrInit(attr: Buffer): number;
  attrSetFlags(attr: Buffer, flags: number): number;
  attrDestroy(attr: Buffer): number;
  waitpid(pid: number, status: number[], options: number): number;
}

let libc: Libc | undefined;

/** The part of koffi's API Berth uses. */
export interface KoffiNative {
  load(name: string): { func(signature: string): (...args: any[]) => any };
  struct(name: string, members: Record<string, string>): unknown;
  errno(): number;
}

let koffiNative: KoffiNative | undefined;

/**
 * koffi's native module, loaded once, by its path when it sits where npm puts it: koffi's own entry
 * point probes several locations and wraps deprecated APIs, which every plugin's start-up would pay.
 */
export function loadKoffi(): KoffiNative {
  if (koffiNative) return koffiNative;
  const triplet = `${process.platform}-${process.arch}`;
  const abi = `${process.platform}_${process.arch}`;
  for (const modules of [join(__dirname, '../../node_modules'), join(__dirname, '../node_modules')]) {
    const path = join(modules, `@koromix/koffi-${triplet}`, abi, 'koffi.node');
    if (existsSync(path)) return (koffiNative = require(path) as KoffiNative);
  }
  return (koffiNative = require('koffi') as KoffiNative);
}

/** Bun has FFI of its own, cheaper to load there than koffi (see kernel/libc-bun.ts). */
const onBun = typeof process.versions.bun === 'string';
const bunBackend = () => require('./libc-bun.js') as typeof import('./libc-bun.js');

function load(): Libc {
  if (libc) return libc;
  if (onBun) return (libc = bunBackend().bunLibc());
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  libc = {
    setns: lib.func('int setns(int fd, int nstype)'),
    flock: lib.func('int flock(int fd, int op)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    send: lib.func('long send(int fd, const void *buf, size_t len, int flags)'),
    recv: lib.func('long recv(int fd, void *buf, size_t len, int flags)'),
    close: lib.func('int close(int fd)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    errno: () => koffi.errno(),
  };
  return libc;
}

export const CLONE_NEWNET = 0x40000000;
const LOCK_EX = 2;
const LOCK_UN = 8;

/** Moves the calling thread (Node's main thread) into the namespace open at `fd`. */
export function setns(fd: number, nstype: number, what: string): void {
  const c = load();
  if (c.setns(fd, nstype) !== 0) throw new KernelError('enter network namespace', what, errnoName(c.errno()));
}

/** Takes an exclusive flock on `fd`, waiting for it. */
export function flockExclusive(fd: number, what: string): void {
  const c = load();
  if (c.flock(fd, LOCK_EX) !== 0) throw new KernelError('lock', what, errnoName(c.errno()));
}

export function flockRelease(fd: number): void {
  load().flock(fd, LOCK_UN);
}

/** libc's socket calls, loaded on first use. */
export function socketCalls(): SocketCalls {
  return load();
}

let unixCalls: UnixCalls | undefined;
let spawnCalls: SpawnCalls | undefined;

/**
 * umount2, declared with the other libc calls: a network run has loaded those (locks, netlink) by
 * its unmount, and a dlopen of its own would compile bun:ffi's trampolines once more.
 */
export function loadMountCalls(): MountCalls {
  return load();
}

function loadUnixCalls(): UnixCalls {
  if (unixCalls) return unixCalls;
  if (onBun) return (unixCalls = bunBackend().bunUnixCalls());
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  // Names of their own: koffi's type names are global to the process.
  koffi.struct('berth_iovec', { base: 'void *', len: 'size_t' });
  koffi.struct('berth_msghdr', {
    name: 'void *',
    namelen: 'uint32_t',
    iov: 'berth_iovec *',
    iovlen: 'size_t',
    control: 'void *',
    controllen: 'size_t',
    flags: 'int',
  });
  const sendmsg = lib.func('long sendmsg(int fd, const berth_msghdr *msg, int flags)');
  return (unixCalls = {
    socketpair: lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
    sendmsg: (fd, data, control, flags) =>
      sendmsg(
        fd,
        { name: null, namelen: 0, iov: [{ base: data, len: data.length }], iovlen: 1, control, controllen: control.length, flags: 0 },
        flags,
      ),
  });
}

function loadSpawnCalls(): SpawnCalls {
  if (spawnCalls) return spawnCalls;
  const lib = loadKoffi().load('libc.so.6');
  return (spawnCalls = {
    spawn: lib.func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
    actionsInit: lib.func('int posix_spawn_file_actions_init(void *actions)'),
    actionsOpen: lib.func('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, int mode)'),
    actionsDup2: lib.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    actionsDestroy: lib.func('int posix_spawn_file_actions_destroy(void *actions)'),
    attrInit: lib.func('int posix_spawnattr_init(void *attr)'),
    attrSetFlags: lib.func('int posix_spawnattr_setflags(void *attr, short flags)'),
    attrDestroy: lib.func('int posix_spawnattr_destroy(void *attr)'),
    waitpid: lib.func('int waitpid(int pid, _Out_ int *status, int options)'),
  });
}

const O_RDWR = 2;
const POSIX_SPAWN_SETSID = 0x80; // glibc 2.26+
// glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336, on 64-bit Linux.
const SPAWN_ACTIONS_SIZE = 128;
const SPAWN_ATTR_SIZE = 512;

/**
 * Starts the program `path` with `argv` (argv[0] included) and an empty environment, detached: in
 * a session of its own, with stdin, stdout and stderr on /dev/null, and never waited for (a child
 * that outlives this process is reaped by init or the caller's subreaper). posix_spawn starts it
 * the vfork way, without copying Node's address space as child_process.spawn's fork does (on Bun,
 * Bun.spawn does the same natively).
 * @returns its PID
 * @throws {KernelError} when it cannot be started (ENOENT: no such program)
 */
export function spawnDetached(path: string, argv: readonly string[]): number {
  if (onBun) {
    try {
      return bunBackend().bunSpawnDetached(path, argv);
    } catch (err) {
      throw new KernelError('start', path, (err as NodeJS.ErrnoException).code ?? 'EIO');
    }
  }
  const c = loadSpawnCalls();
  const actions = Buffer.alloc(SPAWN_ACTIONS_SIZE);
  const attr = Buffer.alloc(SPAWN_ATTR_SIZE);
  c.actionsInit(actions);
  c.attrInit(attr);
  try {
    c.actionsOpen(actions, 0, '/dev/null', O_RDWR, 0);
    c.actionsDup2(actions, 0, 1);
    c.actionsDup2(actions, 0, 2);
    c.attrSetFlags(attr, POSIX_SPAWN_SETSID);
    const pid = [0];
    const rc = c.spawn(pid, path, actions, attr, [...argv, null], [null]);
    if (rc !== 0) throw new KernelError('start', path, errnoName(rc));
    return pid[0];
  } finally {
    c.actionsDestroy(actions);
    c.attrDestroy(attr);
  }
}

const WNOHANG = 1;

/**
 * Whether the child `pid` (of spawnDetached) has ended; an ended child is reaped here. A child
 * that ended earlier and was reaped already, or is not ours, counts as ended.
 */
export function childEnded(pid: number): boolean {
  if (onBun) return bunBackend().bunChildEnded(pid) ?? true;
  return loadSpawnCalls().waitpid(pid, [0], WNOHANG) !== 0;
}

const AF_UNIX = 1;
const SOCK_CLOEXEC = 0x80000;
const MSG_DONTWAIT = 0x40;
const SOL_SOCKET = 1;
const SOCK_DGRAM = 2;
const SCM_RIGHTS = 1;

/**
 * Closes `fd`, leaving its final release to a kernel worker instead of this thread.
 *
 * Why: releasing a NETLINK_NETFILTER socket waits for nf_tables' deferred destroy work (one RCU
 * grace period) whenever a transaction of any process has just deleted anything. A process's exit
 * closes its sockets, so a plugin that deleted elements would wait there before its caller saw it end.
 *
 * How: `fd` is sent (SCM_RIGHTS) into a unix socket pair, together with the pair's own receiving
 * end, and every descriptor of it here is closed. Nothing can reach the pair any more; the kernel's
 * collector of such in-flight cycles frees it, and releases the socket, in a workqueue. On a
 * kernel whose collector runs in the closing thread this costs what a plain close does, and on any
 * failure it is a plain close.
 */
export function closeInBackground(fd: number): void {
  const pair = [-1, -1];
  try {
    const c = loadUnixCalls();
    if (c.socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) === 0) {
      // struct cmsghdr { size_t len; int level; int type; } + int fds[2]
      const control = Buffer.alloc(24);
      control.writeBigUInt64LE(24n, 0);
      control.writeInt32LE(SOL_SOCKET, 8);
      control.writeInt32LE(SCM_RIGHTS, 12);
      control.writeInt32LE(pair[1], 16);
      control.writeInt32LE(fd, 20);
      c.sendmsg(pair[0], Buffer.alloc(1), control, MSG_DONTWAIT);
    }
  } catch {
    // nothing sent: the close of `fd` below is a plain one
  }
  // In this order: `fd` and the receiving end first (their in-flight copies keep them), then the
  // sending end, whose release starts the collector. Were `fd` closed last, the collector could
  // have dropped its in-flight copy already, and that close would be the final one, which waits.
  const libc = load();
  libc.close(fd);
  if (pair[1] >= 0) libc.close(pair[1]);
  if (pair[0] >= 0) libc.close(pair[0]);
}
