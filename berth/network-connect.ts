/** `berth network connect|disconnect` and `berth port`. */
import type { Globals } from './globals.js';
import { findContainer, withCleanState } from './context.js';
import { messageOf, operandError, requireArgs } from './errors.js';
import { list, parseFlags, str } from './flags.js';
import { connectNetwork, disconnectNetwork } from '../runtime/network/connect.js';
import { readAttachmentsOf } from '../runtime/network/setup.js';
import { renderPortLines } from '../runtime/network/settings.js';
import { liveState } from '../runtime/live.js';
import { withContainerLock } from '../runtime/store.js';

export async function connect(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'ip', type: 'string', describe: 'IPv4 address' },
      { name: 'ip6', type: 'string', describe: 'IPv6 address' },
      { name: 'alias', type: 'list', describe: 'more names on the network' },
    ],
    argv,
    'network connect',
  );
  requireArgs(args, 'network connect', 2, true);
  const d = await withCleanState(g);
  const rec = findContainer(d, args[1]);
  try {
    await withContainerLock(d, rec.Id, () =>
      connectNetwork(d, rec, args[0], { ip: str(flags.ip), ip6: str(flags.ip6), aliases: list(flags.alias) }),
    );
  } catch (err) {
    // netctl names its config dir; dockerd only the network.
    if (/^network ".*" not found in /.test(messageOf(err))) throw new Error(`network ${args[0]} not found`);
    throw err;
  }
  return 0;
}

export async function disconnect(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([{ name: 'force', short: 'f', type: 'bool', describe: 'accepted, as Docker' }], argv, 'network disconnect');
  requireArgs(args, 'network disconnect', 2, true);
  const d = await withCleanState(g);
  const rec = findContainer(d, args[1]);
  await withContainerLock(d, rec.Id, () => disconnectNetwork(d, rec, args[0]));
  return 0;
}

/** `berth port CTR [PORT[/PROTO]]`, as `docker port`. */
export async function port(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'port');
  if (args.length < 1 || args.length > 2) throw operandError('port', 'requires at least 1 and at most 2 arguments');
  const d = await withCleanState(g);
  const rec = findContainer(d, args[0]);
  const live = liveState(d, rec);
  const running = live.status === 'running' || live.status === 'paused';
  const lines = renderPortLines(rec, running ? await readAttachmentsOf(rec) : [], args[1], args[0]);
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  return 0;
}
