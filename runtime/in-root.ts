/** Paths inside a container's root as the container would see them, never leading out of it. */
import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Resolves `path` inside a root the way the container would: every symbolic link, absolute or
 * not, stays inside `root` (a link to / must not reach the host's root). The last component is
 * not followed (cp copies a link as a link).
 */
export function resolveInRoot(root: string, path: string): string {
  const parts = posix.normalize(`/${path}`).split('/').filter(Boolean);
  let resolved = '';
  for (let i = 0, hops = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '..') {
      resolved = posix.dirname(resolved) === '/' ? '' : posix.dirname(resolved);
      continue;
    }
    const next = `${resolved}/${part}`;
    let st;
    try {
      st = lstatSync(join(root, next));
    } catch {
      resolved = next;
      continue;
    }
    if (st.isSymbolicLink() && i < parts.length - 1) {
      if (++hops > 40) throw new Error(`too many levels of symbolic links: ${path}`);
      const target = readlinkSync(join(root, next));
      parts.splice(0, i + 1, ...(target.startsWith('/') ? target : `${resolved}/${target}`).split('/').filter(Boolean));
      resolved = '';
      i = -1;
      continue;
    }
    resolved = next;
  }
  return join(root, resolved || '/');
}

/**
 * As resolveInRoot, the last component followed too: a path with no symbolic link left, fit to
 * mount on (mount(2) follows a link, out of the root for an absolute one).
 */
export function resolveAllInRoot(root: string, path: string): string {
  let at = resolveInRoot(root, path);
  for (let hops = 0; ; hops++) {
    let link: string;
    try {
      if (!lstatSync(at).isSymbolicLink()) return at;
      link = readlinkSync(at);
    } catch {
      return at; // nothing there yet
    }
    if (hops >= 40) throw new Error(`too many levels of symbolic links: ${path}`);
    const inside = posix.join('/', posix.relative(root, at) || '/');
    at = resolveInRoot(root, link.startsWith('/') ? link : posix.join(posix.dirname(inside), link));
  }
}
