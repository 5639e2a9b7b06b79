/**
 * The default records' directory of each network namespace, and the removal of those whose
 * namespace is gone.
 *
 * nftables state belongs to a network namespace, so the records that describe it do too: in the
 * host's initial namespace they live in the state directory itself, in any other namespace (a
 * sandbox playing "host") in `netns:<inode>:<cookie>` below it. The inode alone is not enough: the
 * kernel gives a freed namespace's inode to the next new one, which would inherit the old records.
 * The cookie (SO_NETNS_COOKIE) is never given twice before a reboot, and /run, where the records
 * live, does not outlive one. ":" is in no network name, so these never collide with a network's
 * directory.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { namesIn } from '../lib/if-present.js';
import { liveNetnsInodes, netnsCookie } from '../kernel/netns.js';

/** include/linux/proc_ns.h PROC_NET_INIT_INO: the inode of the initial network namespace. */
const INIT_NET_INODE = 0xeffffff9;

/** A network namespace as the directory names know it; `cookie` is undefined for the old naming. */
export interface NetnsKey {
  inode: number;
  cookie?: bigint;
}

/** "netns:4026532173:4100"; "netns-4026532173" (Berth before the cookie) when the kernel has no cookie. */
export function netnsDirName(key: NetnsKey): string {
  return key.cookie === undefined ? `netns-${key.inode}` : `netns:${key.inode}:${key.cookie}`;
}

/**
 * The key of a directory name of netnsDirName, or undefined for any other name. `netns-<inode>`
 * could also be a network's directory (in the host namespace): callers tell them apart by the
 * ".lock" inside (see isLegacyNetnsDir).
 */
export function parseNetnsDirName(name: string): NetnsKey | undefined {
  let m = /^netns:(\d+):(\d+)$/.exec(name);
  if (m) return { inode: Number(m[1]), cookie: BigInt(m[2]) };
  m = /^netns-(\d+)$/.exec(name);
  return m ? { inode: Number(m[1]) } : undefined;
}

/**
 * Which of the directory names `names` hold records of a namespace that is gone, seen from the
 * namespace `self`: those with self's inode but not its name (the inode is self's now, so their
 * namespace ended), and, when `live` (the inodes of every namespace alive) is known, those whose
 * inode is not in it. Pure.
 */
export function deadNetnsDirs(names: readonly string[], self: NetnsKey, live?: ReadonlySet<number>): string[] {
  const own = netnsDirName(self);
  return names.filter((name) => {
    const key = parseNetnsDirName(name);
    if (!key || name === own) return false;
    if (key.inode === self.inode) return self.cookie !== undefined;
    return live !== undefined && !live.has(key.inode);
  });
}

/** This thread's namespace, or undefined in the host's initial one (or when /proc cannot tell). */
function currentNetns(): NetnsKey | undefined {
  let inode: number;
  try {
    inode = statSync('/proc/thread-self/ns/net').ino;
  } catch {
    return undefined;
  }
  return inode === INIT_NET_INODE ? undefined : { inode, cookie: netnsCookie() };
}

/** A "netns-<inode>" directory of the old naming holds a ".lock"; a network's directory never does. */
function isNetnsDir(root: string, name: string): boolean {
  return name.startsWith('netns:') || existsSync(join(root, name, '.lock'));
}

/**
 * Removes the dead namespaces' directories under `root`. The directory is read before `live` is
 * asked: a namespace made after the scan has no directory in the list, so it is never taken for dead.
 */
function removeDead(root: string, self: NetnsKey, live: () => ReadonlySet<number> | undefined = () => undefined): string[] {
  const names = namesIn(root);
  if (!names.some((name) => parseNetnsDirName(name))) return [];
  const dead = deadNetnsDirs(names, self, live()).filter((name) => isNetnsDir(root, name));
  for (const name of dead) rmSync(join(root, name), { recursive: true, force: true });
  return dead;
}

/**
 * The default records' directory for the network namespace this thread runs in: `root` itself
 * in the host's initial namespace, `root/netns:<inode>:<cookie>` in any other. On the first use in
 * a namespace (its directory does not exist yet), the directories of earlier namespaces with the
 * same inode are removed: that costs one readdir, and they can belong to no living namespace.
 */
export function stateDirForNetns(root: string): string {
  const self = currentNetns();
  if (!self) return root;
  const dir = join(root, netnsDirName(self));
  if (!existsSync(dir)) {
    try {
      removeDead(root, self);
    } catch {
      // another first call removing the same directories: what it leaves, GC removes
    }
  }
  return dir;
}

/**
 * GC: removes the records' directories under `root` of every namespace that no longer exists
 * (liveNetnsInodes; outside the initial PID namespace only those stateDirForNetns would remove).
 * @returns the names of the directories removed
 */
export function removeDeadNetnsDirs(root: string): string[] {
  // In the host namespace there is no self to compare with: a key no directory has.
  return removeDead(root, currentNetns() ?? { inode: INIT_NET_INODE }, liveNetnsInodes);
}
