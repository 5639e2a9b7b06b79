/**
 * Mount counting. dockerd sends one random 64-hex mount ID per container mount point and may send
 * Mount twice with the same ID (`docker cp` into a running container), then Unmount once; so the
 * counts are a multiset keyed by ID, never a set. Values are immutable: each call returns a new map.
 */

/** Mount ID -> how many Mounts with that ID are not yet unmounted (always >= 1). */
export type MountCounts = Readonly<Record<string, number>>;

/** One more Mount with `id`. */
export function addMount(counts: MountCounts, id: string): MountCounts {
  return { ...counts, [id]: (counts[id] ?? 0) + 1 };
}

/** One Unmount with `id`; an ID that holds nothing is ignored (the same map comes back). */
export function removeMount(counts: MountCounts, id: string): MountCounts {
  const n = counts[id];
  if (n === undefined) return counts;
  const next = { ...counts };
  if (n <= 1) delete next[id];
  else next[id] = n - 1;
  return next;
}

/** Drops every count of `ids` (all IDs when `ids` is empty); returns the new map and the IDs dropped. */
export function releaseMounts(counts: MountCounts, ids: readonly string[]): { counts: MountCounts; released: string[] } {
  const targets = ids.length === 0 ? Object.keys(counts) : ids.filter((id) => counts[id] !== undefined);
  const next = { ...counts };
  for (const id of targets) delete next[id];
  return { counts: next, released: [...new Set(targets)] };
}

/** The IDs that hold the volume, sorted. */
export function mountIds(counts: MountCounts): string[] {
  return Object.keys(counts).sort();
}

export function isMounted(counts: MountCounts): boolean {
  return Object.keys(counts).length > 0;
}

/** Checks a value read from disk: an object of positive integer counts. */
export function isMountCounts(value: unknown): value is MountCounts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((n) => Number.isSafeInteger(n) && (n as number) > 0);
}
