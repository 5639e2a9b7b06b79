/**
 * Runs a yargs command module (volume/cli.ts, image/cli.ts) as a berth command, with the global
 * options handed in as its --root and --state-dir. Exit codes as those modules had them: 2 for
 * usage, 1 for other errors.
 */
import yargs, { type CommandModule } from 'yargs';
import type { Globals } from './globals.js';

class YargsUsageError extends Error {}

export async function runYargsCommand(command: CommandModule<any, any>, name: string, globals: Globals, args: string[]): Promise<number> {
  try {
    // Given as arguments, not as defaults: the modules declare --root with a default of their own.
    await yargs([name, '--root', globals.root, '--state-dir', globals.stateDir, ...args])
      .scriptName('berth')
      .strict()
      .version(false)
      .help()
      .option('root', { type: 'string', hidden: true, global: true })
      .option('state-dir', { type: 'string', hidden: true, global: true })
      .command(command)
      .demandCommand(1, 'name a command')
      .fail((msg, err) => { throw err ?? new YargsUsageError(msg); })
      .parseAsync();
  } catch (err) {
    process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof YargsUsageError ? 2 : 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
