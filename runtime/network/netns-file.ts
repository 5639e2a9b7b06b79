/**
 * A container's network namespace as a file: a new netns bind-mounted on <state-dir>/netns/<id>, so
 * it lives before the container's process (CNI ADD runs into it first) and after it (DEL runs on
 * every exit path). The supervisor binds it (`berth-shim supervise --make-netns`, runtime/shim/netns.c)
 * as it starts: berth must not unshare its own threads, and no program is exec'd for it
 * (docs/internals/speed.md, "The container's network").
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { unmountDetached } from '../../kernel/unmount.js';
import { unlinkIfPresent } from '../../lib/if-present.js';

/** The empty file a namespace is bound on. */
export function makeMountPoint(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, '', { mode: 0o444 });
}

/** Unmounts and removes a netns file; gone already is fine. The namespace dies with its last user. */
export async function removeNetnsFile(path: string): Promise<void> {
  if (!existsSync(path)) return; // a start's look for leftovers: libc is not loaded for nothing
  // MNT_DETACH: a process still reading the file does not keep the mount point busy.
  try {
    unmountDetached(path);
  } catch {
    // not mounted in a way this process can undo: the file is removed below either way
  }
  unlinkIfPresent(path);
}
