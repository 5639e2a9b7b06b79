/**
 * Errors of the `berth` CLI and the exit codes they map to, Docker 20.10's CLI's: 125 for a
 * refused flag in any command and for any error of `run` and `create`; 1 for every other error
 * (a wrong count of operands, no such object, the wrong state); an ExitError carries its own code.
 */

/** A bad command line; `badFlag` marks a refused flag (exit 125) apart from the operands (exit 1). */
export { UsageError } from '../cli/errors.js';

import { UsageError } from '../cli/errors.js';
import { ExitError } from '../runtime/errors.js';

export { ExitError };

/**
 * A wrong count of operands, cobra's Args check: exit 1 even in run and create, whose other
 * UsageErrors (a bad -p or --subnet value, from the network modules) exit 125 as all their errors.
 */
export class OperandCountError extends UsageError {}

/** Cobra's Args check outside run and create: at least (or exactly) `n` operands, else Docker's message. */
export function requireArgs(args: readonly string[], command: string, n = 1, exact = false): void {
  if (exact ? args.length !== n : args.length < n)
    throw new UsageError(
      `"berth ${command}" requires ${exact ? 'exactly' : 'at least'} ${n} argument${n === 1 ? '' : 's'}.\nSee 'berth ${command} --help'.`,
    );
}

/** A refused flag, and the errors of run and create: cobra's flag errors and `docker run`'s own. */
export const EXIT_BERTH = 125;

/** Any other error, as the docker CLI's main ends on an error that is no StatusError. */
export const EXIT_FAILED = 1;

/** The commands whose own errors exit 125 (their operand counts still exit 1, as cobra's Args). */
const EXIT_BERTH_COMMANDS = new Set(['run', 'create']);

/** The exit code of `err` thrown by the berth command `command` (canonical name; undefined before one is known). */
export function exitCodeOf(err: unknown, command: string | undefined): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof UsageError && err.badFlag) return EXIT_BERTH;
  if (err instanceof OperandCountError) return EXIT_FAILED;
  return command !== undefined && EXIT_BERTH_COMMANDS.has(command) ? EXIT_BERTH : EXIT_FAILED;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
