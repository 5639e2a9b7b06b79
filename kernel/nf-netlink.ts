/**
 * nftables set elements straight over netlink: read elements back (NFT_MSG_GETSETELEM) and
 * delete/add elements in one batch (NFT_MSG_DELSETELEM / NFT_MSG_NEWSETELEM). libnftables makes
 * both O(size of the whole ruleset): `nft get element` first fills its cache with every element of
 * every set in the table, and every change first caches all tables and chains, other tables' too
 * (figures in docs/internals/speed.md).
 * Tables, chains and rules are still made by libnftables or the `nft` program (kernel/nft.ts).
 * The messages are encoded and decoded in nf-codec.ts.
 */
import { KernelError, errnoName } from './errors.js';
import { closeInBackground, type SocketCalls } from './libc.js';
import { openNetlinkSocket } from './netlink-socket.js';
import { commentOfReply, encodeElementBatch, encodeGetSetElem, type ElementKey, type SetElemOp } from './nf-codec.js';

const NETLINK_NETFILTER = 12;
const NLMSG_ERROR = 2;
const ENOENT = 2;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_SNDBUFFORCE = 32;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;

export const NFPROTO = { inet: 1, bridge: 7 } as const;

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

/** Reads per send: their replies (a few hundred bytes each) stay far below the receive buffer. */
const READS_PER_SEND = 32;

/** A NETLINK_NETFILTER socket bound to the netns it was opened in. */
export interface NfNetlink {
  /**
   * Each element's comment ('' without one; undefined when its table, set or element does not
   * exist), in the order asked. The requests go in one send: the kernel answers each in turn.
   */
  elementComments(queries: readonly ElementKey[]): Array<string | undefined>;
  /**
   * Deletes then adds elements in one transaction (all or nothing).
   * @throws {KernelError} with the errno name of the first failure (ENOENT: a table, set, chain or element is missing; EEXIST: a map key holds another value)
   */
  elementBatch(ops: { guard?: { family: number; table: string; set: string }; del: readonly SetElemOp[]; add: readonly SetElemOp[] }): void;
  close(): void;
}

/** The sockets still open: closed when the process exits, by one listener for all of them. */
const openSockets = new Set<number>();
let exitListenerAdded = false;

/** Without waiting for nf_tables' destroy work after a deletion (see closeInBackground). */
function closeSocket(fd: number): void {
  if (openSockets.delete(fd)) closeInBackground(fd);
}

/**
 * Opens the socket in the caller's current network namespace, with libc's calls (kernel/libc.ts).
 * It is closed by close() or, at the latest, when the process exits: without waiting in either case.
 */
export function openNfNetlink(c: SocketCalls): NfNetlink {
  // Never wait forever for a reply.
  const fd = openNetlinkSocket(NETLINK_NETFILTER, 'nftables set elements', 2);
  openSockets.add(fd);
  // An error need not echo the request: a message of a large batch holds up to 64 KiB of elements.
  c.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, int32(1), 4);
  let sndbuf = 1 << 16; // assumed: net.core.wmem_default is 212992 unless lowered a lot
  // `on`, not `once` (a cold builtin on a network run's path): the flag adds it once, and exit comes once.
  if (!exitListenerAdded)
    process.on('exit', () => {
      for (const f of [...openSockets]) closeSocket(f);
    });
  exitListenerAdded = true;
  let seq = 1;
  const buf = Buffer.alloc(1 << 16);
  return {
    elementComments(queries) {
      const comments = new Array<string | undefined>(queries.length);
      for (let from = 0; from < queries.length; from += READS_PER_SEND) {
        const part = queries.slice(from, from + READS_PER_SEND);
        const first = seq;
        seq += part.length;
        const msg = Buffer.concat(part.map((q, i) => encodeGetSetElem(q.family, q.table, q.set, q.key, first + i)));
        const sent = c.send(fd, msg, msg.length, 0);
        if (sent !== msg.length) throw new KernelError('send to', 'netfilter netlink socket', sent < 0 ? errnoName(c.errno()) : 'EIO');
        for (let pending = part.length; pending > 0;) {
          const n = c.recv(fd, buf, buf.length, 0);
          if (n <= 0) throw new KernelError('receive from', 'netfilter netlink socket', n === 0 ? 'EIO' : errnoName(c.errno()));
          for (let at = 0; at + 16 <= n;) {
            const len = buf.readUInt32LE(at);
            if (len < 16 || at + len > n) break;
            const i = buf.readUInt32LE(at + 8) - first;
            if (i >= 0 && i < part.length) {
              pending -= 1;
              if (buf.readUInt16LE(at + 4) !== NLMSG_ERROR) comments[from + i] = commentOfReply(buf.subarray(at + 16, at + len));
              else {
                const errno = -buf.readInt32LE(at + 16);
                // ENOENT: no table, set or element
                if (errno !== ENOENT) throw new KernelError('get element of set', `${part[i].table} ${part[i].set}`, errnoName(errno));
              }
            }
            at += (len + 3) & ~3;
          }
        }
      }
      return comments;
    },
    elementBatch(ops) {
      const first = seq;
      const { msg, acks } = encodeElementBatch(ops, first);
      seq += acks + 2;
      // A batch is one datagram, which must fit the send buffer (212992 bytes by default, some
      // 800 dual-stack port mappings of ~130 bytes an element). Like libnftables, grow it for the batch: FORCE passes net.core.wmem_max.
      if (msg.length + 1024 > sndbuf) {
        sndbuf = msg.length + 1024;
        if (c.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, int32(sndbuf), 4) !== 0) c.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, int32(sndbuf), 4);
      }
      const sent = c.send(fd, msg, msg.length, 0);
      if (sent !== msg.length) throw new KernelError('send to', 'netfilter netlink socket', sent < 0 ? errnoName(c.errno()) : 'EIO');
      let pending = acks;
      let failure = 0;
      while (pending > 0) {
        const n = c.recv(fd, buf, buf.length, 0);
        if (n <= 0) throw new KernelError('receive from', 'netfilter netlink socket', n === 0 ? 'EIO' : errnoName(c.errno()));
        for (let at = 0; at + 16 <= n;) {
          const len = buf.readUInt32LE(at);
          if (len < 16) break;
          const type = buf.readUInt16LE(at + 4);
          const mseq = buf.readUInt32LE(at + 8);
          if (type === NLMSG_ERROR && mseq > first && mseq <= first + acks) {
            pending -= 1;
            const errno = -buf.readInt32LE(at + 16);
            if (errno !== 0 && failure === 0) failure = errno;
          } else if (type === NLMSG_ERROR && mseq === first) {
            const errno = -buf.readInt32LE(at + 16);
            throw new KernelError('apply a batch on', 'netfilter netlink socket', errnoName(errno));
          }
          at += (len + 3) & ~3;
        }
      }
      if (failure !== 0)
        throw new KernelError('change set elements in table', ops.add[0]?.table ?? ops.del[0]?.table ?? 'berth', errnoName(failure));
    },
    close() {
      closeSocket(fd);
    },
  };
}
