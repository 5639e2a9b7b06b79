/**
 * The libc calls of kernel/libc.ts through Bun's own FFI (bun:ffi), for the plugins compiled with
 * Bun. Why not koffi there: koffi's native module links libstdc++, which Bun does not load, so
 * loading it costs more than twice what bun:ffi's dlopen does (docs/internals/build.md). Same calls, same results; only the marshalling differs:
 * out-parameters become typed arrays, structs buffers laid out here. spawnDetached goes through
 * Bun.spawn instead.
 */
import type { Libc, UnixCalls } from './libc.js';

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
    umount2: sig(['ptr', 'i32']),
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
    umount2: (target, flags) => c.umount2(Buffer.from(`${target}\0`), flags),
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

/** The part of a Bun.spawn subprocess used here. */
interface BunChild {
  pid: number;
  exitCode: number | null;
  signalCode: string | null;
  unref(): void;
}
interface BunSpawn {
  spawn(
    cmd: string[],
    opts: { argv0: string; env: Record<string, string>; stdio: ['ignore', 'ignore', 'ignore']; detached: true },
  ): BunChild;
}

const children = new Map<number, BunChild>();

/**
 * spawnDetached on Bun: Bun.spawn, which posix_spawns natively. Declaring posix_spawn and its eight
 * helpers through bun:ffi cost each bridge DEL ~1 ms of CPU (docs/internals/speed.md). Bun reaps the
 * child itself, so its end is read from the subprocess (bunChildEnded), never by waitpid here.
 * @throws {Error} with Bun's `code` (ENOENT...) when it cannot be started
 */
export function bunSpawnDetached(path: string, argv: readonly string[]): number {
  const { Bun } = globalThis as unknown as { Bun: BunSpawn };
  const child = Bun.spawn([path, ...argv.slice(1)], {
    argv0: argv[0] ?? path,
    env: {},
    stdio: ['ignore', 'ignore', 'ignore'],
    detached: true,
  });
  child.unref(); // never waited for: this process may end first
  children.set(child.pid, child);
  return child.pid;
}

/** Whether a child of bunSpawnDetached has ended; undefined for a PID it did not start. */
export function bunChildEnded(pid: number): boolean | undefined {
  const child = children.get(pid);
  return child && (child.exitCode !== null || child.signalCode !== null);
}
