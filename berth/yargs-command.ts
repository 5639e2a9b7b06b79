/**
 * Runs a yargs command module (volume/cli.ts, image/cli.ts) as a berth command, through the CLIs'
 * shared setup (cli/yargs.ts), with the global options handed in as its --root and --state-dir.
 * Exit codes as every berth command's (berth/errors.ts): 125 for a refused option, 1 for other errors.
 */
import { debugSetting } from '../lib/debug.js';
import type { CommandModule } from 'yargs';
import { errorPrefix, exitCodeOf } from './errors.js';
import { createCli, parseCli, requireValues } from '../cli/yargs.js';
import type { Globals } from './globals.js';

export async function runYargsCommand(command: CommandModule<any, any>, name: string, globals: Globals, args: string[]): Promise<number> {
  // Given as arguments, not as defaults: the modules declare --root with a default of their own.
  const argv = [name, '--root', globals.root, '--state-dir', globals.stateDir, ...args];
  try {
    const cli = requireValues(
      createCli('berth', argv)
        .version(false)
        .help()
        .option('root', { type: 'string', hidden: true, global: true })
        .option('state-dir', { type: 'string', hidden: true, global: true }),
    )
      .command(command)
      .demandCommand(1, 'name a command');
    await parseCli(cli, argv, (text) => process.stdout.write(text), process.stdout.isTTY ? process.stdout.columns : undefined);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${errorPrefix(message, name)}${message}\n`);
    if (debugSetting(process.env)) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return exitCodeOf(err, name);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
