/**
 * The few libc calls Node does not offer (setns, flock, raw netlink sockets, a netlink request sent
 * from libuv's thread pool), through koffi. Loaded on first use only, so a plugin answering VERSION
 * never pays for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError, errnoName } from './errors.js';

/** The socket calls of a raw netlink socket (kernel/nf-netlink.ts takes them from here). */
export interface SocketCalls {
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  socket(domain: number, type: number, protocol: number): number;
  send: ((fd: number, buf: Buffer, len: number, flags: number) => number) & AsyncCall;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
  errno(): number;
}

interface Libc extends SocketCalls {
  setns(fd: number, nstype: number): number;
  flock(fd: number, op: number): number;
}

/** koffi runs a function with `.async(...args, callback)` on a libuv thread-pool thread. */
interface AsyncCall {
  async(...args: unknown[]): void;
}

let libc: Libc | undefined;

/** The part of koffi's API Berth uses. */
export interface KoffiNative {
  load(name: string): { func(signature: string): ((...args: any[]) => any) & AsyncCall };
  errno(): number;
}

let koffiNative: KoffiNative | undefined;

/**
 * koffi's native module, loaded once, by its path when it sits where npm puts it: koffi's own entry
 * point probes several locations and wraps deprecated APIs, ~2 ms of every plugin's start-up.
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

function load(): Libc {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  libc = {
    setns: lib.func('int setns(int fd, int nstype)'),
    flock: lib.func('int flock(int fd, int op)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    send: lib.func('long send(int fd, const void *buf, size_t len, int flags)'),
    recv: lib.func('long recv(int fd, void *buf, size_t len, int flags)'),
    close: lib.func('int close(int fd)'),
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

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const MSG_DONTWAIT = 0x40;
const NLMSG_ERROR = 2;

/** libc's socket calls, loaded on first use. */
export function socketCalls(): SocketCalls {
  return load();
}

const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;

/**
 * Opens a raw netlink socket of `protocol` in the caller's current network namespace. With
 * `timeoutSeconds`, a blocking recv() gives up after that long (EAGAIN) instead of waiting forever.
 */
export function openNetlinkSocket(protocol: number, what: string, timeoutSeconds?: number): number {
  const c = load();
  const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw new KernelError('open netlink socket for', what, errnoName(c.errno()));
  if (timeoutSeconds !== undefined) {
    const timeval = Buffer.alloc(16); // struct timeval { tv_sec, tv_usec }
    timeval.writeBigInt64LE(BigInt(timeoutSeconds), 0);
    c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, timeval.length);
  }
  return fd;
}

const EINTR = 4;
const EAGAIN = 11;
const MSG_TRUNC = 0x20;
const NLMSG_DONE = 3;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
/** A reply larger than this is refused (EMSGSIZE); the kernel sends dumps in parts of at most 32 KiB. */
const RECEIVE_BUFFER_SIZE = 1 << 16;
let receiveBuffer: Buffer | undefined;

/**
 * Sends one netlink request (a whole message with sequence number `seq`) on `fd` and returns the
 * payloads (after the 16-byte header) of its replies: up to its ACK, or the NLMSG_DONE of a dump; a
 * request that asks for neither gets one reply (or an NLMSG_ERROR). Synchronous: the kernel handles a request inside the sender's send(),
 * so the replies are queued when recv() asks for them (a socket opened with a timeout never waits
 * forever). Messages of other sequence numbers are skipped.
 * @throws {KernelError} `cannot <op> "<target>": <errno name>` on NLMSG_ERROR or a socket failure
 */
export function netlinkExchange(fd: number, message: Buffer, seq: number, op: string, target: string): Buffer[] {
  const c = load();
  const oneReply = (message.readUInt16LE(6) & (NLM_F_ACK | NLM_F_DUMP)) === 0;
  let sent: number;
  while ((sent = c.send(fd, message, message.length, 0)) < 0 && c.errno() === EINTR);
  if (sent !== message.length) throw new KernelError(op, target, sent < 0 ? errnoName(c.errno()) : 'EIO');
  const buf = (receiveBuffer ??= Buffer.allocUnsafe(RECEIVE_BUFFER_SIZE));
  const replies: Buffer[] = [];
  for (;;) {
    const n = c.recv(fd, buf, buf.length, MSG_TRUNC);
    if (n < 0) {
      const errno = c.errno();
      if (errno === EINTR) continue;
      throw new KernelError(op, target, errno === EAGAIN ? 'ETIMEDOUT' : errnoName(errno));
    }
    if (n > buf.length) throw new KernelError(op, target, 'EMSGSIZE');
    for (let at = 0; at + 16 <= n;) {
      const len = buf.readUInt32LE(at);
      if (len < 16 || at + len > n) throw new KernelError(op, target, 'EPROTO');
      if (buf.readUInt32LE(at + 8) === seq) {
        const kind = buf.readUInt16LE(at + 4);
        // NLMSG_ERROR with errno 0 is the ACK; NLMSG_DONE ends a dump (with an errno if it failed).
        if (kind === NLMSG_ERROR || kind === NLMSG_DONE) {
          const errno = len >= 20 ? -buf.readInt32LE(at + 16) : 0;
          if (errno > 0) throw new KernelError(op, target, errnoName(errno));
          return replies;
        }
        replies.push(Buffer.from(buf.subarray(at + 16, at + len))); // a copy: the buffer is reused
        if (oneReply) return replies;
      }
      at += (len + 3) & ~3;
    }
  }
}

/**
 * Sends one netlink request (a whole message, header included, asking for an ACK) on a socket of
 * its own in the caller's namespace, from a libuv thread-pool thread, and resolves with the errno
 * of its ACK (0 = done). The kernel handles a netlink request inside the sender's sendmsg(), so a
 * request that blocks there (deleting a link waits for an RCU grace period, ~10-20 ms) leaves the
 * main thread free for other work meanwhile. The socket is made here, on the main thread, so it
 * belongs to the namespace the main thread is in now.
 */
export function netlinkRequestOffThread(protocol: number, message: Buffer, what: string): Promise<number> {
  const c = load();
  let fd: number;
  try {
    fd = openNetlinkSocket(protocol, what);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    c.send.async(fd, message, message.length, 0, (err: unknown, sent: number) => {
      try {
        if (err || sent !== message.length) throw new KernelError('send netlink request for', what, err ? String(err) : 'EIO');
        // The ACK was queued before send() returned.
        const reply = Buffer.alloc(8192);
        const n = c.recv(fd, reply, reply.length, MSG_DONTWAIT);
        if (n < 20 || reply.readUInt16LE(4) !== NLMSG_ERROR) throw new KernelError('read netlink ACK for', what, n < 0 ? errnoName(c.errno()) : 'EPROTO');
        resolve(-reply.readInt32LE(16));
      } catch (e) {
        reject(e);
      } finally {
        c.close(fd);
      }
    });
  });
}
