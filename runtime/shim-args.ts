/** The command lines of berth-shim (runtime/shim/spec.c reads them). Pure. */
import { capabilityMask } from './caps.js';
import { renderSeccompRules } from './seccomp-profile.js';
import { seccompProfileOf } from './security-opt.js';
import { parseSize, processEnv } from './spec.js';
import type { ContainerRecord } from './record.js';
import { renderIdMap } from './userns.js';

export interface ShimPaths {
  bundle: string;
  state: string;
  socket: string;
  init?: string;
  exitCommand: string[];
  terminal?: { rows: number; cols: number };
  /** The mount options (runtime/volumes/points.ts renderShimMounts). */
  mounts?: string[];
  /** The prepared network namespace the container joins (CNI networks, container:CTR). */
  netns?: string;
  /** Binds of the container's /etc/hosts, /etc/hostname, /etc/resolv.conf, below the user's own. */
  etcBinds?: readonly string[];
  /** The shared layer of mount points (runtime/init-layer.ts), on top of the image's. */
  initLayer?: string;
  /** The supervisor binds a new network namespace on `netns` (a file) first, and says so (Netns frame). */
  makeNetns?: boolean;
  /** The command waits for a Release frame on the channel: the networks' ADD runs meanwhile. */
  awaitRelease?: boolean;
  /** The berth command on the channel cleans up after the exit (a foreground run): no exit command then. */
  owned?: boolean;
}

/**
 * The process options run and exec share: user, capabilities, privileges, seccomp, the user
 * namespace's maps. An `exec --privileged` keeps the container's seccomp filter, as in Docker; a
 * custom profile is resolved for the container's capabilities at each start and exec.
 */
function processArgs(rec: ContainerRecord, user = rec.Process, privileged = rec.HostConfig.Privileged): string[] {
  const out = ['--uid', String(user.uid), '--gid', String(user.gid), '--caps', capabilityMask(rec.Process.capabilities)];
  for (const g of user.groups) out.push('--group', String(g));
  if (privileged) out.push('--privileged');
  const seccomp = seccompProfileOf(rec.HostConfig);
  if (seccomp === 'unconfined') out.push('--seccomp', 'unconfined');
  else if (seccomp !== 'default') out.push('--seccomp-rules', renderSeccompRules(seccomp, rec.Process.capabilities));
  if (rec.IdMap) out.push('--uid-map', renderIdMap(rec.IdMap.uid), '--gid-map', renderIdMap(rec.IdMap.gid));
  return out;
}

/** `berth-shim supervise ...` for a container whose cgroup files are `procs`. */
export function superviseArgs(rec: ContainerRecord, paths: ShimPaths, procs: readonly string[]): string[] {
  const h = rec.HostConfig,
    c = rec.Config;
  const out = [
    'supervise',
    '--id',
    rec.Id,
    '--bundle',
    paths.bundle,
    '--state',
    paths.state,
    '--socket',
    paths.socket,
    '--network',
    paths.netns ?? h.NetworkMode,
    '--log-max-size',
    String(parseSize(h.LogConfig.Config['max-size'] ?? '10m')),
    '--log-max-file',
    h.LogConfig.Config['max-file'] ?? '3',
  ];
  for (const dir of paths.initLayer ? [...rec.LayerDirs, paths.initLayer] : rec.LayerDirs) out.push('--lower', dir);
  for (const p of procs) out.push('--procs', p);
  for (const b of paths.etcBinds ?? []) out.push('--bind', b);
  out.push(...(paths.mounts ?? []));
  for (const e of processEnv(c, c.Tty, rec.Process.home)) out.push('--env', e);
  if (c.Hostname) out.push('--hostname', c.Hostname);
  if (c.WorkingDir) out.push('--cwd', c.WorkingDir);
  if (h.RestartPolicy.Name !== 'no')
    out.push(
      '--restart',
      h.RestartPolicy.Name === 'on-failure' && h.RestartPolicy.MaximumRetryCount
        ? `on-failure:${h.RestartPolicy.MaximumRetryCount}`
        : h.RestartPolicy.Name,
    );
  if (h.ReadonlyRootfs) out.push('--read-only');
  if (h.AutoRemove) out.push('--ephemeral'); // never mounted again: overlayfs's volatile
  if (paths.makeNetns) out.push('--make-netns');
  if (paths.awaitRelease) out.push('--await-release');
  if (paths.owned) out.push('--owned');
  if (c.OpenStdin) out.push('--stdin');
  if (c.Tty) out.push('--tty');
  if (c.Tty && paths.terminal) out.push('--rows', String(paths.terminal.rows), '--cols', String(paths.terminal.cols));
  if (h.Init && paths.init) out.push('--init', paths.init);
  for (const word of paths.exitCommand) out.push('--exit-command', word);
  out.push(...processArgs(rec));
  return [...out, '--', rec.Path, ...rec.Args];
}

export interface ExecOptions {
  pid: number;
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; groups: number[] };
  tty: boolean;
  privileged: boolean;
}

/** `berth-shim exec ...`: a process in the running container. */
export function execArgs(rec: ContainerRecord, o: ExecOptions, procs: readonly string[], command: readonly string[]): string[] {
  const out = ['exec', '--pid', String(o.pid)];
  for (const p of procs) out.push('--procs', p);
  for (const e of o.env) out.push('--env', e);
  if (o.cwd) out.push('--cwd', o.cwd);
  if (o.tty) out.push('--tty');
  out.push(...processArgs(rec, { ...o.user, capabilities: rec.Process.capabilities }, rec.HostConfig.Privileged || o.privileged));
  return [...out, '--', ...command];
}

/**
 * The options of `berth-shim exec` for a plain `berth exec CTR CMD` (no -u, -e, -w, -t): what the
 * front (plugins/front/berth.c) completes with the pid, its flags and the command, so a repeated exec
 * needs no JavaScript. Saved beside shim.json, NUL-separated (docs/internals/speed.md).
 */
export function execTemplate(rec: ContainerRecord, procs: readonly string[]): string[] {
  const opts = {
    pid: 0,
    env: processEnv(rec.Config, false, rec.Process.home),
    cwd: rec.Config.WorkingDir,
    user: rec.Process,
    tty: false,
    privileged: false,
  };
  return execArgs(rec, opts, procs, []).slice(3, -1);
}
