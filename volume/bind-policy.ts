/** Which host directories a bind volume may point at. Paths here are already resolved (realpath). */

/** True when `path` is `dir` or below it (both absolute and resolved). */
export function isInside(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Why a bind of `device` (resolved to `resolved`) is refused, or `undefined` when allowed: it must
 * not touch the daemon's own root, and with `--allow-bind` it must lie inside one of those
 * directories (resolved at start, so `..` and symlinks cannot escape).
 */
export function describeBindRefusal(device: string, resolved: string, allowed: readonly string[], root: string): string | undefined {
  const shown = resolved === device ? JSON.stringify(device) : `${JSON.stringify(device)} (resolved to ${JSON.stringify(resolved)})`;
  if (isInside(resolved, root) || isInside(root, resolved)) return `host path ${shown} overlaps the volume root ${JSON.stringify(root)}`;
  if (allowed.length > 0 && !allowed.some((dir) => isInside(resolved, dir)))
    return `host path ${shown} is outside the directories allowed by --allow-bind: ${allowed.map((d) => JSON.stringify(d)).join(', ')}`;
  return undefined;
}
