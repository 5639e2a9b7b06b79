/**
 * What Berth's CLIs do with argv around yargs: `--` ends the options, and yargs' failure messages
 * become one wording that names what the user typed. Pure.
 */

/** Marks an operand given after `--`. NUL cannot occur in a real argument (argv strings are C strings). */
const MARK = '\0';

/**
 * The arguments with the first `--` dropped and every argument after it marked as an operand.
 * yargs keeps what follows `--` out of a command's positionals (`create -- foo` would leave NAME
 * unset); a marked argument is an ordinary positional to it, never an option or a command, and
 * {@link unmark} restores it before any handler sees it.
 * @example markOperands(['create', '--', '-x']) // ['create', '\0-x']
 */
export function markOperands(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? [...args] : [...args.slice(0, end), ...args.slice(end + 1).map((a) => MARK + a)];
}

/** A value with the operand mark removed: strings, and the strings of arrays. */
export function unmark<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith(MARK) ? value.slice(1) : value) as T;
  if (Array.isArray(value)) return value.map(unmark) as T;
  return value;
}

/** Removes the operand marks from every value of a parsed argv, in place. */
export function unmarkArgv(argv: Record<string, unknown>): void {
  for (const key of Object.keys(argv)) argv[key] = unmark(argv[key]);
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The option keys yargs may report for one typed argument (`--no-x-y` as `x-y` and `xY`). */
function keysOf(arg: string): string[] {
  if (arg.startsWith(MARK)) return [];
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0];
    const names = name.startsWith('no-') ? [name, name.slice(3)] : [name];
    return names.flatMap((n) => [n, camel(n)]);
  }
  if (/^-[^-]/.test(arg)) return [arg.slice(1).split('=')[0]];
  return [arg];
}

/** The arguments as typed (an option without its `=value`) that yargs reported as `unknown` keys. */
function typedUnknown(unknown: readonly string[], args: readonly string[]): string[] {
  const typed: string[] = [];
  for (const arg of args) {
    if (!keysOf(arg).some((k) => unknown.includes(k))) continue;
    const shown = arg.startsWith('-') ? arg.split('=')[0] : arg;
    if (!typed.includes(shown)) typed.push(shown);
  }
  return typed.length > 0 ? typed : [...unknown];
}

const optionName = (key: string) => (key.length === 1 ? `-${key}` : `--${key}`);

/**
 * One wording for a failure yargs reports while parsing `args`: lower-case, naming what the user
 * typed (`-dash`, not yargs' "d, a, s, h").
 * @example describeYargsFailure('Not enough arguments following: subnet', []) // 'option --subnet needs a value'
 */
export function describeYargsFailure(message: string, args: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    const typed = typedUnknown(unknown[1].split(', '), args).map(unmark);
    return `unknown ${typed.length === 1 ? 'argument' : 'arguments'}: ${typed.join(', ')}`;
  }
  const noValue = /^Not enough arguments following: (.*)$/.exec(message);
  if (noValue) return `option ${optionName(noValue[1])} needs a value`;
  // "Invalid values:\n  Argument: log-level, Given: "loud", Choices: "debug", ..." (one line per option).
  const choices = [...message.matchAll(/Argument: (\S+), Given: (.*), Choices: (.*)/g)];
  if (message.startsWith('Invalid values:') && choices.length > 0)
    return choices
      .map(([, key, given, allowed]) => `invalid value ${given.replaceAll(MARK, '')} for ${optionName(key)}: must be one of ${allowed}`)
      .join('; ');
  const text = message.replaceAll(MARK, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The strings of a repeatable option's value: none, one or several. */
export const stringList = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

/**
 * Whether a describeYargsFailure text refuses an option (unknown, without its value, a value not
 * allowed) rather than the operands: Docker's CLI tells the two apart by exit code.
 * @example refusesAnOption('unknown argument: --bogus') // true; 'unknown argument: extra' is false
 */
export function refusesAnOption(description: string): boolean {
  return /^(unknown arguments?: (.*, )?-|option -|invalid value )/.test(description);
}
