/** tmpfs mount options as Docker merges them (moby pkg/mount MergeTmpfsOptions), and as mount(2) takes them. Pure. */
import { parseSize } from '../spec.js';

/** mount(2) flags, <linux/mount.h>; `false` in the second column clears the flag. */
const FLAGS: Record<string, [number, boolean]> = {
  ro: [1, true],
  rw: [1, false],
  nosuid: [2, true],
  suid: [2, false],
  nodev: [4, true],
  dev: [4, false],
  noexec: [8, true],
  exec: [8, false],
  sync: [16, true],
  async: [16, false],
  noatime: [1024, true],
  atime: [1024, false],
  nodiratime: [2048, true],
  diratime: [2048, false],
  relatime: [1 << 21, true],
  norelatime: [1 << 21, false],
  strictatime: [1 << 24, true],
  nostrictatime: [1 << 24, false],
};
const DATA_KEYS = ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol', 'huge'];

/** Docker's defaults for every tmpfs mount, before the user's options. */
export const TMPFS_DEFAULTS = ['noexec', 'nosuid', 'nodev'];

/**
 * Checks a tmpfs option list; `size` (Docker's units: 64m, 1g, bytes) becomes bytes and `mode` must be octal.
 * @throws {Error} `invalid tmpfs option ["x"]`
 */
export function parseTmpfsOptions(options: readonly string[]): string[] {
  return options
    .filter((o) => o !== '')
    .map((o) => {
      const eq = o.indexOf('=');
      if (eq < 0) {
        if (!(o in FLAGS)) throw new Error(`invalid tmpfs option ["${o}"]`);
        return o;
      }
      const [key, value] = [o.slice(0, eq), o.slice(eq + 1)];
      if (!DATA_KEYS.includes(key)) throw new Error(`invalid tmpfs option ["${o}"]`);
      if (key === 'size') {
        if (/%$/.test(value)) return o;
        try {
          return `size=${parseSize(value)}`;
        } catch {
          throw new Error(`invalid tmpfs option ["${o}"]`);
        }
      }
      if (key === 'mode' && !/^[0-7]{1,4}$/.test(value)) throw new Error(`invalid tmpfs option ["${o}"]`);
      return o;
    });
}

/** The flags and data of mount(2) for a tmpfs with `options` after Docker's defaults; the last word of a kind wins. */
export function renderTmpfsMount(options: readonly string[]): { flags: number; data: string } {
  let flags = 0;
  const data = new Map<string, string>();
  for (const o of [...TMPFS_DEFAULTS, ...options]) {
    const eq = o.indexOf('=');
    if (eq >= 0) data.set(o.slice(0, eq), o);
    else {
      const [bit, set] = FLAGS[o];
      flags = set ? flags | bit : flags & ~bit;
    }
  }
  return { flags, data: [...data.values()].join(',') };
}
