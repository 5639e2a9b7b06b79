/**
 * berth: the Berth CLI. Global options come before the command (`berth --root DIR ps`); each
 * command lives in its own module, loaded only when that command runs (`berth volume ...` never
 * loads container code); a new command is one entry in COMMANDS.
 */
import { debugSetting } from '../lib/debug.js';
import { parseGlobals, type Globals } from './globals.js';
import { COMMANDS, type CommandEntry } from './commands.js';
import { UsageError, errorLine, exitCodeOf, messageOf } from './errors.js';
import { HelpRequest } from './help.js';
import { printErr, printOut } from '../lib/write-out.js';
import { reportExitAtEnd, takeExitPipe } from '../lib/exit-to-front.js';

const USAGE = `Usage: berth [GLOBAL OPTIONS] COMMAND [ARG...]

Global options:
  --root DIR            images, containers, logs (default /var/lib/berth)
  --state-dir DIR       supervisors, sockets, locks (default /run/berth)
  --cni-config-dir DIR  networks (default $CNI_CONF_DIR, else /etc/cni/net.d)
  --cni-cache-dir DIR   CNI result cache (default /var/lib/cni)
  --cni-path DIRS       plugin dirs (default $CNI_PATH, else berth's dir)

Commands:
${COMMANDS.filter((c) => !c.hidden)
  .map((c) => `  ${c.name.padEnd(10)} ${c.describe}`)
  .join('\n')}
`;

/** The command running, by its canonical name, for the exit code of what it throws. */
let command: string | undefined;

async function main(argv: string[]): Promise<number> {
  const { globals, rest } = parseGlobals(argv);
  const [name, ...args] = rest;
  // As docker: the usage on stdout when asked for, on stderr without a command; exit 0 either way.
  if (name === undefined) {
    printErr(USAGE);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    printOut(USAGE);
    return 0;
  }
  const entry: CommandEntry | undefined = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
  if (!entry) throw new UsageError(`'${name}' is not a berth command.\nSee 'berth --help'`);
  command = entry.name;
  return entry.run(globals, args);
}

export type { Globals };

// Taken first, before anything is spawned; reported last, after every other 'exit' listener.
const exitPipe = takeExitPipe(process.env);
main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof HelpRequest) {
        printOut(err.text);
        process.exitCode = 0;
        return;
      }
      printErr(`${errorLine(messageOf(err), command)}\n`);
      if (debugSetting(process.env)) printErr(`${(err as Error)?.stack ?? ''}\n`);
      process.exitCode = exitCodeOf(err, command);
    },
  )
  .finally(() => reportExitAtEnd(exitPipe));
