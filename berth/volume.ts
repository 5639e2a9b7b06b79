/** `berth volume ...`: the yargs command module of volume/cli.ts, run with the global options. */
import yargs from 'yargs';
import type { Globals } from './globals.js';

class VolumeUsageError extends Error {}

/** Exit codes as before the runtime existed: 2 for usage, 1 for other errors. */
export async function run(globals: Globals, args: string[]): Promise<number> {
  const { command } = await import('../volume/cli.js');
  try {
    await yargs(['volume', ...args])
      .scriptName('berth')
      .strict()
      .version(false)
      .help()
      .option('root', { type: 'string', hidden: true, global: true, default: globals.root })
      .option('state-dir', { type: 'string', hidden: true, global: true, default: globals.stateDir })
      .command(command)
      .demandCommand(1, 'name a command')
      .fail((msg, err) => { throw err ?? new VolumeUsageError(msg); })
      .parseAsync();
  } catch (err) {
    process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof VolumeUsageError ? 2 : 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
