/**
 * The live state of a container, from its supervisor's files in the state dir (shim.json, written
 * by berth-shim) and whether that supervisor is still alive.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir, type Dirs } from './paths.js';
import { NEVER, type ContainerRecord } from './record.js';

/** What a run of the container's process left: shared by shim.json and the combined state. */
interface RunFacts {
  pid: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  error: string;
}

/** shim.json, as berth-shim writes it. */
export interface ShimStatus extends RunFacts {
  shimPid: number;
  status: 'running' | 'restarting' | 'exited';
}

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface Live extends RunFacts {
  status: Status;
  /** The supervisor is gone, its container not yet cleaned up (cgroup, state dir): `berth gc`'s work. */
  needsCleanup: boolean;
}

/** The ids of the containers that have a state dir (a supervisor's files), listed once for `ps`. */
export function idsWithRunDir(d: Dirs): Set<string> {
  try {
    return new Set(readdirSync(join(d.stateDir, 'containers')));
  } catch {
    return new Set();
  }
}

export function readShimStatus(d: Dirs, id: string): ShimStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir(d, id), 'shim.json'), 'utf8')) as ShimStatus;
  } catch {
    return undefined;
  }
}

/** Is `pid` a berth-shim supervisor? Its command line says so; a reused pid does not. */
export function isSupervisor(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[0].endsWith('berth-shim') && argv[1] === 'supervise';
  } catch {
    return false;
  }
}

/**
 * A first start before its supervisor wrote shim.json: the start saves the record as exited while
 * the supervisor builds the root (runtime/start.ts), and dockerd shows it created until it runs.
 */
function startingFirstRun(d: Dirs, rec: Pick<ContainerRecord, 'Id' | 'State'>, runDirs?: ReadonlySet<string>): boolean {
  if (rec.State.Status !== 'exited' || rec.State.StartedAt !== NEVER) return false;
  return runDirs ? runDirs.has(rec.Id) : existsSync(runDir(d, rec.Id));
}

/**
 * Combines the saved record and the supervisor's files into the state `ps` and `inspect` show.
 * `runDirs` (idsWithRunDir): a container without a state dir has no supervisor files, so `ps`
 * does not try to read them for every container never started (a failed read costs an exception).
 */
export function liveState(d: Dirs, rec: Pick<ContainerRecord, 'Id' | 'State' | 'RestartCount'>, runDirs?: ReadonlySet<string>): Live {
  const saved = rec.State;
  const shim = runDirs && !runDirs.has(rec.Id) ? undefined : readShimStatus(d, rec.Id);
  const base: Live = {
    status: saved.Status,
    pid: 0,
    exitCode: saved.ExitCode,
    startedAt: saved.StartedAt,
    finishedAt: saved.FinishedAt,
    restartCount: rec.RestartCount,
    error: saved.Error,
    needsCleanup: false,
  };
  if (!shim) return startingFirstRun(d, rec, runDirs) ? { ...base, status: 'created' } : base;
  const alive = isSupervisor(shim.shimPid);
  const fromShim = {
    pid: shim.pid,
    exitCode: shim.exitCode,
    startedAt: shim.startedAt || base.startedAt,
    finishedAt: shim.finishedAt || base.finishedAt,
    restartCount: rec.RestartCount + shim.restartCount,
    error: shim.error,
  };
  if (alive && shim.status !== 'exited') {
    const paused = existsSync(join(runDir(d, rec.Id), 'paused'));
    return {
      ...base,
      ...fromShim,
      status: paused ? 'paused' : shim.status,
      finishedAt: shim.status === 'running' ? base.finishedAt : fromShim.finishedAt,
    };
  }
  if (shim.status === 'exited') return { ...base, ...fromShim, pid: 0, status: 'exited', needsCleanup: !alive };
  // The supervisor died while its container ran: PR_SET_PDEATHSIG killed the container with it.
  return {
    ...base,
    ...fromShim,
    pid: 0,
    status: 'exited',
    exitCode: 137,
    error: 'the supervisor (berth-shim) was killed',
    needsCleanup: true,
  };
}
