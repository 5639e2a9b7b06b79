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
import { encodeFrame, Frame, FrameDecoder } from './frames.js';
import { attachSocket, containerDir, runDir, type Dirs } from './paths.js';
import { NEVER, type ContainerRecord } from './record.js';
import { containerNetns } from './network/join.js';
import { namesFromAttachments } from './network/etc-names.js';
import { attachNetworks, hasCniNetworks, openNetns, preloadNetworkCode, tearDownNetwork } from './network/setup.js';
import { superviseArgs } from './shim-args.js';
import { shimPath } from './shim-path.js';
import { spawnShim, type ShimProcess } from './shim-spawn.js';
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

type Received = { type: number; data: Buffer };
type Frames = Received[];

/**
 * The supervisor's next frame of `type` (those in `pending` first), and the frames after it.
 * @throws {ExitError} for its Error frame, or when it ended without one (its stderr says why)
 */
async function nextFrame(
  id: string,
  shim: ShimProcess,
  decoder: FrameDecoder,
  type: number,
  pending: Frames,
): Promise<{ frame: Received; rest: Frames }> {
  const { channel } = shim;
  const pick = (frames: Frames) => frames.findIndex((f) => f.type === type || f.type === Frame.Error);
  const found = await new Promise<{ frame?: Received; rest: Frames }>((resolve) => {
    const onData = (frames: Frames) => {
      const i = pick(frames);
      if (i < 0) return false;
      channel.off('data', onChunk);
      channel.pause();
      resolve({ frame: frames[i], rest: frames.slice(i + 1) });
      return true;
    };
    const onChunk = (chunk: Buffer) => onData(decoder.push(chunk));
    if (onData(pending)) return;
    channel.on('data', onChunk);
    channel.resume();
    channel.once('close', () => resolve({ rest: [] }));
  });
  if (!found.frame) {
    const stderr = await shim.stderr();
    shim.release();
    throw new ExitError(`cannot start container ${id}: ${stderr.trim() || 'berth-shim ended without a word'}`, 125);
  }
  if (found.frame.type === Frame.Error) {
    const text = found.frame.data.toString();
    const colon = text.indexOf(':');
    channel.destroy();
    shim.release();
    throw new ExitError(text.slice(colon + 1), Number(text.slice(0, colon)) || 125);
  }
  return { frame: found.frame, rest: found.rest };
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
  let durable = () => Promise.resolve();
  let before: ContainerRecord | undefined; // as it was before this start
  try {
    await cgroup.create(resourcesOf(rec));
    makeBindSources(rec.Mounts ?? []);
    const sources = await mountVolumes(d, rec);
    copyUpForUserns(d, rec, sources);
    const mounts = renderShimMounts(rec.Mounts ?? [], sources);
    const netns = await openNetns(d, rec, (ref) => containerNetns(d, ref));
    const cni = hasCniNetworks(rec);
    const bundle = containerDir(d, rec.Id);
    // On a network, rewritten in place with its addresses before the release (the binds keep the inode).
    const etc = writeEtcFiles(bundle, rec);
    mkdirSync(dirname(attachSocket(d, rec.Id)), { recursive: true, mode: 0o700 });
    const args = superviseArgs(
      rec,
      {
        bundle,
        state,
        socket: attachSocket(d, rec.Id),
        init: rec.HostConfig.Init ? initPath() : undefined,
        exitCommand: selfCommand(d, 'cleanup', rec.Id),
        netns,
        terminal,
        mounts,
        initLayer: ensureInitLayer(d),
        etcBinds: etc.binds,
        makeNetns: cni,
        awaitRelease: cni,
        owned: owner,
      },
      cgroup.procsFiles(),
    );
    const shim = spawnShim(shimPath(), args);
    const { channel } = shim;
    const decoder = new FrameDecoder();
    let pending: Frames = [];
    if (cni) {
      // The supervisor makes the netns file, then builds the container's root while the ADD runs
      // here (on another CPU); its command runs after the Release frame. A failed ADD closes the
      // channel: the start fails there too. While the netns is made, the network code loads and the
      // ADD's host side runs (bridge waits for the netns before its veth; other plugins before they start).
      const netnsMade = nextFrame(rec.Id, shim, decoder, Frame.Netns, pending).then((f) => {
        pending = f.rest;
      });
      netnsMade.catch(() => {}); // awaited below
      const configs = await preloadNetworkCode(rec).catch(() => undefined); // attachNetworks reports a failure
      const net = await attachNetworks(d, rec, netnsMade, configs).catch(async (err: Error) => {
        await netnsMade; // the supervisor's own failure says more than the ADD's
        channel.destroy();
        shim.release();
        throw err;
      });
      await netnsMade;
      durable = net.durable;
      writeEtcFiles(bundle, rec, namesFromAttachments(rec, net.attachments), etc);
      channel.write(encodeFrame(Frame.Release));
    }
    // Saved while the supervisor builds the container's root on the other CPU rather than after
    // its Started frame; until its shim.json is there, liveState shows a first run as created.
    before = readRecord(d, rec.Id);
    const started = { ...before, ManuallyStopped: false, State: { ...before.State, Status: 'exited' as const, Error: '' } };
    writeRecord(d, started);
    saveExecTemplate(d, started);
    const { frame: first, rest } = await nextFrame(rec.Id, shim, decoder, Frame.Started, pending);
    shim.release();
    // The CNI result cache went to disk while the container started; a failed flush undoes the start.
    await durable();
    return { pid: Number(first.data.toString()), channel, decoder, pendingFrames: rest };
  } catch (err) {
    await cgroup.killAll().catch(() => {});
    await cgroup.destroy().catch(() => {});
    await tearDownNetwork(d, rec).catch(() => {});
    await unmountVolumes(d, rec.Id).catch(() => {});
    rmSync(state, { recursive: true, force: true });
    rmSync(attachSocket(d, rec.Id), { force: true });
    const now = before ?? readRecord(d, rec.Id);
    const code = err instanceof ExitError ? err.exitCode : 125;
    // One that never ran stays Created, as dockerd shows it (StateString: no StartedAt yet).
    const ran = now.State.StartedAt !== NEVER;
    writeRecord(d, {
      ...now,
      State: {
        ...now.State,
        Status: ran ? 'exited' : 'created',
        ExitCode: code,
        Error: (err as Error).message,
        FinishedAt: ran ? new Date().toISOString() : now.State.FinishedAt,
      },
    });
    throw err instanceof ExitError ? err : new ExitError((err as Error).message, 125);
  }
}
