/**
 * One queue per key: calls with the same key run one after another, calls with different keys run
 * in parallel. The volume driver serializes every change to one volume this way, so 10 parallel
 * Creates of one name make one volume, and a Remove never overtakes a Mount of the same name.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call with `key` has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget the key once nothing is queued behind this call, so the map does not grow with every name ever seen.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with queued or running calls. */
  get size(): number {
    return this.tails.size;
  }
}
