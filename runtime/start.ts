/**
 * Starting a container: its cgroup made with the limits, then its supervisor (berth-shim) spawned
 * detached, with a socket on its fd 3 over which it reports the start and, for a foreground run,
 * streams the output. Any failure undoes the cgroup and the state dir at once.
 */
import { existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ownExecutable } from '../cni/sibling.js';
import type { Channel } from './attach.js';
import { ExitError } from './errors.js';
import { writeEtcFiles } from './etc-write.js';
import { ensureInitLayer } from './init-layer.js';
import { saveExecTemplate } from './exec-template.js';
import { cgroupOf, resourcesOf } from './cgroups.js';
import { Frame, FrameDecoder } from './frames.js';
import { attachSocket, containerDir, runDir, type Dirs } from './paths.js';
import type { ContainerRecord } from './record.js';
import { containerNetns } from './network/join.js';
import { namesFromAttachments } from './network/etc-names.js';
import { setUpNetwork, tearDownNetwork } from './network/setup.js';
import { superviseArgs } from './shim-args.js';
import { shimPath } from './shim-path.js';
import { spawnShim } from './shim-spawn.js';
import { readRecord, writeRecord } from './store.js';
import { makeBindSources, mountVolumes, unmountVolumes } from './volumes/lifecycle.js';
import { copyUpForUserns } from './volumes/copy-up.js';
import { renderShimMounts } from './volumes/points.js';

/** This berth executable, for the supervisor's exit command. */
export function selfCommand(d: Dirs, ...args: string[]): string[] {
  // Compiled with Bun, the executable is berth itself; on Node it runs the launcher in argv[1].
  const onNode = typeof process.versions.bun !== 'string';
  const self = process.env.BERTH_SELF ?? (onNode && process.argv[1] ? realpathSync(process.argv[1]) : ownExecutable());
  return [self, '--root', d.root, '--state-dir', d.stateDir, ...args];
}

/** tini-static (Debian's tini) for --init: static, so it runs in any image. */
export function initPath(): string {
  for (const p of ['/usr/bin/tini-static', '/usr/bin/catatonit', '/usr/libexec/podman/catatonit']) if (existsSync(p)) return p;
  throw new Error('--init needs tini (apt-get install tini) or catatonit');
}

export interface Started {
  pid: number;
  channel: Channel;
  decoder: FrameDecoder;
  pendingFrames: Array<{ type: number; data: Buffer }>;
}

/**
 * Starts `rec`'s container. `owner`: the caller stays attached and cleans up after the exit.
 * @throws {ExitError} with the exit code of a failed start (125 setup, 126, 127), everything undone
 */
export async function startContainer(d: Dirs, rec: ContainerRecord, owner: boolean): Promise<Started> {
  // The caller's terminal size, set before the command runs (a resize frame could come after it looked).
  const terminal =
    owner && rec.Config.Tty && process.stdout.isTTY ? { rows: process.stdout.rows, cols: process.stdout.columns } : undefined;
  const state = runDir(d, rec.Id);
  rmSync(state, { recursive: true, force: true });
  mkdirSync(state, { recursive: true, mode: 0o700 });
  const cgroup = cgroupOf(rec);
  try {
    await cgroup.create(resourcesOf(rec));
    makeBindSources(rec.Mounts ?? []);
    const sources = await mountVolumes(d, rec);
    copyUpForUserns(d, rec, sources);
    const mounts = renderShimMounts(rec.Mounts ?? [], sources);
    const net = await setUpNetwork(d, rec, (ref) => containerNetns(d, ref));
    mkdirSync(dirname(attachSocket(d, rec.Id)), { recursive: true, mode: 0o700 });
    const args = superviseArgs(
      rec,
      {
        bundle: containerDir(d, rec.Id),
        state,
        socket: attachSocket(d, rec.Id),
        init: rec.HostConfig.Init ? initPath() : undefined,
        exitCommand: selfCommand(d, 'cleanup', rec.Id),
        netns: net.netns,
        terminal,
        mounts,
        initLayer: ensureInitLayer(d),
        etcBinds: writeEtcFiles(containerDir(d, rec.Id), rec, namesFromAttachments(rec, net.attachments)),
      },
      cgroup.procsFiles(),
    );
    const shim = spawnShim(shimPath(), args);
    const { channel } = shim;
    if (owner) channel.write(Buffer.from([Frame.Owner, 0, 0, 0, 0]));
    const decoder = new FrameDecoder();
    const { first, rest } = await new Promise<{ first?: { type: number; data: Buffer }; rest: Array<{ type: number; data: Buffer }> }>(
      (resolve) => {
        const onData = (chunk: Buffer) => {
          const frames = decoder.push(chunk);
          const i = frames.findIndex((f) => f.type === Frame.Started || f.type === Frame.Error);
          if (i >= 0) {
            channel.off('data', onData);
            channel.pause();
            resolve({ first: frames[i], rest: frames.slice(i + 1) });
          }
        };
        channel.on('data', onData);
        channel.once('close', () => resolve({ rest: [] }));
      },
    );
    const stderr = first ? '' : await shim.stderr();
    shim.release();
    if (!first) throw new ExitError(`cannot start container ${rec.Id}: ${stderr.trim() || 'berth-shim ended without a word'}`, 125);
    if (first.type === Frame.Error) {
      const text = first.data.toString();
      const colon = text.indexOf(':');
      channel.destroy();
      throw new ExitError(text.slice(colon + 1), Number(text.slice(0, colon)) || 125);
    }
    // The CNI result cache went to disk while the container started; a failed flush undoes the start.
    await net.durable();
    const now = readRecord(d, rec.Id);
    const started = { ...now, ManuallyStopped: false, State: { ...now.State, Status: 'exited' as const, Error: '' } };
    writeRecord(d, started);
    saveExecTemplate(d, started);
    return { pid: Number(first.data.toString()), channel, decoder, pendingFrames: rest };
  } catch (err) {
    await cgroup.killAll().catch(() => {});
    await cgroup.destroy().catch(() => {});
    await tearDownNetwork(d, rec).catch(() => {});
    await unmountVolumes(d, rec.Id).catch(() => {});
    rmSync(state, { recursive: true, force: true });
    rmSync(attachSocket(d, rec.Id), { force: true });
    const now = readRecord(d, rec.Id);
    const code = err instanceof ExitError ? err.exitCode : 125;
    writeRecord(d, {
      ...now,
      State: { ...now.State, Status: 'exited', ExitCode: code, Error: (err as Error).message, FinishedAt: new Date().toISOString() },
    });
    throw err instanceof ExitError ? err : new ExitError((err as Error).message, 125);
  }
}
