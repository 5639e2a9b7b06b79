/**
 * The mount points every container's root needs, in one read-only layer on top of the image's,
 * shared by all containers (Docker makes the same "init layer" per container): /proc, /sys, /dev
 * and empty /etc/hosts, /etc/hostname, /etc/resolv.conf. Without it berth-shim made them in the
 * container layer at every start (six inodes and a copy-up of /etc, before the command runs) and
 * `--rm` deleted them again (docs/internals/speed.md).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dirs } from './paths.js';
import { ETC_FILES } from './etc-files.js';

export const initLayerDir = (d: Dirs) => join(d.root, 'init-layer');

const DIRS: ReadonlyArray<[string, number]> = [
  ['proc', 0o555],
  ['sys', 0o555],
  ['dev', 0o755],
  ['etc', 0o755],
];
const FILES = ETC_FILES.map((f) => f.target.slice(1));

/** The layer's dir, made on first use: built aside, then renamed into place whole (a racing berth's copy wins). */
export function ensureInitLayer(d: Dirs): string {
  const dir = initLayerDir(d);
  if (existsSync(dir)) return dir;
  mkdirSync(d.root, { recursive: true });
  const tmp = mkdtempSync(join(d.root, '.init-layer-'));
  try {
    for (const [sub, mode] of DIRS) {
      mkdirSync(join(tmp, sub));
      chmodSync(join(tmp, sub), mode); // exact, whatever the umask
    }
    for (const file of FILES) {
      writeFileSync(join(tmp, file), '');
      chmodSync(join(tmp, file), 0o644);
    }
    chmodSync(tmp, 0o755);
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}
