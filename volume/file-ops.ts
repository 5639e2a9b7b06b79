/**
 * The file operations the volume store cannot make without privilege or cannot fail on demand:
 * taken as a parameter so its unit tests run unprivileged and can inject errors (test/fakes/volume-fs.ts).
 */
import { chownSync, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { chown } from 'node:fs/promises';

export interface VolumeFileOps {
  chownSync(path: string, uid: number, gid: number): void;
  chown(path: string, uid: number, gid: number): Promise<void>;
  lstatSync(path: string): Stats;
  readFileSync(path: string): Buffer;
  readdirSync(path: string): string[];
}

export const nodeFileOps: VolumeFileOps = {
  chownSync,
  chown,
  lstatSync: (p) => lstatSync(p),
  readFileSync: (p) => readFileSync(p),
  readdirSync: (p) => readdirSync(p),
};

/** True for the errors that mean "nothing there" (ENOENT, or a path through a non-directory). */
export function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
