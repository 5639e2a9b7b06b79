/**
 * The lease store the allocator works on (the reference host-local's `backend.Store`). Pure interface;
 * `disk-store.ts` is the real one, tests use an in-memory one. Calls are synchronous: a plugin process
 * does one thing at a time under the network's lock, and a synchronous call costs no promise.
 */

/** Who holds a lease. `ifname` is undefined for leases written by old reference versions (container ID only). */
export interface Attachment {
  containerId: string;
  ifname?: string;
}

export interface Lease extends Attachment {
  /** Canonical address text (the file name in the disk store). */
  ip: string;
}

export interface Store {
  /** Reserves `ip` for the attachment; false when it is taken already. Never leaves a partial lease. */
  reserve(ip: string, holder: Required<Attachment>): boolean;
  /** Removes the lease of `ip`. */
  release(ip: string): void;
  /** Every lease, in no particular order. */
  leases(): Lease[];
  /** The cursor of range set `setIndex`: the address reserved last, or undefined. */
  lastReserved(setIndex: number): string | undefined;
  setLastReserved(setIndex: number, ip: string): void;
}

/** An in-memory store, for tests and for planning. */
export class MemoryStore implements Store {
  readonly byIp = new Map<string, Attachment>();
  readonly cursors = new Map<number, string>();
  /** How many times `reserve` was called: the allocator's cost. */
  reserveCalls = 0;
  leasesCalls = 0;

  reserve(ip: string, holder: Required<Attachment>): boolean {
    this.reserveCalls += 1;
    if (this.byIp.has(ip)) return false;
    this.byIp.set(ip, { containerId: holder.containerId, ifname: holder.ifname });
    return true;
  }

  release(ip: string): void {
    this.byIp.delete(ip);
  }

  leases(): Lease[] {
    this.leasesCalls += 1;
    return [...this.byIp].map(([ip, a]) => ({ ip, ...a }));
  }

  lastReserved(setIndex: number): string | undefined {
    return this.cursors.get(setIndex);
  }

  setLastReserved(setIndex: number, ip: string): void {
    this.cursors.set(setIndex, ip);
  }
}
