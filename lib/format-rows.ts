/**
 * Rows as `docker ps|images|network ls --format` prints them: `table` (the command's default
 * columns), `table TEMPLATE` (a header row, then aligned columns), or a Go template per row. Pure.
 */
import { renderGoTemplate, templateFields } from './go-template.js';

/** The docker CLI's Ellipsis: at most `width` characters, the last one `…` when cut. */
export const ellipsis = (text: string, width: number): string =>
  [...text].length <= width ? text : `${[...text].slice(0, width - 1).join('')}…`;

/** Docker's tabwriter: columns at least 10 wide, 3 spaces between, the last one unpadded. */
export function renderColumns(rows: ReadonlyArray<readonly string[]>, minWidth = 10, padding = 3): string {
  const len = (s: string) => [...s].length;
  const widths: number[] = [];
  for (const row of rows) row.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? minWidth, len(cell) + padding)));
  return rows
    .map((row) => row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - len(cell)) : cell)).join(''))
    .join('\n');
}

/**
 * The text of `rows` for `format`, one line per row (and the header), each ending in a newline.
 * @param defaultTable the command's default, e.g. "table {{.ID}}\t{{.Name}}"
 * @param headers the header of each field ("ID" -> "NETWORK ID"); others are upper-cased
 * @example formatRows('{{.Name}}', [{ Name: 'a' }], {}, 'table {{.Name}}') // "a\n"
 * @throws {Error} from the template (a field the rows lack, a template that does not parse)
 */
export function formatRows(format: string, rows: readonly unknown[], headers: Record<string, string>, defaultTable: string): string {
  if (!format.startsWith('table')) return rows.map((row) => `${renderGoTemplate(format, row)}\n`).join('');
  const body = format.slice('table'.length).trim() || defaultTable.slice('table'.length).trim();
  const header = templateFields(body).map((f) => headers[f] ?? f.toUpperCase());
  const lines = [header, ...rows.map((row) => renderGoTemplate(body, row).split('\t'))];
  return `${renderColumns(lines)}\n`;
}
