/**
 * Deleting a link without waiting for the kernel's cleanup: a detached `berth-shim link-delete` (or
 * iproute2's `ip link delete`) takes the wait, and this process watches the link vanish
 * (docs/internals/speed.md).
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { dirname, join } from 'node:path';
import { isNotFound } from './errors.js';
import { childEnded, spawnDetached } from './libc.js';
import type { LinkInfo } from './rtnl-decode.js';

export interface DetachedDeleteOptions {
  /** berth-shim, run as `berth-shim link-delete NAME`; null runs none. Default: the one beside this program, if any. */
  shim?: string | null;
  /** Without berth-shim: iproute2's `ip`, run as `ip link delete dev NAME`; null runs none. Default: the first of IP_PROGRAMS. */
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
 * process cannot end while one of its threads waits there. Instead, a program started detached
 * (spawnDetached) takes that wait: berth-shim's `link-delete`, static, which starts at a fraction
 * of the cost of `ip` and its eight shared libraries, else `ip link delete`. The kernel unlists the
 * link before it waits, so a caller that goes on at once finds the name free and the link gone
 * from every listing.
 *
 * Without either program, when the program ends with the link still there, or when the link is
 * still there after `timeoutMs`, it deletes the link itself, and waits.
 */
export async function deleteLinkDetached(own: OwnNetlink, name: string, index: number, opts: DetachedDeleteOptions = {}): Promise<void> {
  const deleter = deleterOf(name, opts);
  const stillThere = async () => (await own.getLinkByIndex(index))?.name === name;
  try {
    let child: number | undefined;
    if (deleter) {
      try {
        child = spawnDetached(deleter[0], deleter.slice(1));
      } catch {
        // deleted here below
      }
    }
    // The program ends only after the kernel's wait, long after the link is gone: one that ended
    // with the link still there failed (an ip without `link delete`, say), and is not waited for.
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

/** [path, argv...] of the program that deletes `name`, or undefined for none. */
function deleterOf(name: string, opts: DetachedDeleteOptions): string[] | undefined {
  const shim = opts.shim === undefined ? shimBeside() : opts.shim;
  if (shim) return [shim, 'berth-shim', 'link-delete', name];
  const ip = opts.ip === undefined ? ipProgram() : opts.ip;
  return ip ? [ip, 'ip', 'link', 'delete', 'dev', name] : undefined;
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
};

let shimFound: string | null | undefined;

/**
 * berth-shim in dist/lib (or an install's lib dir) beside the running program: the compiled
 * executable there, or the Node bundle; null when there is none (run from the sources).
 */
export function shimBeside(): string | null {
  if (shimFound === undefined)
    shimFound = [join(dirname(process.execPath), 'berth-shim'), join(__dirname, 'berth-shim')].find(isExecutable) ?? null;
  return shimFound;
}

/** Where iproute2's `ip` lives on the distributions Berth meets (never looked up in PATH: this runs as root). */
const IP_PROGRAMS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
let ipFound: string | null | undefined;

/** The first executable of IP_PROGRAMS, or null when there is none. */
export function ipProgram(): string | null {
  if (ipFound === undefined) ipFound = IP_PROGRAMS.find(isExecutable) ?? null;
  return ipFound;
}
