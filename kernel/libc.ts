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
