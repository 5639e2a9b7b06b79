/**
 * The failures of Berth's command lines (netctl, berth, berth-volumed) and their exit codes: a
 * command line that is wrong by itself exits 2, every other failure 1. Pure.
 */

/** A failure of the operation: a conflict with existing state, something not found. Exit 1. */
export class CliError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The command line is wrong without looking at any state: an unknown option, a missing value. Exit 2.
 * `badFlag` tells a refused flag (unknown, without its value, a value of the wrong type) from a
 * wrong count of operands: Docker's CLI exits 125 for the first only (berth/errors.ts).
 */
export class UsageError extends CliError {
  override readonly exitCode: number = 2;
  constructor(
    message: string,
    readonly badFlag = false,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for anything thrown: a CliError's own, else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
