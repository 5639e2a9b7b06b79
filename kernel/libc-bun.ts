/**
 * The libc calls of kernel/libc.ts through Bun's own FFI (bun:ffi), for the plugins compiled with
 * Bun. Why not koffi there: koffi's native module links libstdc++, which Bun does not load, so
 * loading it costs more than twice what bun:ffi's dlopen does (docs/internals/build.md). Same calls, same results; only the marshalling differs: strings
 * become NUL-terminated buffers, out-parameters typed arrays, structs buffers laid out here.
 */
import type { Libc, SpawnCalls, UnixCalls } from './libc.js';

/** The part of bun:ffi used here (its types are Bun's; this module is only loaded on Bun). */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => any> };
  ptr(view: ArrayBufferView): number;
  read: { i32(pointer: number, offset?: number): number };
}

const ffi = (): BunFfi => require('bun:ffi') as BunFfi;

const sig = (args: string[], returns = 'i32') => ({ args, returns });

/** `s` as a C string: a NUL-terminated buffer (Bun passes a typed array as its address). */
const cString = (s: string) => Buffer.from(`${s}\0`);

/** A NULL-terminated array of C strings; `keep` holds the strings alive for the call. */
function cStringArray(items: Array<string | null>, keep: Buffer[]): BigUint64Array {
  const { ptr } = ffi();
  return BigUint64Array.from(
    items.map((s) => {
      if (s === null) return 0n;
      const b = cString(s);
      keep.push(b);
      return BigInt(ptr(b));
    }),
  );
}

export function bunLibc(): Libc {
  const { dlopen, read } = ffi();
  const { symbols: c } = dlopen('libc.so.6', {
    setns: sig(['i32', 'i32']),
    flock: sig(['i32', 'i32']),
    setsockopt: sig(['i32', 'i32', 'i32', 'ptr', 'u32']),
    getsockopt: sig(['i32', 'i32', 'i32', 'ptr', 'ptr']),
    socket: sig(['i32', 'i32', 'i32']),
    send: sig(['i32', 'ptr', 'u64', 'i32'], 'i64_fast'),
    recv: sig(['i32', 'ptr', 'u64', 'i32'], 'i64_fast'),
    close: sig(['i32']),
    __errno_location: sig([], 'ptr'),
  });
  return {
    setns: (fd, nstype) => c.setns(fd, nstype),
    flock: (fd, op) => c.flock(fd, op),
    setsockopt: (fd, level, name, value, len) => c.setsockopt(fd, level, name, value, len),
    getsockopt: (fd, level, name, value, len) => c.getsockopt(fd, level, name, value, len),
    socket: (domain, type, protocol) => c.socket(domain, type, protocol),
    send: (fd, buf, len, flags) => c.send(fd, buf, len, flags),
    recv: (fd, buf, len, flags) => c.recv(fd, buf, len, flags),
    close: (fd) => c.close(fd),
    errno: () => read.i32(c.__errno_location()),
  };
}

export function bunUnixCalls(): UnixCalls {
  const { ptr, dlopen } = ffi();
  const { symbols: c } = dlopen('libc.so.6', {
    socketpair: sig(['i32', 'i32', 'i32', 'ptr']),
    sendmsg: sig(['i32', 'ptr', 'i32'], 'i64_fast'),
  });
  return {
    socketpair(domain, type, protocol, sv) {
      const out = new Int32Array(2);
      const rc = c.socketpair(domain, type, protocol, out);
      sv[0] = out[0];
      sv[1] = out[1];
      return rc;
    },
    sendmsg(fd, data, control, flags) {
      // struct iovec { void *base; size_t len; }
      const iov = Buffer.alloc(16);
      iov.writeBigUInt64LE(BigInt(ptr(data)), 0);
      iov.writeBigUInt64LE(BigInt(data.length), 8);
      // struct msghdr { void *name; socklen_t namelen; struct iovec *iov; size_t iovlen; void *control; size_t controllen; int flags; }
      const msg = Buffer.alloc(56);
      msg.writeBigUInt64LE(BigInt(ptr(iov)), 16);
      msg.writeBigUInt64LE(1n, 24);
      msg.writeBigUInt64LE(BigInt(ptr(control)), 32);
      msg.writeBigUInt64LE(BigInt(control.length), 40);
      return c.sendmsg(fd, msg, flags);
    },
  };
}

export function bunSpawnCalls(): SpawnCalls {
  const { symbols: c } = ffi().dlopen('libc.so.6', {
    posix_spawn: sig(['ptr', 'ptr', 'ptr', 'ptr', 'ptr', 'ptr']),
    posix_spawn_file_actions_init: sig(['ptr']),
    posix_spawn_file_actions_addopen: sig(['ptr', 'i32', 'ptr', 'i32', 'i32']),
    posix_spawn_file_actions_adddup2: sig(['ptr', 'i32', 'i32']),
    posix_spawn_file_actions_destroy: sig(['ptr']),
    posix_spawnattr_init: sig(['ptr']),
    posix_spawnattr_setflags: sig(['ptr', 'i16']),
    posix_spawnattr_destroy: sig(['ptr']),
    waitpid: sig(['i32', 'ptr', 'i32']),
  });
  return {
    spawn(pid, path, actions, attr, argv, envp) {
      const keep: Buffer[] = [];
      const out = new Int32Array(1);
      const rc = c.posix_spawn(out, cString(path), actions, attr, cStringArray(argv, keep), cStringArray(envp, keep));
      pid[0] = out[0];
      return rc;
    },
    actionsInit: (actions) => c.posix_spawn_file_actions_init(actions),
    actionsOpen: (actions, fd, path, oflag, mode) => c.posix_spawn_file_actions_addopen(actions, fd, cString(path), oflag, mode),
    actionsDup2: (actions, fd, newfd) => c.posix_spawn_file_actions_adddup2(actions, fd, newfd),
    actionsDestroy: (actions) => c.posix_spawn_file_actions_destroy(actions),
    attrInit: (attr) => c.posix_spawnattr_init(attr),
    attrSetFlags: (attr, flags) => c.posix_spawnattr_setflags(attr, flags),
    attrDestroy: (attr) => c.posix_spawnattr_destroy(attr),
    waitpid(pid, status, options) {
      const out = new Int32Array(1);
      const rc = c.waitpid(pid, out, options);
      status[0] = out[0];
      return rc;
    },
  };
}
