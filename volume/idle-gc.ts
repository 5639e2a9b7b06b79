/**
 * A full garbage collection once the daemon falls idle after a burst of requests.
 *
 * Why: during a burst (10,000 Creates, 32 at a time) the objects of requests still in flight survive
 * young-generation collections and are promoted, so V8's old generation fills with garbage. The old
 * generation stays under its limit, so V8 never runs a full collection, and its memory reducer only
 * starts after one: the daemon kept 15-35 MiB more RSS than after a restart, indefinitely
 * (docs/internals/speed.md). One full collection when the requests stop returns those pages.
 */

/** Requests since the last collection before an idle moment triggers one (~2 MiB of promoted garbage). */
export const DEFAULT_AFTER_REQUESTS = 1000;
/** How long no request may be in flight before the daemon counts as idle. */
export const DEFAULT_IDLE_MS = 1000;

export interface IdleCollectorOptions {
  /** Runs a full collection (V8's gc()). */
  collect: () => void;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer: (fn: () => void, ms: number) => () => void;
  afterRequests?: number;
  idleMs?: number;
  /** Told after each collection, with how many requests preceded it. */
  onCollect?: (requests: number) => void;
}

/** Counts requests; after `afterRequests` of them, collects once none has been in flight for `idleMs`. */
export class IdleCollector {
  private inFlight = 0;
  private since = 0;
  private cancel: (() => void) | undefined;
  private readonly afterRequests: number;
  private readonly idleMs: number;

  constructor(private readonly opts: IdleCollectorOptions) {
    this.afterRequests = opts.afterRequests ?? DEFAULT_AFTER_REQUESTS;
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** A request arrived. */
  started(): void {
    this.inFlight += 1;
    this.since += 1;
    this.cancel?.();
    this.cancel = undefined;
  }

  /** A request was answered (or failed). */
  finished(): void {
    this.inFlight -= 1;
    if (this.inFlight > 0 || this.since < this.afterRequests || this.cancel) return;
    this.cancel = this.opts.setTimer(() => {
      this.cancel = undefined;
      const requests = this.since;
      this.since = 0;
      this.opts.collect();
      this.opts.onCollect?.(requests);
    }, this.idleMs);
  }

  /** Stops a pending collection (at shutdown). */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
