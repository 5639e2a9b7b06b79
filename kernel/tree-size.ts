/** The disk size of a directory tree as dockerd counts it (`ps -s`, `volume prune`'s reclaimed space). */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bytes of the regular files and links under `dir`, each inode once (hard links), directories
 * not counted, as moby's directory.Size; a missing dir (removed meanwhile) is 0.
 */
export function treeSize(dir: string, seen = new Set<number>()): number {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let size = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      size += treeSize(path, seen);
      continue;
    }
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.size === 0 || seen.has(st.ino)) continue;
    seen.add(st.ino);
    size += st.size;
  }
  return size;
}
