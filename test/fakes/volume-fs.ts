/**
 * The volume store's file operations (volume/file-ops.ts) on a real temp dir, without privilege:
 * chown is recorded per inode (so it follows a spare renamed into a volume), not made, and any
 * lstat, read or readdir of a chosen path can be made to fail with an errno code.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { VolumeFileOps } from '../../volume/file-ops';

export interface Owner {
  uid: number;
  gid: number;
}

export class FakeVolumeFs implements VolumeFileOps {
  /** Every chown, in order. */
  readonly chowns: Array<{ path: string } & Owner> = [];
  private readonly owners = new Map<bigint, Owner>();
  /** Paths whose lstat, readFile or readdir fails with this errno code. */
  readonly failures = new Map<string, string>();

  /** The owner last given to the file at `path` (by inode), or undefined when never chowned. */
  ownerOf(path: string): Owner | undefined {
    return this.owners.get(statSync(path, { bigint: true }).ino);
  }

  chownSync(path: string, uid: number, gid: number): void {
    this.check('chown', path);
    this.chowns.push({ path, uid, gid });
    this.owners.set(statSync(path, { bigint: true }).ino, { uid, gid });
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    this.chownSync(path, uid, gid);
  }

  lstatSync(path: string) {
    this.check('lstat', path);
    return lstatSync(path);
  }

  readFileSync(path: string): Buffer {
    this.check('open', path);
    return readFileSync(path);
  }

  readdirSync(path: string): string[] {
    this.check('scandir', path);
    return readdirSync(path);
  }

  private check(syscall: string, path: string): void {
    const code = this.failures.get(path);
    if (code === undefined) return;
    throw Object.assign(new Error(`${code}: injected, ${syscall} '${path}'`), { code, syscall, path });
  }
}
