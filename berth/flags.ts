/**
 * Docker-style command-line flags (pflag's rules): `--name value`, `--name=value`, `-n value`,
 * `-nvalue`, grouped booleans `-it`, `--bool=false`, `--` to end flags. Pure.
 */
import { UsageError } from './errors.js';
import { COMMAND_HELP, HelpRequest, type CommandHelp } from './help.js';

export interface FlagDef {
  name: string;
  short?: string;
  type: 'bool' | 'string' | 'list';
  describe: string;
}

export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export interface Parsed {
  flags: FlagValues;
  args: string[];
}

/**
 * Parses `argv` against `defs`. With `interspersed` false (run, create, exec) the first positional
 * ends the flags, so the container's command keeps its own. Lists collect every occurrence.
 * @throws {UsageError} with pflag's wording
 * @throws {HelpRequest} on `--help`, or `-h` where no flag of the command has that letter (cobra's)
 */
export function parseFlags(
  defs: readonly FlagDef[],
  argv: readonly string[],
  command: string,
  interspersed = true,
  help: CommandHelp = COMMAND_HELP[command] ?? { usage: `${command} [OPTIONS]`, describe: '' },
): Parsed {
  const helpRequest = () => new HelpRequest(renderHelp(help.usage, help.describe, defs));
  const flags: FlagValues = {};
  const args: string[] = [];
  const set = (def: FlagDef, value: string | undefined, next: () => string | undefined, shown: string) => {
    if (def.type === 'bool') {
      if (value !== undefined && !/^(true|false|1|0)$/.test(value))
        throw usage(`invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, command);
      flags[def.name] = value === undefined ? true : value === 'true' || value === '1';
      return;
    }
    const v = value ?? next();
    if (v === undefined) throw usage(`flag needs an argument: ${shown}`, command);
    if (def.type === 'list') flags[def.name] = [...((flags[def.name] as string[] | undefined) ?? []), v];
    else flags[def.name] = v;
  };
  let i = 0;
  const next = () => (i + 1 < argv.length ? argv[++i] : undefined);
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === 'help' && !defs.some((d) => d.name === 'help')) throw helpRequest();
      const def = defs.find((d) => d.name === name);
      if (!def) throw usage(`unknown flag: --${name}`, command);
      set(def, eq < 0 ? undefined : a.slice(eq + 1), next, `--${name}`);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const def = defs.find((d) => d.short === a[j]);
        if (!def && a[j] === 'h') throw helpRequest();
        if (!def) throw usage(`unknown shorthand flag: '${a[j]}' in ${a}`, command);
        const rest = a.slice(j + 1);
        if (def.type === 'bool') {
          set(def, rest.startsWith('=') ? rest.slice(1) : undefined, next, `-${a[j]}, --${def.name}`);
          if (rest.startsWith('=')) break;
          continue;
        }
        set(def, rest === '' ? undefined : rest.replace(/^=/, ''), next, `-${a[j]}, --${def.name}`);
        break;
      }
    } else if (interspersed) {
      args.push(a);
    } else {
      args.push(...argv.slice(i));
      break;
    }
  }
  return { flags, args };
}

function usage(message: string, command: string): UsageError {
  return new UsageError(`${message}\nSee 'berth ${command} --help'.`, true);
}

/** The help text of a command: its usage line, then one line per flag. */
export function renderHelp(usageLine: string, describe: string, defs: readonly FlagDef[]): string {
  const rows = defs.map((d) => {
    const left = `${d.short ? `-${d.short}, ` : '    '}--${d.name}${d.type === 'bool' ? '' : d.type === 'list' ? ' list' : ' string'}`;
    return `  ${left.padEnd(30)} ${d.describe}`;
  });
  return `\nUsage:  berth ${usageLine}\n\n${describe}\n${rows.length ? `\nOptions:\n${rows.join('\n')}\n` : ''}`;
}

export const str = (v: FlagValues[string]): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = (v: FlagValues[string]): string[] => (Array.isArray(v) ? v : []);
