/** The disk sizes `ps -s` shows: a container layer's, and with the image below it (`virtual`). */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { humanSize } from '../lib/go-units.js';

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

/** docker ps's SIZE cell: `RW (virtual ROOTFS)`, the second left out when it is 0. Pure. */
export function renderSize(rw: number, rootfs: number): string {
  return rootfs > 0 ? `${humanSize(rw)} (virtual ${humanSize(rootfs)})` : humanSize(rw);
}
