/**
 * netctl's two kinds of failure, and the exit code each gives (docs/netctl.md "Exit codes"): a command line that
 * is wrong by itself (exit 2) and everything else (exit 1). Pure.
 */

/** A failure of the operation: a conflict with existing state, something not found, a plugin error. Exit 1. */
export class NetctlError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = 'NetctlError';
  }
}

/** The command line is wrong without looking at any state: a malformed value, a missing argument. Exit 2. */
export class UsageError extends NetctlError {
  override readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for anything thrown: 2 for usage, 1 for the rest. */
export function exitCodeOf(err: unknown): number {
  return err instanceof NetctlError ? err.exitCode : 1;
}

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
