/**
 * Reading a file of an image (its /etc/passwd, /etc/group) without mounting it: from the layer dirs
 * as overlayfs would merge them (whiteouts hide, opaque dirs cut off the layers below), or from a
 * merged root. Symlinks resolve inside the image as in a chroot, never into the host's tree.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from '../kernel/fs-nodes.js';
import { resolveUser, type ExecUser } from './config.js';

type Found = { kind: 'dir'; dirs: string[] } | { kind: 'file'; path: string } | { kind: 'symlink'; path: string } | { kind: 'none' };

const MAX_SYMLINKS = 40;

const isWhiteout = (st: import('node:fs').Stats) => st.isCharacterDevice() && st.rdev === 0;

/** The entry `name` in a merged directory made of `dirs` (highest first). */
function lookup(dirs: readonly string[], name: string): Found {
  const below: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (isWhiteout(st)) break;
    if (!st.isDirectory()) {
      if (below.length) break; // a lower non-directory under a directory is hidden
      // A FIFO or a device is no passwd file: reading one would block or read the host's device.
      return st.isSymbolicLink() ? { kind: 'symlink', path } : st.isFile() ? { kind: 'file', path } : { kind: 'none' };
    }
    below.push(path);
    // Opaqueness only matters over a lower copy; asking only then keeps koffi (lgetxattr) out of most runs.
    const hidesLower = dirs.slice(i + 1).some((lower) => lstatSync(join(lower, name), { throwIfNoEntry: false }));
    if (hidesLower && lgetxattr(path, 'trusted.overlay.opaque')?.toString() === 'y') break;
  }
  return below.length ? { kind: 'dir', dirs: below } : { kind: 'none' };
}

/**
 * The contents of `path` in the image whose layer dirs are `layerDirs` (LOWEST first, as
 * ImageRecord.layerDirs), or undefined when the image has no such file. A merged root is one layer.
 */
export function readImageFile(layerDirs: readonly string[], path: string): string | undefined {
  const top = [...layerDirs].reverse();
  let parts = path.split('/').filter((p) => p && p !== '.');
  let stack: string[][] = [top];
  for (let hops = 0, i = 0; i < parts.length;) {
    const part = parts[i];
    if (part === '..') {
      if (stack.length > 1) stack.pop();
      i++;
      continue;
    }
    const found = lookup(stack[stack.length - 1], part);
    const last = i === parts.length - 1;
    if (found.kind === 'none') return undefined;
    if (found.kind === 'symlink') {
      if (++hops > MAX_SYMLINKS) return undefined;
      const target = readlinkSync(found.path);
      if (target.startsWith('/')) stack = [top];
      parts = [...target.split('/').filter((p) => p && p !== '.'), ...parts.slice(i + 1)];
      i = 0;
      continue;
    }
    if (found.kind === 'file') return last ? readFileSync(found.path, 'utf8') : undefined;
    stack.push(found.dirs);
    i++;
  }
  return undefined;
}

/**
 * runc's user resolution (config.ts resolveUser) against the image's own /etc/passwd and /etc/group.
 * @param layerDirs LOWEST first (ImageRecord.layerDirs), or `[mergedRoot]`
 */
export function resolveImageUser(layerDirs: readonly string[], spec: string | undefined): ExecUser {
  return resolveUser(spec, { passwd: readImageFile(layerDirs, '/etc/passwd'), group: readImageFile(layerDirs, '/etc/group') });
}
