/**
 * Spare volume directories (an empty directory with a root:root 0755 _data) made ahead of time, so a
 * Create renames one instead of allocating two inodes on its own path; removed volumes with an
 * empty _data are recycled into spares.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCause } from './errors.js';
import type { VolumeFileOps } from './file-ops.js';
import { DATA_DIR, MAX_SPARES, SPARE, SPARES } from './store-layout.js';

export class SpareDirs {
  /** Spare volume directories ready to be renamed (refill). */
  private readonly ready: string[] = [];
  private refilling = false;

  constructor(
    private readonly root: string,
    private readonly fs: VolumeFileOps,
    private readonly warn: (message: string) => void,
    /** Runs work after the reply (LocalDriver.track, so settle() waits for it). */
    private readonly track: (work: Promise<void>) => void,
  ) {}

  /** Whether recycling one more removed volume would keep at most MAX_SPARES. */
  get hasRoom(): boolean {
    return this.ready.length < MAX_SPARES;
  }

  /** A spare for a Create: a ready one, or one made now; undefined when none can be made. */
  take(): string | undefined {
    return this.ready.pop() ?? this.makeNow();
  }

  /** A spare made on the Create's own path, when none is ready (as a Create did before spares). */
  private makeNow(): string | undefined {
    const dir = join(this.root, SPARE, randomBytes(8).toString('hex'));
    try {
      mkdirSync(join(this.root, SPARE), { recursive: true, mode: 0o700 });
      mkdirSync(dir, { mode: 0o701 });
      mkdirSync(join(dir, DATA_DIR));
      this.fs.chownSync(join(dir, DATA_DIR), 0, 0);
      chmodSync(join(dir, DATA_DIR), 0o755);
      return dir;
    } catch (err) {
      this.warn(`cannot make a spare volume directory: ${describeCause(err)}`);
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /**
   * Turns a removed managed volume whose _data is empty into a spare: its files are deleted and its
   * _data replaced by a fresh root:root 0755 one (nothing of the old one, ACLs or attributes, is
   * kept), and the directory itself is reused, one inode allocation fewer than a new spare.
   */
  async recycle(trash: string): Promise<boolean> {
    const data = join(trash, DATA_DIR);
    const entries = await readdir(trash);
    if (!entries.includes(DATA_DIR) || (await readdir(data)).length > 0) return false;
    for (const e of entries) await rm(join(trash, e), { recursive: true, force: true });
    await mkdir(data);
    await this.fs.chown(data, 0, 0);
    await chmod(data, 0o755);
    // The old files' deletion made durable first: a power loss must never show a new volume made
    // from this directory with another volume's volume.json or mount log in it.
    const fh = await open(trash, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const spare = join(this.root, SPARE, randomBytes(8).toString('hex'));
    await rename(trash, spare);
    this.ready.push(spare);
    return true;
  }

  /**
   * Makes spare volume directories in the background (in the thread pool, so the event loop keeps
   * answering) until SPARES are ready. They need no flush: a Create's checkpoint fsyncs the volume
   * it became, and leftovers are deleted at the next start.
   */
  refill(): void {
    if (this.refilling || this.ready.length >= SPARES / 2) return;
    this.refilling = true;
    this.track(
      (async () => {
        try {
          while (this.ready.length < SPARES) {
            const dir = join(this.root, SPARE, randomBytes(8).toString('hex'));
            await mkdir(dir, { mode: 0o701 });
            const data = join(dir, DATA_DIR);
            await mkdir(data);
            await this.fs.chown(data, 0, 0);
            await chmod(data, 0o755);
            this.ready.push(dir);
          }
        } catch (err) {
          this.warn(`cannot make spare volume directories: ${describeCause(err)}`);
        } finally {
          this.refilling = false;
        }
      })(),
    );
  }
}
