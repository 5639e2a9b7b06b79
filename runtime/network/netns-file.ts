/**
 * A container's network namespace as a file: a new netns bind-mounted on <state-dir>/netns/<id>, so
 * it lives before the container's process (CNI ADD runs into it first) and after it (DEL runs on
 * every exit path). `berth-shim netns FILE` makes it: berth must not unshare its own threads, and
 * that small C program costs one exec where util-linux `unshare --net=FILE true` cost two, of
 * larger programs (docs/internals/speed.md, "The container's network").
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { run } from '../../kernel/exec.js';
import { unmountDetached } from '../../kernel/unmount.js';
import { shimPath } from '../shim-path.js';

/** Makes a new network namespace held by a bind mount on `path`. */
export async function createNetnsFile(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, '', { mode: 0o444 });
  try {
    await run(shimPath(), ['netns', path]);
  } catch (err) {
    rmSync(path, { force: true });
    throw new Error(`cannot create the container's network namespace: ${(err as Error).message}`);
  }
}

/** Unmounts and removes a netns file; gone already is fine. The namespace dies with its last user. */
export async function removeNetnsFile(path: string): Promise<void> {
  if (!existsSync(path)) return;
  // MNT_DETACH: a process still reading the file does not keep the mount point busy.
  try {
    unmountDetached(path);
  } catch {
    // not mounted in a way this process can undo: the file is removed below either way
  }
  rmSync(path, { force: true });
}
