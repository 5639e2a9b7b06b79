/** Errors of the `berth` CLI and the exit codes they map to (Docker's: 125 for Berth's own errors). */

/** A bad command line; the container commands exit 125 for it, as Docker's do (exitCodeOf below). */
export { UsageError } from '../cli/errors.js';

import { ExitError } from '../runtime/errors.js';

export { ExitError };

/** Berth's own errors exit 125, as Docker's CLI does; an ExitError carries its own code. */
export const EXIT_BERTH = 125;

export function exitCodeOf(err: unknown): number {
  return err instanceof ExitError ? err.exitCode : EXIT_BERTH;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
