/** `berth start|stop|restart|kill|rm|wait|gc` and the hidden `cleanup` the supervisor runs. */
import { removeAnonymousVolumes } from '../runtime/volumes/lifecycle.js';
import type { Globals } from './globals.js';
import { dirsOf, eachContainer, eachLockedContainer, findContainer, withCleanState } from './context.js';
import { ExitError, requireArgs, UsageError } from './errors.js';
import { parseFlags, str, type FlagDef } from './flags.js';
import { attachStreams } from '../runtime/attach.js';
import { collectLeftovers } from '../runtime/gc.js';
import { liveState } from '../runtime/live.js';
import type { Dirs } from '../runtime/paths.js';
import { NoSuchContainerError } from '../runtime/ids.js';
import { parseSignal } from '../runtime/signals.js';
import { startContainer } from '../runtime/start.js';
import { cleanupContainer, removeContainer, signalContainer, stopContainer, waitUntilStopped } from '../runtime/stop.js';
import { listRecords, readRecord, withContainerLock } from '../runtime/store.js';
import { printErr, printOut } from '../lib/write-out.js';

const isUp = (s: string) => s === 'running' || s === 'paused' || s === 'restarting';

export async function start(g: Globals, argv: string[]): Promise<number> {
  const defs: FlagDef[] = [
    { name: 'attach', short: 'a', type: 'bool', describe: 'attach stdout/stderr' },
    { name: 'interactive', short: 'i', type: 'bool', describe: "attach the container's stdin" },
  ];
  const { flags, args } = parseFlags(defs, argv, 'start');
  requireArgs(args, 'start');
  const d = await withCleanState(g);
  const attach = flags.attach === true || flags.interactive === true;
  if (attach && args.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
  if (attach) return startAttached(d, args[0], flags.interactive === true);
  return eachLockedContainer(
    d,
    args,
    async (rec) => {
      if (isUp(liveState(d, rec).status)) return;
      const started = await startContainer(d, readRecord(d, rec.Id), false);
      started.channel.destroy();
    },
    'failed to start containers',
  );
}

async function startAttached(d: Dirs, ref: string, stdin: boolean): Promise<number> {
  const rec = findContainer(d, ref);
  const started = await withContainerLock(d, rec.Id, () => startContainer(d, readRecord(d, rec.Id), true));
  const end = await attachStreams(started.channel, started.decoder, started.pendingFrames, {
    stdin: stdin && rec.Config.OpenStdin,
    tty: rec.Config.Tty,
  });
  started.channel.destroy();
  if (end.kind === 'detached') return 0;
  await withContainerLock(d, rec.Id, () => cleanupContainer(d, rec.Id));
  if (end.kind === 'lost') throw new ExitError(`the supervisor of container ${rec.Id} ended without reporting an exit`, 137);
  return end.code;
}

const timeoutFlag: FlagDef[] = [{ name: 'time', short: 't', type: 'string', describe: 'seconds to wait before killing' }];

/** `-t` as pflag reads an int, before any container is touched; undefined keeps each container's own. */
function timeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value))
    throw new UsageError(`invalid argument "${value}" for "-t, --time" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, true);
  return Number(value);
}

export async function stop(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(timeoutFlag, argv, 'stop');
  const seconds = timeoutOf(str(flags.time));
  requireArgs(args, 'stop');
  const d = await withCleanState(g);
  return eachLockedContainer(d, args, (rec) => stopContainer(d, rec, seconds ?? rec.Config.StopTimeout ?? 10));
}

export async function restart(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(timeoutFlag, argv, 'restart');
  const seconds = timeoutOf(str(flags.time));
  requireArgs(args, 'restart');
  const d = await withCleanState(g);
  return eachLockedContainer(d, args, async (rec) => {
    await stopContainer(d, rec, seconds ?? rec.Config.StopTimeout ?? 10);
    (await startContainer(d, readRecord(d, rec.Id), false)).channel.destroy();
  });
}

export async function kill(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [{ name: 'signal', short: 's', type: 'string', describe: 'signal to send (default KILL)' }],
    argv,
    'kill',
  );
  requireArgs(args, 'kill');
  const signal = parseSignal(str(flags.signal) ?? 'KILL');
  const d = await withCleanState(g);
  return eachLockedContainer(d, args, (rec, ref) => signalContainer(d, rec, signal, ref));
}

export async function rm(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'force', short: 'f', type: 'bool', describe: 'kill a running container first' },
      { name: 'volumes', short: 'v', type: 'bool', describe: 'remove the anonymous volumes of the container' },
    ],
    argv,
    'rm',
  );
  requireArgs(args, 'rm');
  const d = await withCleanState(g);
  return eachContainer(args, async (ref) => {
    let rec;
    try {
      rec = findContainer(d, ref);
    } catch (err) {
      // As docker rm -f: a container that is not there is reported, and is no failure.
      if (flags.force !== true || !(err instanceof NoSuchContainerError)) throw err;
      printErr(`Error: ${err.message}\n`);
      return;
    }
    await withContainerLock(d, rec.Id, async () => {
      if (isUp(liveState(d, rec).status)) {
        if (flags.force !== true)
          throw new Error(`You cannot remove a running container ${rec.Id}. Stop the container before attempting removal or force remove`);
        await stopContainer(d, rec, 0);
      }
      await cleanupContainer(d, rec.Id);
      removeContainer(d, rec);
      if (flags.volumes === true)
        for (const err of await removeAnonymousVolumes(rec, () => listRecords(d))) printErr(`berth: ${err.message}\n`);
    });
    printOut(`${ref}\n`);
  });
}

export async function wait(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'wait');
  requireArgs(args, 'wait');
  const d = await withCleanState(g);
  return eachContainer(args, async (ref) => {
    const rec = findContainer(d, ref);
    await waitUntilStopped(d, rec);
    const code = await withContainerLock(d, rec.Id, async () => {
      let current = rec;
      try {
        current = readRecord(d, rec.Id);
      } catch {
        /* removed meanwhile (--rm) */
      }
      const exit = liveState(d, current).exitCode; // before cleanup, which may remove a --rm container
      await cleanupContainer(d, rec.Id);
      return exit;
    });
    printOut(`${code}\n`);
  });
}

export async function gc(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'gc');
  if (args.length > 0) throw new UsageError('"berth gc" accepts no arguments.');
  await collectLeftovers(dirsOf(g), true);
  return 0;
}

export async function cleanup(g: Globals, args: string[]): Promise<number> {
  const d = dirsOf(g);
  for (const id of args) await withContainerLock(d, id, () => cleanupContainer(d, id));
  return 0;
}

/**
 * `boot`: run once at boot (contrib/berth-boot.service). Containers the reboot killed are recorded
 * (gc), then those with --restart always, and unless-stopped ones not stopped by hand, start again.
 */
export async function boot(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'boot');
  if (args.length > 0) throw new UsageError('"berth boot" accepts no arguments.');
  const d = await withCleanState(g);
  const wanted = listRecords(d).filter(
    (r) => r.HostConfig.RestartPolicy.Name === 'always' || (r.HostConfig.RestartPolicy.Name === 'unless-stopped' && !r.ManuallyStopped),
  );
  return eachContainer(
    wanted.map((r) => r.Id),
    async (id) => {
      await withContainerLock(d, id, async () => {
        if (isUp(liveState(d, readRecord(d, id)).status)) return;
        (await startContainer(d, readRecord(d, id), false)).channel.destroy();
      });
      printOut(`${id}\n`);
    },
  );
}
