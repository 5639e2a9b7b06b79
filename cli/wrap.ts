/**
 * Help text wrapped at word boundaries. yargs' own wrapping (cliui's ESM build) cuts every line at
 * the column, inside words, paths and examples; Berth's CLIs render help unwrapped and wrap it here.
 * Pure.
 */

/** Narrowest second column worth keeping beside the first; below it, the first gets its own line. */
const MIN_COLUMN = 30;

/**
 * Wraps each line of `text` longer than `width` at spaces. A line of two columns ("  --id  what it
 * is") continues its second column under itself. A word longer than the room left is never cut: it
 * overflows the line instead.
 * @example wrapHelp('  --id  container ID [default: netctl-<12 hex>]', 30)
 * // '  --id  container ID\n        [default:\n        netctl-<12 hex>]'
 */
export function wrapHelp(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  const columns = /^( *)(\S+(?: \S+)*)( {2,})(\S.*)$/.exec(line);
  if (!columns) {
    const indent = /^ */.exec(line)![0];
    return fill(line.slice(indent.length), indent, indent, width);
  }
  const [, lead, first, gap, rest] = columns;
  const column = lead.length + first.length + gap.length;
  if (width - column >= MIN_COLUMN) return fill(rest, lead + first + gap, ' '.repeat(column), width);
  // A first column too wide to keep a second beside it (a long example) gets a line of its own.
  const indent = `${lead}    `;
  return `${lead}${first}\n${fill(rest, indent, indent, width)}`;
}

/** Words of `text` after `first`, each further line starting with `next`, lines at most `width` when the words allow. */
function fill(text: string, first: string, next: string, width: number): string {
  const lines: string[] = [];
  let line = first;
  let fresh = true;
  for (const word of text.split(/ +/).filter((w) => w !== '')) {
    if (!fresh && line.length + 1 + word.length > width) {
      lines.push(line);
      line = next + word;
    } else line += (fresh ? '' : ' ') + word;
    fresh = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Help's width: the terminal's, at most 100 columns; 80 without a terminal. */
export function helpWidth(columns: number | undefined): number {
  return Math.min(columns || 80, 100);
}
