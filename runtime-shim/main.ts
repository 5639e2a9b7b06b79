/**
 * berth: the Berth CLI. Each top-level command lives in its own module, loaded only when that command
 * runs (`berth volume ...` never loads container code); a new command is one entry in COMMANDS.
 * Command modules set up their options through cli/yargs.ts (requireValues in every builder).
 */
import type { CommandModule } from 'yargs';
import { exitCodeOf } from '../cli/errors.js';
import { createCli, parseCli } from '../cli/yargs.js';
import { debugSetting } from '../lib/debug.js';

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

async function main(argv: string[]): Promise<void> {
  const first = argv.find((a) => !a.startsWith('-'));
  let cli = createCli('berth', argv)
    .usage('$0 <command> [options]')
    .version(false)
    .help()
    .demandCommand(1, 'name a command');
  for (const entry of COMMANDS)
    cli = entry.name === first ? cli.command((await entry.load()).command) : cli.command(entry.name, entry.describe);
  await parseCli(cli, argv, (text) => process.stdout.write(text), process.stdout.isTTY ? process.stdout.columns : undefined);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  if (debugSetting(process.env)) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  process.exitCode = exitCodeOf(err);
});
