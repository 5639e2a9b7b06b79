/**
 * `berth diff`: what the container layer (the overlay's upper dir) changed, as `docker diff` lists
 * it. A 0/0 character device is overlayfs's whiteout (D); an entry also present in a lower layer
 * is a change (C), else an addition (A); a directory with new entries below is listed as C.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ETC_FILES } from './etc-files.js';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

const existsIn = (dirs: readonly string[], rel: string) =>
  dirs.some((d) => {
    try {
      lstatSync(join(d, rel));
      return true;
    } catch {
      return false;
    }
  });

/** Mount points berth-shim makes when an image lacks them: not the container's own changes. */
const MOUNT_POINTS = new Set(['/dev', '/proc', '/sys']);

/** The files berth-shim binds /etc/hosts, /etc/hostname, /etc/resolv.conf on: empty, and kept apart as Docker's init layer is. */
const ETC_MOUNT_POINTS = new Set(ETC_FILES.map((f) => f.target));

export function layerChanges(upper: string, lowers: readonly string[]): Change[] {
  const walk = (rel: string): Change[] => {
    const out: Change[] = [];
    for (const name of readdirSync(join(upper, rel)).sort()) {
      const path = `${rel}/${name}`;
      const st = lstatSync(join(upper, path));
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path });
        continue;
      }
      const inLower = existsIn(lowers, path);
      if (MOUNT_POINTS.has(path) && !inLower) continue;
      if (ETC_MOUNT_POINTS.has(path) && st.isFile() && st.size === 0) continue;
      const below = st.isDirectory() ? walk(path) : [];
      // /etc holding nothing but those mount points is the shim's, not the container's.
      if (path === '/etc' && below.length === 0 && readdirSync(join(upper, path)).every((n) => ETC_MOUNT_POINTS.has(`/etc/${n}`))) continue;
      out.push({ kind: inLower ? 'C' : 'A', path }, ...below);
    }
    return out;
  };
  return walk('');
}
