/**
 * berth: the Berth CLI. Each top-level command lives in its own module, loaded only when that command
 * runs (`berth volume ...` never loads container code); a new command is one entry in COMMANDS.
 */
import yargs, { type CommandModule } from 'yargs';

interface Entry {
  name: string;
  describe: string;
  load(): Promise<{ command: CommandModule<any, any> }>;
}

const COMMANDS: Entry[] = [
  { name: 'volume', describe: 'manage volumes served by berth-volumed', load: () => import('../volume/cli.js') },
  { name: 'image', describe: 'manage images: load, import, ls, inspect, tag, rm', load: () => import('../image/cli.js') },
  { name: 'images', describe: 'list images (berth image ls)', load: async () => ({ command: (await import('../image/cli.js')).imagesCommand }) },
  { name: 'rmi', describe: 'remove images (berth image rm)', load: async () => ({ command: (await import('../image/cli.js')).rmiCommand }) },
];

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const first = argv.find((a) => !a.startsWith('-'));
  let cli = yargs(argv)
    .scriptName('berth')
    .usage('$0 <command> [options]')
    .strict()
    .version(false)
    .help()
    .demandCommand(1, 'name a command')
    .fail((msg, err) => { throw err ?? new UsageError(msg); });
  for (const entry of COMMANDS)
    cli = entry.name === first ? cli.command((await entry.load()).command) : cli.command(entry.name, entry.describe);
  await cli.parseAsync();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.BERTH_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
