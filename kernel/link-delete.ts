/**
 * Deleting a link without waiting for the kernel's cleanup: a detached `ip link delete` takes the
 * wait, and this process watches the link vanish (docs/internals/speed.md).
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { isNotFound } from './errors.js';
import { childEnded, spawnDetached } from './libc.js';
import type { LinkInfo } from './rtnl-decode.js';

export interface DetachedDeleteOptions {
  /** The `ip` program; null runs none. Default: the first of IP_PROGRAMS. */
  ip?: string | null;
  timeoutMs?: number;
}

/** The few rtnetlink calls the delete needs, on a socket of the caller's namespace. */
export interface OwnNetlink {
  getLinkByIndex(index: number): Promise<LinkInfo | undefined>;
  deleteLink(name: string): Promise<void>;
  close(): void;
}

/**
 * Deletes the link `name` (index `index`) of the namespace `own` is bound to, and settles as soon as
 * the link is gone from the namespace, before the kernel is done with it. Closes `own`.
 *
 * Why: deleting a link ends with an rcu_barrier() in the task that asked (netdev_run_todo), and a
 * process cannot end while one of its threads waits there. Instead, iproute2's `ip link delete`,
 * started detached (spawnDetached), takes that wait. The kernel unlists the link before it waits,
 * so a caller that goes on at once finds the name free and the link gone from every listing.
 *
 * Without an `ip` program, when `ip` ends with the link still there, or when the link is still
 * there after `timeoutMs`, it deletes the link itself, and waits.
 */
export async function deleteLinkDetached(own: OwnNetlink, name: string, index: number, opts: DetachedDeleteOptions = {}): Promise<void> {
  const ip = opts.ip === undefined ? ipProgram() : opts.ip;
  const stillThere = async () => (await own.getLinkByIndex(index))?.name === name;
  try {
    let child: number | undefined;
    if (ip) {
      try {
        child = spawnDetached(ip, ['ip', 'link', 'delete', 'dev', name]);
      } catch {
        // deleted here below
      }
    }
    // ip ends only after the kernel's wait, long after the link is gone: one that ended with
    // the link still there failed (an ip without `link delete`, say), and is not waited for.
    for (const deadline = Date.now() + (opts.timeoutMs ?? 2000); child !== undefined && Date.now() < deadline;) {
      if (!(await stillThere())) return;
      if (childEnded(child)) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (await stillThere()) await own.deleteLink(name);
  } catch (err) {
    if (!isNotFound(err)) throw err; // deleted by ip meanwhile
  } finally {
    own.close();
  }
}

/** Where iproute2's `ip` lives on the distributions Berth meets (never looked up in PATH: this runs as root). */
const IP_PROGRAMS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
let ipFound: string | null | undefined;

/** The first executable of IP_PROGRAMS, or null when there is none. */
export function ipProgram(): string | null {
  if (ipFound !== undefined) return ipFound;
  ipFound =
    IP_PROGRAMS.find((path) => {
      try {
        accessSync(path, fsConstants.X_OK);
        return true;
      } catch {
        return false;
      }
    }) ?? null;
  return ipFound;
}
