/** `berth volume ...` (volume/cli.ts) and `berth image|images|rmi|tag|load|import ...` (image/cli.ts). */
import { join } from 'node:path';
import type { Globals } from './globals.js';
import { runYargsCommand } from './yargs-command.js';

/**
 * `berth volume` talks to the socket that `run -v` uses: berth.sock in the volume plugin dir
 * (--volume-plugin-dir, else $BERTH_VOLUME_PLUGIN_DIR) unless --socket or $BERTH_VOLUME_SOCKET names another.
 * `rm` and `prune` leave alone a volume any of berth's containers names, in any state, as dockerd does.
 */
export async function volume(globals: Globals, args: string[]): Promise<number> {
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
