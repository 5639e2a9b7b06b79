/**
 * The table of `berth` commands. Each entry loads its module only when it runs. A command module
 * exports `run(globals, args)`: it gets the global options (--root, --state-dir) and its own
 * arguments, and returns the exit code.
 */
import type { Globals } from './globals.js';

export interface CommandEntry {
  name: string;
  aliases?: string[];
  describe: string;
  run(globals: Globals, args: string[]): Promise<number>;
}

const lazy = (load: () => Promise<{ run(globals: Globals, args: string[]): Promise<number> }>) =>
  async (globals: Globals, args: string[]) => (await load()).run(globals, args);

export const COMMANDS: CommandEntry[] = [
  { name: 'volume', describe: 'manage volumes served by berth-volumed', run: lazy(() => import('./volume.js')) },
];
