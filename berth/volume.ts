/** `berth volume ...` (volume/cli.ts) and `berth image|images|rmi ...` (image/cli.ts). */
import type { Globals } from './globals.js';
import { runYargsCommand } from './yargs-command.js';

export async function volume(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../volume/cli.js')).command, 'volume', globals, args);
}

export async function image(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../image/cli.js')).command, 'image', globals, args);
}

export async function images(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../image/cli.js')).imagesCommand, 'images', globals, args);
}

export async function rmi(globals: Globals, args: string[]): Promise<number> {
  return runYargsCommand((await import('../image/cli.js')).rmiCommand, 'rmi', globals, args);
}
