/** Plain text tables for the CLIs. Pure. */

/**
 * Left-aligned columns separated by `gap` spaces, the last column unpadded: `docker network ls`
 * puts two spaces between columns (netctl), the docker CLI's volume commands three (berth volume).
 * @example renderTable(['NAME', 'ID'], [['web', '1']], 2) // "NAME  ID\nweb   1"
 */
export function renderTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, gap: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
