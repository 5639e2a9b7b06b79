/**
 * Errors of the `berth` CLI and the exit codes they map to, Docker 20.10's CLI's: 125 for a
 * refused flag in any command, any error of `run` and a flag's value `create` refuses; 1 for every other error
 * (a wrong count of operands, no such object, the wrong state); an ExitError carries its own code.
 */

/** A bad command line; `badFlag` marks a refused flag (exit 125) apart from the operands (exit 1). */
export { UsageError } from '../cli/errors.js';

import { UsageError } from '../cli/errors.js';
import { ExitError, SettingError } from '../runtime/errors.js';
import { COMMAND_HELP } from './help.js';

export { ExitError };

/**
 * A wrong count of operands, cobra's Args check: exit 1 even in run and create, whose other
 * UsageErrors (a bad -p or --subnet value, from the network modules) exit 125 as all their errors.
 */
export class OperandCountError extends UsageError {}

/**
 * Cobra's Args error as the docker CLI prints it: what `command` requires, the pointer to its help,
 * then its usage line and summary (berth/help.ts).
 * @example operandError('rename', 'requires exactly 2 arguments')
 */
export function operandError(command: string, requirement: string, help = COMMAND_HELP[command]): OperandCountError {
  const usage = help ? `\n\nUsage:  berth ${help.usage}\n\n${help.describe}` : '';
  return new OperandCountError(`"berth ${command}" ${requirement}.\nSee 'berth ${command} --help'.${usage}`);
}

/** Cobra's Args check outside run and create: at least (or exactly) `n` operands, else Docker's message. */
export function requireArgs(args: readonly string[], command: string, n = 1, exact = false): void {
  if (exact ? args.length !== n : args.length < n)
    throw operandError(command, `requires ${exact ? 'exactly' : 'at least'} ${n} argument${n === 1 ? '' : 's'}`);
}

/** A refused flag, and the errors of run and create: cobra's flag errors and `docker run`'s own. */
export const EXIT_BERTH = 125;

/** Any other error, as the docker CLI's main ends on an error that is no StatusError. */
export const EXIT_FAILED = 1;

/**
 * The exit code of `err` thrown by the berth command `command` (canonical name; undefined before one
 * is known). `run` exits 125 for all its errors but the operand count; `create` only for what
 * docker's CLI refuses itself (a flag or its value: UsageError, SettingError "flag") and 1 for
 * what its daemon refuses (no such image, name in use, a bad restart policy, ...), as docker's.
 */
export function exitCodeOf(err: unknown, command: string | undefined): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof UsageError && err.badFlag) return EXIT_BERTH;
  if (err instanceof OperandCountError) return EXIT_FAILED;
  if (command === 'run') return EXIT_BERTH;
  if (command === 'create')
    return err instanceof UsageError || (err instanceof SettingError && err.kind === 'flag') ? EXIT_BERTH : EXIT_FAILED;
  return EXIT_FAILED;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * What an error line starts with: `Error: ` for a missing object outside run and create (the docker
 * CLI's words for `logs`, `exec`, `port`, `cp`, `image rm`, `inspect`, ...), else `berth: `.
 */
export function errorPrefix(message: string, command: string | undefined): string {
  return command !== 'run' && command !== 'create' && /^(No such (container|image|network|volume|object)\b|No public port )/.test(message)
    ? 'Error: '
    : 'berth: ';
}

/**
 * The line berth prints for an error of `command`: the prefix, the message, and for a flag value
 * cobra refuses (`invalid argument "x" for "-t, --time" flag: ...`) cobra's pointer to the help.
 */
export function errorLine(message: string, command: string | undefined): string {
  const pointer =
    command && message.startsWith('invalid argument "') && !message.includes("\nSee '") ? `\nSee 'berth ${command} --help'.` : '';
  return `${errorPrefix(message, command)}${message}${pointer}`;
}
