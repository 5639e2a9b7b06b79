/** `berth top`: the lines of a `ps` run that belong to a container, as Docker's daemon picks them. Pure. */

/**
 * Keeps the header of `psOutput` and the lines whose PID column holds one of `pids`. `ps` runs
 * with the user's options over every process (as Docker's `top` does): adding `-p` would not
 * narrow BSD options such as `aux`, which select every process of the host.
 * @throws {Error} "Couldn't find PID field in ps output" (Docker's words) when the header has no PID column
 */
export function filterPsOutput(psOutput: string, pids: readonly number[]): string {
  const [header = '', ...lines] = psOutput.split('\n');
  const column = header.trim().split(/\s+/).indexOf('PID');
  if (column < 0) throw new Error("Couldn't find PID field in ps output");
  const wanted = new Set(pids.map(String));
  const kept = lines.filter((line) => wanted.has(line.trim().split(/\s+/)[column]));
  return `${[header, ...kept].join('\n')}\n`;
}
