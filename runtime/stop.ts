/** The end of a container's run: waiting, stopping, killing, cleaning up, removing. */
import { constants } from 'node:os';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { cgroupOf } from './cgroups.js';
import { killPid } from '../kernel/kill-pid.js';
import { Frame, FrameDecoder } from './frames.js';
import { liveState, readShimStatus } from './live.js';
import { attachSocket, runDir, type Dirs } from './paths.js';
import type { ContainerRecord } from './record.js';
import { hasCniNetworks, tearDownNetwork } from './network/setup.js';
import { parseSignal } from './signals.js';
import { listRecords, readRecord, removeContainerFiles, removeContainerRoot, removeRecordFiles, writeRecord } from './store.js';
import { removeAnonymousVolumes, unmountVolumes } from './volumes/lifecycle.js';
import { unlinkIfPresent } from '../lib/if-present.js';

/** Resolves when the container's supervisor reports an exit or goes away (at once if it is gone). */
export function waitForExit(d: Dirs, id: string): Promise<void> {
  // Loaded here, not with the module: node:net and its streams cost a compiled `berth run` or `ps` milliseconds.
  const { connect } = require('node:net') as typeof import('node:net');
  return new Promise((resolve) => {
    const sock = connect(attachSocket(d, id));
    const decoder = new FrameDecoder();
    const done = () => {
      sock.destroy();
      resolve();
    };
    sock.on('data', (chunk: Buffer) => {
      if (decoder.push(chunk).some((f) => f.type === Frame.Exit)) done();
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

/** Waits until the container is no longer running or restarting (a restart policy may bring it back between exits). */
export async function waitUntilStopped(d: Dirs, rec: ContainerRecord): Promise<void> {
  for (;;) {
    const live = liveState(d, rec);
    if (live.status !== 'running' && live.status !== 'paused' && live.status !== 'restarting') return;
    await waitForExit(d, rec.Id);
  }
}

/**
 * Records the final state and releases what the run held (cgroup, state dir); removes the container
 * too when it was run with --rm. Idempotent: the supervisor's exit command, the foreground `run`
 * and `gc` may all call it; the caller holds the container's lock. `reported`: the caller read the
 * supervisor's Exit frame and the supervisor waits for it to hang up (a foreground `run`).
 */
export async function cleanupContainer(d: Dirs, id: string, reported = false): Promise<void> {
  let rec: ContainerRecord;
  try {
    rec = readRecord(d, id);
  } catch {
    return;
  }
  const autoRemove = rec.HostConfig.AutoRemove;
  // A --rm container has no restart policy, so a reported exit is its last; its supervisor keeps
  // shim.lock until the caller, which holds the lock by now, hangs up: no start came between.
  const live = reported && autoRemove ? undefined : liveState(d, rec);
  if (live && (live.status === 'running' || live.status === 'paused' || live.status === 'restarting')) return;
  const cgroup = cgroupOf(rec);
  // Only a record that stays shows OOMKilled; destroy() kills what is left first.
  const oom = !autoRemove && (await cgroup.oomKilled().catch(() => false));
  await cgroup.destroy().catch(() => {});
  // A --rm container's root goes in the thread pool while its networks' DEL runs, which mostly
  // waits (for the kernel, for bridge's detached `ip`); the record stays until after it, for `gc`.
  // Without a network there is nothing to overlap, and the pool costs more than it saves.
  const overlap = autoRemove && hasCniNetworks(rec);
  const rootGone = overlap ? removeContainerRoot(d, id).catch(() => {}) : undefined;
  const netError = await tearDownNetwork(d, rec).then(
    () => '',
    (err: Error) => err.message,
  );
  await rootGone;
  // The run's outcome, saved once (the state dir goes next); a --rm container's record goes too.
  if (live && !autoRemove && readShimStatus(d, id)) {
    writeRecord(d, {
      ...rec,
      RestartCount: live.restartCount,
      State: {
        ...rec.State,
        Status: 'exited',
        ExitCode: live.exitCode,
        Error: live.error || netError,
        StartedAt: live.startedAt,
        FinishedAt: live.finishedAt || new Date().toISOString(),
        OOMKilled: rec.State.OOMKilled || oom,
      },
    });
  }
  rmSync(runDir(d, id), { recursive: true, force: true });
  unlinkIfPresent(attachSocket(d, id));
  // A plugin that cannot be reached keeps its mounts written down: the next cleanup (rm, gc) retries.
  await unmountVolumes(d, id).catch((err: Error) => process.stderr.write(`berth: ${err.message}\n`));
  if (autoRemove) {
    removeRecordFiles(d, rec);
    for (const err of await removeAnonymousVolumes(rec, () => listRecords(d))) process.stderr.write(`berth: ${err.message}\n`);
  }
}

/** The signal `stop` sends first: --stop-signal, the image's StopSignal, else SIGTERM. */
export const stopSignalOf = (rec: ContainerRecord) => parseSignal(rec.Config.StopSignal ?? 'SIGTERM');

/**
 * Sends `signal` to the container's PID 1.
 * @throws {Error} when it is not running, naming it as `ref` gives it and by ID, as dockerd does
 */
export async function signalContainer(d: Dirs, rec: ContainerRecord, signal: number, ref = rec.Id): Promise<void> {
  const live = liveState(d, rec);
  if ((live.status !== 'running' && live.status !== 'paused') || live.pid <= 0)
    throw new Error(`Cannot kill container: ${ref}: Container ${rec.Id} is not running`);
  killPid(live.pid, signal);
  // A frozen process gets its signal only once thawed: dockerd resumes a paused container after
  // SIGKILL, and after any signal unless a --stop-signal is set and this is another one.
  const custom = rec.Config.StopSignal === undefined ? undefined : stopSignalOf(rec);
  if (live.status === 'paused' && (signal === constants.signals.SIGKILL || custom === undefined || custom === signal)) {
    await thawQuietly(rec);
    rmSync(join(runDir(d, rec.Id), 'paused'), { force: true });
  }
}

/** Marks the container stopped by hand: its restart policy does not bring it back. */
export function markStopped(d: Dirs, id: string): void {
  try {
    writeFileSync(join(runDir(d, id), 'stopped'), '');
  } catch {
    /* not running */
  }
}

/** Docker's stop: the stop signal, then SIGKILL after `timeout` seconds (negative: wait forever). */
export async function stopContainer(d: Dirs, rec: ContainerRecord, timeout: number): Promise<void> {
  markStopped(d, rec.Id);
  try {
    writeRecord(d, { ...readRecord(d, rec.Id), ManuallyStopped: true });
  } catch {
    /* removed meanwhile */
  }
  const live = liveState(d, rec);
  // Between two runs, the supervisor sees the `stopped` mark at the end of its delay and ends.
  if (live.status === 'restarting') await waitUntilStopped(d, rec);
  if (live.status === 'running' || live.status === 'paused') {
    try {
      killPid(live.pid, stopSignalOf(rec));
    } catch {
      /* gone meanwhile */
    }
    if (live.status === 'paused') await thawQuietly(rec);
    const exited = waitUntilStopped(d, rec);
    if (timeout < 0) await exited;
    else {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), timeout * 1000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        try {
          // Exited meanwhile: its live state has pid 0, which must not reach kill(2).
          killPid(liveState(d, rec).pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
        await exited;
      }
    }
  }
  await cleanupContainer(d, rec.Id);
}

async function thawQuietly(rec: ContainerRecord): Promise<void> {
  await cgroupOf(rec)
    .thaw()
    .catch(() => {});
}

/** Removes a container that is not running (the caller stopped it or refused). */
export function removeContainer(d: Dirs, rec: ContainerRecord): void {
  removeContainerFiles(d, readRecordOr(d, rec));
}

const readRecordOr = (d: Dirs, rec: ContainerRecord) => {
  try {
    return readRecord(d, rec.Id);
  } catch {
    return rec;
  }
};
