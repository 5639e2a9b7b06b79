/** Docker's `--filter KEY=VALUE` lists (network ls, volume ls): parsing and its matching rule. Pure. */

/** The filters as [key, value] pairs, keys lower-cased. @throws {Error} with dockerd's words on a key not in `allowed` */
export function parseFilters(filters: readonly string[], allowed: readonly string[]): Array<[string, string]> {
  return filters.map((f) => {
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error(`bad format of filter (expected name=value)`);
    const key = f.slice(0, eq).toLowerCase();
    if (!allowed.includes(key)) throw new Error(`Invalid filter '${key}'`);
    return [key, f.slice(eq + 1)];
  });
}

/** A `label` filter: `KEY` present, or `KEY=VALUE` equal. */
export function labelMatches(labels: Readonly<Record<string, string>>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq < 0) return want in labels;
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}

/**
 * Docker's rule: the values of one key are alternatives, different keys must all match, and every
 * `label` filter must match (its MatchKVList).
 */
export function matchesFilters(filters: ReadonlyArray<[string, string]>, test: (key: string, value: string) => boolean): boolean {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of filters) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  return [...byKey].every(([k, vs]) => (k === 'label' ? vs.every((v) => test(k, v)) : vs.some((v) => test(k, v))));
}

/** A `name`-style filter: a regular expression; one that does not compile matches nothing, as dockerd skips it. */
export function regexpMatches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false;
  }
}
