/**
 * Entering network namespaces. Node is multithreaded and setns(CLONE_NEWNET) moves only the calling
 * thread, so the main thread enters a namespace only for synchronous work that binds to it (a
 * netlink socket, a /proc/sys write) and returns at once (STYLE.md section 5, CNI pkg/ns/README.md).
 */
import { closeSync, openSync } from 'node:fs';
import { KernelError } from './errors.js';
import { CLONE_NEWNET, setns } from './libc.js';

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
