/** `berth run` and `berth create`. */
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { checkHostResources, parseResources } from '../runtime/cgroup/flags.js';
import type { Globals } from './globals.js';
import { withCleanState } from './context.js';
import { ExitError, operandError } from './errors.js';
import { SettingError } from '../runtime/errors.js';
import { parseFlags, str } from './flags.js';
import { CREATE_FLAGS, RUN_FLAGS, runOptionsOf } from './run-flags.js';
import { attachStreams } from '../runtime/attach.js';
import { createContainer } from '../runtime/create.js';
import type { Dirs } from '../runtime/paths.js';
import type { ContainerRecord } from '../runtime/record.js';
import { imageSource, rootfsSource } from '../runtime/source.js';
import { inlineSeccompProfiles } from '../runtime/security-opt.js';
import { startContainer } from '../runtime/start.js';
import { cniDirsOf } from '../runtime/network/dirs.js';
import { selfDirOf } from '../cni/sibling.js';
import { cleanupContainer, removeContainer } from '../runtime/stop.js';
import { lockContainer } from '../runtime/store.js';
import { planIdMapping, type IdMapping } from '../runtime/userns.js';
import { createVolumes } from '../runtime/volumes/create.js';
import { printOut } from '../lib/write-out.js';
import { killPid } from '../kernel/kill-pid.js';
import { checkPublish } from './publish-check.js';
import { readEnvFiles } from './env-files.js';

async function createFrom(g: Globals, command: string, args: string[]): Promise<{ d: Dirs; rec: ContainerRecord; detach: boolean }> {
  const defs = command === 'run' ? RUN_FLAGS : CREATE_FLAGS;
  const { flags, args: rest } = parseFlags(defs, args, command, false);
  const d = await withCleanState(g);
  const rootfs = str(flags.rootfs);
  if (rootfs === undefined && rest.length === 0) throw operandError(command, 'requires at least 1 argument');
  const envFileLines = readEnvFiles((flags['env-file'] as string[] | undefined) ?? [], (m) => new SettingError(m, 'flag'));
  const opts = {
    ...runOptionsOf(flags, rest, process.env, envFileLines),
    cni: cniDirsOf(g, process.env, selfDirOf()),
    hostName: hostname(),
  };
  checkPublish(opts.net.publish, command);
  opts.storage.pluginDir = g.volumePluginDir ?? process.env.BERTH_VOLUME_PLUGIN_DIR;
  opts.securityOpt = inlineSeccompProfiles(opts.securityOpt, (path) => readFileSync(path, 'utf8'));
  checkHostCpus(opts.resourceFlags);
  const source = rootfs !== undefined ? rootfsSource(rootfs) : await imageSource(d.root, rest[0]);
  const idMap = opts.userns === 'private' ? readIdMapping(process.env) : undefined;
  return { d, rec: await createVolumes(d, createContainer(d, opts, str(flags.name), source, idMap)), detach: flags.detach === true };
}

/**
 * `--cpus` and `--cpuset-cpus` against the host's CPUs, as dockerd checks them at create, so that a
 * refused `run` leaves no container; the start checks the cgroup parent's own cpuset again.
 */
function checkHostCpus(flags: Record<string, string | string[]>): void {
  if (flags.cpus === undefined && flags['cpuset-cpus'] === undefined) return;
  const cpus = availableParallelism();
  let online = `0-${cpus - 1}`;
  try {
    online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  } catch {
    /* no sysfs: every CPU counts */
  }
  checkHostResources(parseResources(flags), cpus, online);
}

/** The `berth` range of /etc/subuid and /etc/subgid (BERTH_SUBUID_FILE, BERTH_SUBGID_FILE override them). */
function readIdMapping(env: NodeJS.ProcessEnv): IdMapping {
  const read = (file: string) => {
    try {
      return { text: readFileSync(file, 'utf8'), file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: undefined, file };
      throw new Error(`cannot read ${file}: ${(err as Error).message}`);
    }
  };
  return planIdMapping(read(env.BERTH_SUBUID_FILE ?? '/etc/subuid'), read(env.BERTH_SUBGID_FILE ?? '/etc/subgid'));
}

export async function run(g: Globals, args: string[]): Promise<number> {
  const { d, rec, detach } = await createFrom(g, 'run', args);
  // One lock for the start and the cleanup, let go of while the container runs (stop, kill, rm -f).
  const lock = lockContainer(d, rec.Id);
  let started;
  try {
    started = await startContainer(d, rec, !detach);
  } catch (err) {
    lock.release();
    if (rec.HostConfig.AutoRemove) removeContainer(d, rec);
    throw err;
  }
  if (detach) {
    lock.release();
    started.channel.destroy();
    printOut(`${rec.Id}\n`);
    return 0;
  }
  lock.suspend();
  const forward = (signal: NodeJS.Signals) => {
    try {
      killPid(started.pid, signal);
    } catch {
      /* gone */
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  if (!rec.Config.Tty) for (const s of signals) process.on(s, forward);
  let end;
  try {
    end = await attachStreams(started.channel, started.decoder, started.pendingFrames, {
      stdin: rec.Config.OpenStdin,
      tty: rec.Config.Tty,
    });
  } finally {
    for (const s of signals) process.off(s, forward);
  }
  if (end.kind === 'detached') {
    lock.release();
    started.channel.destroy();
    return 0;
  }
  // The lock first: no start comes between the exit and the cleanup. The channel closes last (the
  // supervisor waits for it), which measured cheaper than before the cleanup (docs/internals/speed.md).
  lock.resume();
  try {
    await cleanupContainer(d, rec.Id, end.kind === 'exit');
  } finally {
    lock.release();
    started.channel.destroy();
  }
  if (end.kind === 'lost') throw new ExitError(`the supervisor of container ${rec.Id} ended without reporting an exit`, 137);
  return end.code;
}

export async function create(g: Globals, args: string[]): Promise<number> {
  const { rec } = await createFrom(g, 'create', args);
  printOut(`${rec.Id}\n`);
  return 0;
}
