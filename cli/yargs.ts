/**
 * The one yargs setup of Berth's CLIs (netctl, berth and its commands, berth-volumed), so they
 * agree: strict options, `--` ends the options, an option that takes a value refuses to go without
 * one, usage errors in one wording with exit 2, help wrapped at word boundaries.
 *
 * @example
 * const y = createCli('berth', args).command('run <image>', 'run a container', (c) =>
 *   requireValues(c.option('name', { type: 'string' })), handler);
 * await parseCli(y, args, (text) => process.stdout.write(text), process.stdout.columns);
 */
import yargs, { type Argv } from 'yargs';
import { describeYargsFailure, markOperands, refusesAnOption, unmarkArgv } from './args.js';
import { UsageError } from './errors.js';
import { helpWidth, wrapHelp } from './wrap.js';

/**
 * A strict yargs instance for `args`, named `name` in help. Parse failures throw a UsageError
 * (exit 2) worded by describeYargsFailure; other errors pass through unchanged.
 */
export function createCli(name: string, args: readonly string[]): Argv {
  const marked = markOperands(args);
  return (
    yargs(marked)
      .scriptName(name)
      .locale('en')
      .strict()
      .wrap(null) // parseCli wraps; yargs' own wrapping cuts words
      .exitProcess(false)
      // "-dash" is one unknown option, not -d -a -s -h (of which -h would show help): no grouping.
      .parserConfiguration({ 'short-option-groups': false })
      .middleware((argv) => unmarkArgv(argv), true)
      .fail((msg, err) => {
        if (err && err.name !== 'YError') throw err;
        const description = describeYargsFailure(msg ?? err?.message ?? 'invalid usage', marked);
        throw new UsageError(description, refusesAnOption(description));
      })
  );
}

/** What requireValues reads of a yargs instance (public methods that @types/yargs leaves out). */
interface Declared {
  getOptions(): { key: Record<string, unknown>; boolean: string[]; count: string[] };
  getGroups(): Record<string, string[]>;
}

/**
 * Makes every option of `y` declared so far that takes a value (all but booleans, counts and
 * positionals) a usage error when given without one (`--subnet` last, or before another option).
 * Call it at the end of each command's builder and once after the global options.
 */
export function requireValues<T>(y: Argv<T>): Argv<T> {
  const declared = y as unknown as Declared;
  const hints = declared.getOptions();
  const positionals = new Set(declared.getGroups()['Positionals:'] ?? []);
  const keys = Object.keys(hints.key).filter((k) => !hints.boolean.includes(k) && !hints.count.includes(k) && !positionals.has(k));
  return keys.length > 0 ? y.requiresArg(keys) : y;
}

/**
 * Parses `args` (those given to createCli) and runs the command; help and version text go to
 * `write`, wrapped at word boundaries to `columns` (the terminal's; undefined without one).
 * @returns the parsed arguments, or undefined when help or the version was shown instead
 * @throws what the command throws; UsageError for a wrong command line
 */
export async function parseCli(
  y: Argv,
  args: readonly string[],
  write: (text: string) => void,
  columns: number | undefined,
): Promise<Record<string, unknown> | undefined> {
  let shown = '';
  const argv = await y.parseAsync(markOperands(args), (_err: unknown, _argv: unknown, output: string) => {
    shown = output;
  });
  if (shown === '') return argv;
  write(`${wrapHelp(shown, helpWidth(columns))}\n`);
  return undefined;
}
