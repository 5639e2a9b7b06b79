/**
 * Berth's attachment index files, `.berth-index/<containerID>@<ifname>` in a network's lease
 * directory: the attachment's addresses, one a line. What the store trusts of them: disk-store.ts.
 * No state.
 */
import { linkSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fitFileName } from '../cni/file-name.js';
import { unlinkIfPresent } from '../lib/if-present.js';
import type { Attachment } from './store.js';
import { errno, fillTemporary } from './lease-file.js';

export const INDEX_DIR = '.berth-index';
/** An index is written here, then renamed to its name; a dropped index's file waits here for the next. */
export const INDEX_TMP = '.berth-index.tmp';

/** An attachment's index file name: `<containerID>@<ifname>`, cut and hashed past NAME_MAX (its content is checked anyway). */
export function indexName(holder: Required<Attachment>): string {
  return fitFileName(`${holder.containerId}@${holder.ifname}`);
}

/**
 * Makes the index `path` of lease directory `dir` list `ips`, whole: the text goes to the temporary
 * index file, which is renamed to `path` (not fsync'ed: it is a hint); `.berth-index` is made only
 * when the rename misses it.
 */
export function writeIndexText(dir: string, path: string, ips: readonly string[]): void {
  const tmp = join(dir, INDEX_TMP);
  fillTemporary(tmp, ips.map((ip) => `${ip}\n`).join(''));
  try {
    renameSync(tmp, path);
    return;
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
  mkdirSync(join(dir, INDEX_DIR), { recursive: true, mode: 0o755 });
  renameSync(tmp, path);
}

/** Removes the index `path`; its file becomes the next temporary index when there is none (link, then unlink). */
export function dropIndexFile(dir: string, path: string): void {
  try {
    linkSync(path, join(dir, INDEX_TMP));
  } catch {
    // no such index, or a temporary index there already: the unlink alone
  }
  unlinkIfPresent(path);
}
