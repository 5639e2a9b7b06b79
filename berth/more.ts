/** `berth pause|unpause|rename|top|stats|attach`. */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Globals } from './globals.js';
import { eachLockedContainer, findContainer, withCleanState } from './context.js';
import { messageOf, requireArgs } from './errors.js';
import { parseFlags } from './flags.js';
import { formatStats, sampleStats } from '../runtime/cgroup/stats.js';
import { STATS_DEFAULT_FORMAT, STATS_HEADERS, statsFields } from '../runtime/cgroup/stats.js';
import { formatRows } from '../lib/format-rows.js';
import { cgroupOf } from '../runtime/cgroups.js';
import { checkName } from '../runtime/ids.js';
import { topTable } from '../runtime/top.js';
import { liveState } from '../runtime/live.js';
import { readNetIO } from '../runtime/net-io.js';
import type { ContainerRecord } from '../runtime/record.js';
import { attachSocket, runDir } from '../runtime/paths.js';
import { attachStreams } from '../runtime/attach.js';
import { FrameDecoder } from '../runtime/frames.js';
import { connect } from 'node:net';
import { claimName, listRecords, readRecord, releaseName, withContainerLock, writeRecord } from '../runtime/store.js';
import { printOut } from '../lib/write-out.js';

export async function pause(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'pause');
  requireArgs(args, 'pause');
  const d = await withCleanState(g);
  return eachLockedContainer(d, args, async (rec) => {
    const s = liveState(d, rec).status;
    if (s === 'paused') throw new Error(`Container ${rec.Id} is already paused`);
    if (s !== 'running') throw new Error(`Container ${rec.Id} is not running`);
    await cgroupOf(rec).freeze();
    writeFileSync(join(runDir(d, rec.Id), 'paused'), '');
  });
}

export async function unpause(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'unpause');
  requireArgs(args, 'unpause');
  const d = await withCleanState(g);
  return eachLockedContainer(d, args, async (rec) => {
    if (liveState(d, rec).status !== 'paused') throw new Error(`Container ${rec.Id} is not paused`);
    await cgroupOf(rec).thaw();
    rmSync(join(runDir(d, rec.Id), 'paused'), { force: true });
  });
}

export async function rename(g: Globals, argv: string[]): Promise<number> {
  const { args } = parseFlags([], argv, 'rename');
  requireArgs(args, 'rename', 2, true);
  const d = await withCleanState(g);
  try {
    const rec = findContainer(d, args[0]);
    const name = checkName(args[1]);
    await withContainerLock(d, rec.Id, async () => {
      const now = readRecord(d, rec.Id);
      if (now.Name === name) throw new Error(`Renaming a container with the same name as its current name`);
      try {
        claimName(d, name, rec.Id);
      } catch (err) {
        throw new Error(`Error when allocating new name: ${messageOf(err)}`); // dockerd's words
      }
      writeRecord(d, { ...now, Name: name });
      releaseName(d, now.Name, rec.Id);
    });
  } catch (err) {
    // As the docker CLI: the daemon's reason, then its own line naming the container.
    throw new Error(`${messageOf(err)}\nError: failed to rename container named ${args[0]}`);
  }
  return 0;
}

/** `top`: ps(1) of the container's processes (the cgroup's pids), Docker's default columns. */
export async function top(g: Globals, argv: string[]): Promise<number> {
  // ps's options follow the container untouched, as docker top's
  const { args } = parseFlags([], argv, 'top', false);
  requireArgs(args, 'top');
  const d = await withCleanState(g);
  const rec = findContainer(d, args[0]);
  if (liveState(d, rec).status !== 'running' && liveState(d, rec).status !== 'paused')
    throw new Error(`Container ${rec.Id} is not running`);
  const pids = await cgroupOf(rec).pids();
  const psArgs = args.length > 1 ? args.slice(1) : ['-ef'];
  printOut(topTable(runPs(psArgs), pids));
  return 0;
}

/** ps(1)'s output; on failure dockerd's one line: `ps: ` and the first line ps wrote to stderr. */
function runPs(psArgs: string[]): string {
  try {
    return execFileSync('ps', psArgs, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const { stderr, status } = err as { stderr?: string; status?: number | null };
    const first = (stderr ?? '').split('\n')[0];
    throw new Error(`ps: ${first || `exit status ${status ?? 1}`}`);
  }
}

export async function stats(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags(
    [
      { name: 'no-stream', type: 'bool', describe: 'print one sample and exit' },
      { name: 'all', short: 'a', type: 'bool', describe: 'all containers (default: running ones)' },
      { name: 'format', type: 'string', describe: 'table (default) or a Go template ("{{.Name}} {{.CPUPerc}}")' },
      { name: 'no-trunc', type: 'bool', describe: 'full container IDs' },
    ],
    argv,
    'stats',
  );
  const d = await withCleanState(g);
  // As docker: newest first, like ps.
  const recs = args.length
    ? args.map((ref) => findContainer(d, ref))
    : listRecords(d)
        .filter((r) => flags.all === true || liveState(d, r).status === 'running')
        .sort((a, b) => (a.Created < b.Created ? 1 : a.Created > b.Created ? -1 : 0));
  const containers = recs.map((r) => ({ id: r.Id, name: r.Name, cgroup: cgroupOf(r) }));
  for (;;) {
    // A container that is not up has no figures: docker shows 0B / 0B, not the host's memory as
    // the limit. The host's own traffic is not the container's: none for --network host.
    const live = (r: ContainerRecord) => {
      const now = liveState(d, r);
      if (now.status !== 'running' && now.status !== 'paused') return { memoryLimit: 0 };
      return r.HostConfig.NetworkMode === 'host' ? {} : readNetIO(now.pid);
    };
    const rows = (await sampleStats(containers)).map((row, i) => ({ ...row, ...live(recs[i]) }));
    const format = typeof flags.format === 'string' && flags.format !== 'table' ? flags.format : undefined;
    const noTrunc = flags['no-trunc'] === true;
    const fields = rows.map((r) => statsFields(r, noTrunc));
    const text = format ? formatRows(format, fields, STATS_HEADERS, STATS_DEFAULT_FORMAT) : formatStats(rows, noTrunc);
    printOut(`${flags['no-stream'] === true ? '' : '\x1b[2J\x1b[H'}${text}`);
    if (flags['no-stream'] === true) return 0;
  }
}

/** `attach`: the running container's output (and stdin, when it was started with -i); ctrl-p ctrl-q detaches. */
export async function attach(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = parseFlags([{ name: 'no-stdin', type: 'bool', describe: 'do not attach stdin' }], argv, 'attach');
  requireArgs(args, 'attach', 1, true);
  const d = await withCleanState(g);
  const rec = findContainer(d, args[0]);
  if (liveState(d, rec).status !== 'running') throw new Error('You cannot attach to a stopped container, start it first');
  const channel = connect(attachSocket(d, rec.Id));
  await new Promise<void>((resolve, reject) => {
    channel.once('connect', resolve);
    channel.once('error', reject);
  });
  const end = await attachStreams(channel, new FrameDecoder(), [], {
    stdin: rec.Config.OpenStdin && flags['no-stdin'] !== true,
    tty: rec.Config.Tty,
  });
  channel.destroy();
  if (end.kind === 'exit') return end.code;
  return 0;
}
