/**
 * Raw netlink sockets spoken synchronously through libc (kernel/libc.ts): open one in the caller's
 * namespace, send a request and read its replies (netlink(7)).
 */
import { KernelError, errnoName } from './errors.js';
import { socketCalls } from './libc.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const NLMSG_ERROR = 2;

const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;

/**
 * Opens a raw netlink socket of `protocol` in the caller's current network namespace. With
 * `timeoutSeconds`, a blocking recv() gives up after that long (EAGAIN) instead of waiting forever.
 */
export function openNetlinkSocket(protocol: number, what: string, timeoutSeconds?: number): number {
  const c = socketCalls();
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
 * With `absent`, an NLMSG_ERROR of that errno (ENODEV for a link lookup) returns undefined instead:
 * a cold path then builds no error object for an answer it expects.
 * @throws {KernelError} `cannot <op> "<target>": <errno name>` on NLMSG_ERROR or a socket failure
 */
export function netlinkExchange(fd: number, message: Buffer, seq: number, op: string, target: string): Buffer[];
export function netlinkExchange(fd: number, message: Buffer, seq: number, op: string, target: string, absent: number): Buffer[] | undefined;
export function netlinkExchange(fd: number, message: Buffer, seq: number, op: string, target: string, absent = 0): Buffer[] | undefined {
  const c = socketCalls();
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
          if (errno > 0) {
            if (errno === absent) return undefined;
            throw new KernelError(op, target, errnoName(errno));
          }
          return replies;
        }
        replies.push(Buffer.from(buf.subarray(at + 16, at + len))); // a copy: the buffer is reused
        if (oneReply) return replies;
      }
      at += (len + 3) & ~3;
    }
  }
}
