/** Removed volumes waiting in .trash: deleted (or recycled into spares) a little after the reply. */
import { rm } from 'node:fs/promises';
import { describeCause } from './errors.js';
import type { Quotas } from './quota.js';
import type { VolumeRecord } from './record.js';
import type { SpareDirs } from './spares.js';

/** How long removed volumes wait in .trash before their data is deleted (see add). */
const TRASH_DELAY_MS = 200;

export class TrashQueue {
  private readonly queue: Array<{ r: VolumeRecord; trash: string }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spares: SpareDirs,
    private readonly quotas: Quotas | undefined,
    private readonly warn: (message: string) => void,
    /** Runs work after the reply (LocalDriver.track, so settle() waits for it). */
    private readonly track: (work: Promise<void>) => void,
  ) {}

  /**
   * Queues a removed volume's deletion. The queue is emptied TRASH_DELAY_MS after the first entry,
   * not at once: deleting right after the reply puts its unlinks into the journal commit (and the
   * thread pool) of whatever request comes next, typically a Create.
   */
  add(r: VolumeRecord, trash: string): void {
    this.queue.push({ r, trash });
    if (this.timer) return;
    this.timer = setTimeout(() => this.empty(), TRASH_DELAY_MS);
    this.timer.unref();
  }

  /** Starts deleting everything queued now. */
  empty(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const { r, trash } of this.queue.splice(0)) this.track(this.deleteNow(r, trash));
  }

  private async deleteNow(r: VolumeRecord, trash: string): Promise<void> {
    if (
      r.spec.kind === 'managed' &&
      r.projectId === undefined &&
      this.spares.hasRoom &&
      (await this.spares.recycle(trash).catch(() => false))
    )
      return;
    if (r.projectId !== undefined && this.quotas)
      await this.quotas
        .clear(trash, r.projectId)
        .catch((err) => this.warn(`cannot clear the quota of removed volume ${JSON.stringify(r.name)}: ${describeCause(err)}`));
    // A bind volume's trash holds only volume.json: the host directory is never inside it.
    await rm(trash, { recursive: true, force: true }).catch((err) =>
      this.warn(`cannot delete removed volume ${JSON.stringify(r.name)} at ${JSON.stringify(trash)}: ${describeCause(err)}`),
    );
  }
}
