/** `berth top`: the lines of a `ps` run that belong to a container, as Docker's daemon picks them. Pure. */
import { renderColumns } from '../lib/format-rows.js';

/**
 * The header of `psOutput` and the lines whose PID column holds one of `pids`, laid out as the
 * docker CLI prints `top`. `ps` runs with the user's options over every process (as Docker's
 * `top` does): adding `-p` would not narrow BSD options such as `aux`, which select every process
 * of the host. As dockerd, a line is split on blanks, its overhanging fields joined into the last
 * column (the command and its arguments), and a thread line (PID `-`, `ps m`) goes with the
 * process above it.
 * @throws {Error} "Couldn't find PID field in ps output" (Docker's words) when the header has no PID column
 */
export function topTable(psOutput: string, pids: readonly number[]): string {
  const [header = '', ...lines] = psOutput.split('\n');
  const titles = header.trim().split(/\s+/);
  const column = titles.indexOf('PID');
  if (column < 0) throw new Error("Couldn't find PID field in ps output");
  const wanted = new Set(pids.map(String));
  const rows = [titles];
  let keepThreads = false;
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (line.trim() === '' || fields.length < titles.length) continue;
    if (fields[column] !== '-') keepThreads = wanted.has(fields[column]);
    if (keepThreads) rows.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
  }
  // The docker CLI's tabwriter.NewWriter(out, 20, 1, 3, ' ', 0).
  return `${renderColumns(rows, 20, 3)}\n`;
}
