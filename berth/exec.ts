/** `berth exec [-d] [-i] [-t] [-e] [--env-file] [-w] [-u] [--privileged] CONTAINER COMMAND [ARG...]`. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Globals } from './globals.js';
import { findContainer, withCleanState } from './context.js';
import { ExitError, requireArgs } from './errors.js';
import { list, parseFlags, str } from './flags.js';
import { readEnvFiles } from './env-files.js';
import { readImageFile } from '../image/rootfs-files.js';
import { cgroupOf } from '../runtime/cgroups.js';
import { liveState } from '../runtime/live.js';
import { saveExecTemplate } from '../runtime/exec-template.js';
import { execArgs } from '../runtime/shim-args.js';
import { mergeEnv, processEnv } from '../runtime/spec.js';
import { shimPath } from '../runtime/shim-path.js';
import { resolveUser, type ResolvedUser } from '../runtime/user.js';

export async function exec(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'detach', short: 'd', type: 'bool', describe: 'run in the background' },
      { name: 'interactive', short: 'i', type: 'bool', describe: 'keep stdin open' },
      { name: 'tty', short: 't', type: 'bool', describe: 'allocate a pseudo-terminal' },
      { name: 'env', short: 'e', type: 'list', describe: 'set environment variables' },
      { name: 'env-file', type: 'list', describe: 'read in a file of environment variables' },
      { name: 'workdir', short: 'w', type: 'string', describe: 'working directory inside the container' },
      { name: 'user', short: 'u', type: 'string', describe: 'UID[:GID] or NAME[:GROUP]' },
      { name: 'privileged', type: 'bool', describe: 'every capability for this process' },
    ],
    argv,
    'exec',
    false,
  );
  requireArgs(args, 'exec', 2);
  const d = await withCleanState(g);
  const rec = findContainer(d, args[0]);
  const live = liveState(d, rec);
  if (live.status === 'paused') throw new Error(`Container ${args[0]} is paused, unpause the container before exec`); // dockerd names it as given here
  if (live.status !== 'running') throw new Error(`Container ${rec.Id} is not running`);
  const root = `/proc/${live.pid}/root`;
  // Read as the container sees it: a host-side read of /proc/PID/root/etc/passwd would follow an absolute link onto the host's.
  const etc = (name: string) => readImageFile([root], `/etc/${name}`);
  let user: Omit<ResolvedUser, 'home'> = rec.Process;
  if (str(flags.user) !== undefined) {
    try {
      user = resolveUser(str(flags.user) as string, etc('passwd'), etc('group'));
    } catch (err) {
      // docker exec: a user the container does not know keeps the process from starting (126).
      throw new ExitError((err as Error).message, 126);
    }
  }
  const given = [...readEnvFiles(list(flags['env-file']), (m) => new Error(m)), ...list(flags.env)];
  const env = mergeEnv(processEnv(rec.Config, flags.tty === true, rec.Process.home), given, process.env);
  const procs = cgroupOf(rec).procsFiles();
  const shimArgs = execArgs(
    rec,
    {
      pid: live.pid,
      env,
      cwd: str(flags.workdir) ?? rec.Config.WorkingDir,
      user,
      tty: flags.tty === true,
      privileged: flags.privileged === true,
    },
    procs,
    args.slice(1),
  );
  const detach = flags.detach === true;
  saveExecTemplate(d, rec);
  const stdin = flags.interactive === true && !detach ? 'inherit' : 'ignore';
  const child = spawn(shimPath(), shimArgs, { stdio: detach ? 'ignore' : [stdin, 'inherit', 'inherit'], detached: detach });
  if (detach) {
    child.unref();
    return 0;
  }
  const forward = (s: NodeJS.Signals) => child.kill(s);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new ExitError(`cannot run berth-shim: ${err.message}`, 126)));
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
