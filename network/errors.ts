/**
 * netctl's two kinds of failure, and the exit code each gives (docs/netctl.md "Exit codes"): a command
 * line that is wrong by itself (UsageError, exit 2, shared by Berth's CLIs) and everything else (exit 1). Pure.
 */

/** NetctlError: a failure of the operation (a conflict, something not found, a plugin error), exit 1; UsageError is one. */
export { CliError as NetctlError, exitCodeOf, UsageError } from '../cli/errors.js';

/** One line for stderr: the message, with a CNI error's details in parentheses, newlines folded. */
export function describeError(err: unknown): string {
  let text: string;
  if (err instanceof Error) {
    const details = (err as { details?: unknown }).details;
    text = err.message || err.name;
    if (typeof details === 'string' && details !== '' && !text.includes(details)) text += ` (${details})`;
  } else text = String(err);
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
