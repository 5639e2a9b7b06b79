/** `berth volume ...` (volume/cli.ts) and `berth image|images|rmi|tag|load|import ...` (image/cli.ts). */
import { join } from 'node:path';
import type { Globals } from './globals.js';
import { runYargsCommand } from './yargs-command.js';
import { exitCodeOf, operandError } from './errors.js';
import type { CommandHelp } from './help.js';

/** The operand counts docker's `volume` subcommands check before anything else, with their help. */
const VOLUME_OPERANDS: Record<string, CommandHelp & { min?: number; max?: number }> = {
  create: { max: 1, usage: 'volume create [OPTIONS] [VOLUME]', describe: 'Create a volume' },
  inspect: {
    min: 1,
    usage: 'volume inspect [OPTIONS] VOLUME [VOLUME...]',
    describe: 'Display detailed information on one or more volumes',
  },
  rm: { min: 1, usage: 'volume rm [OPTIONS] VOLUME [VOLUME...]', describe: 'Remove one or more volumes' },
};
/** The options of those subcommands that take a value (the next word, unless given as `--opt=value`); `rm -f` is --force. */
const VALUE_OPTIONS: Record<string, readonly string[]> = {
  create: ['-o', '--opt', '-d', '--driver', '--label'],
  inspect: ['-f', '--format'],
};

/** @throws {OperandCountError} in docker's words when a subcommand has too few or too many operands */
function checkVolumeOperands(args: readonly string[]): void {
  const words: string[] = [];
  const sub = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--socket');
  const valued = ['--socket', ...(VALUE_OPTIONS[sub ?? ''] ?? [])];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (args[i].startsWith('-')) {
      if (args[i] === '-h' || args[i] === '--help') return; // yargs shows the help
      if (valued.includes(args[i])) i++;
    } else words.push(args[i]);
  }
  const operands = words.slice(1);
  const rule = VOLUME_OPERANDS[sub === 'remove' ? 'rm' : (sub ?? '')];
  if (!rule) return;
  const name = `volume ${sub}`;
  if (rule.max !== undefined && operands.length > rule.max)
    throw operandError(name, `requires at most ${rule.max} argument${rule.max === 1 ? '' : 's'}`, rule);
  if (rule.min !== undefined && operands.length < rule.min)
    throw operandError(name, `requires at least ${rule.min} argument${rule.min === 1 ? '' : 's'}`, rule);
}

/**
 * `berth volume` talks to the socket that `run -v` uses: berth.sock in the volume plugin dir
 * (--volume-plugin-dir, else $BERTH_VOLUME_PLUGIN_DIR) unless --socket or $BERTH_VOLUME_SOCKET names another.
 * `rm` and `prune` leave alone a volume any of berth's containers names, in any state, as dockerd does.
 */
export async function volume(globals: Globals, args: string[]): Promise<number> {
  try {
    checkVolumeOperands(args);
  } catch (err) {
    process.stderr.write(`berth: ${(err as Error).message}\n`);
    return exitCodeOf(err, 'volume');
  }
  const pluginDir = globals.volumePluginDir ?? (process.env.BERTH_VOLUME_SOCKET ? undefined : process.env.BERTH_VOLUME_PLUGIN_DIR);
  const given = args.some((a) => a === '--socket' || a.startsWith('--socket='));
  const socket = pluginDir !== undefined && !given ? ['--socket', join(pluginDir, 'berth.sock')] : [];
  const [{ volumeCommand }, { containersNaming }] = await Promise.all([import('../volume/cli.js'), import('../runtime/volumes/users.js')]);
  const usersOf = (name: string, at: string) => containersNaming(globals, name, at);
  return runYargsCommand(volumeCommand(usersOf), 'volume', globals, [...socket, ...args]);
}

export async function image(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../image/cli.js')).command, 'image', globals, args);
}

/** `berth tag|load|import ...`: docker's top-level names for `berth image tag|load|import ...`. */
export function imageAlias(sub: string): (globals: Globals, args: string[]) => Promise<number> {
  return (globals, args) => image(globals, [sub, ...args]);
}

export async function images(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../image/cli.js')).imagesCommand, 'images', globals, args);
}

export async function rmi(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../image/cli.js')).rmiCommand, 'rmi', globals, args);
}
