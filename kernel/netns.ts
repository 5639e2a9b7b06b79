/**
 * Entering network namespaces. Node is multithreaded and setns(CLONE_NEWNET) moves only the calling
 * thread, so the main thread enters a namespace only for synchronous work that binds to it (a
 * netlink socket, a /proc/sys write) and returns at once (STYLE.md section 5, CNI pkg/ns/README.md).
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { errnoName, KernelError } from './errors.js';
import { CLONE_NEWNET, setns, socketCalls } from './libc.js';

/** Opens a netns file (e.g. /run/netns/x or /proc/PID/ns/net) for setns or IFLA_NET_NS_FD. */
export function openNetnsFd(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new KernelError('open network namespace', path, (err as NodeJS.ErrnoException).code ?? 'EIO');
  }
}

/**
 * Runs synchronous `fn` with the main thread inside the netns at `path` (for /proc/sys writes,
 * which resolve the namespace of the calling thread). Nothing asynchronous may run inside.
 */
export function inNetnsSync<T>(path: string | undefined, fn: () => T): T {
  if (!path) return fn();
  const target = openNetnsFd(path);
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    setns(target, CLONE_NEWNET, path);
    try {
      return fn();
    } finally {
      setns(home, CLONE_NEWNET, 'host');
    }
  } finally {
    closeSync(target);
    closeSync(home);
  }
}

/** include/uapi/asm-generic/socket.h (Linux 5.14) */
const SO_NETNS_COOKIE = 71;
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const ENOPROTOOPT = 92;

/**
 * The cookie of the calling thread's network namespace (SO_NETNS_COOKIE on a socket opened in it):
 * a 64-bit number the kernel gives to one namespace only, never again until a reboot, where an
 * inode number is reused as soon as its namespace is freed. Undefined before Linux 5.14.
 */
export function netnsCookie(): bigint | undefined {
  const c = socketCalls();
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new KernelError('open a socket to read the cookie of', 'this network namespace', errnoName(c.errno()));
  try {
    const value = Buffer.alloc(8);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(value.length);
    if (c.getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, value, len) === 0) return value.readBigUInt64LE();
    const errno = c.errno();
    if (errno === ENOPROTOOPT) return undefined;
    throw new KernelError('read the cookie of', 'this network namespace', errnoName(errno));
  } finally {
    c.close(fd);
  }
}

/** include/linux/proc_ns.h PROC_PID_INIT_INO: the inode of the initial PID namespace. */
const INIT_PID_INODE = 0xeffffffc;

/** The namespace inode in an nsfs link or mount root, "net:[4026532173]". */
const NET_NS_LINK = /^net:\[(\d+)\]$/;

/**
 * The inodes of every network namespace something still holds: a task in it, an open file of it,
 * or a mount of it (`ip netns add`), in every mount namespace. Undefined when this process cannot
 * see them all (outside the initial PID namespace, its /proc shows only part of the machine).
 * Reads all of /proc: for GC, never for ADD or DEL.
 */
export function liveNetnsInodes(): Set<number> | undefined {
  try {
    if (statSync('/proc/self/ns/pid').ino !== INIT_PID_INODE) return undefined;
  } catch {
    return undefined;
  }
  const live = new Set<number>();
  const seenMountNs = new Set<number>();
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch {
      /* the task or file ended meanwhile: what it held is checked elsewhere or gone */
    }
  };
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    attempt(() => {
      for (const tid of readdirSync(`/proc/${pid}/task`)) attempt(() => live.add(statSync(`/proc/${pid}/task/${tid}/ns/net`).ino));
    });
    attempt(() => {
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        attempt(() => {
          const m = NET_NS_LINK.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) live.add(Number(m[1]));
        });
    });
    attempt(() => {
      const mountNs = statSync(`/proc/${pid}/ns/mnt`).ino;
      if (seenMountNs.has(mountNs)) return;
      seenMountNs.add(mountNs);
      for (const inode of nsfsMountsOf(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'))) live.add(inode);
    });
  }
  return live;
}

/** The network namespace inodes mounted in a mountinfo text (proc(5): root is field 4, the type follows " - "). */
export function nsfsMountsOf(mountinfo: string): number[] {
  const out: number[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right?.startsWith('nsfs ')) continue;
    const m = NET_NS_LINK.exec(left.split(' ')[3] ?? '');
    if (m) out.push(Number(m[1]));
  }
  return out;
}
