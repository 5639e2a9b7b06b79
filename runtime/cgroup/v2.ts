/**
 * The cgroup v2 driver: one dir in the unified tree; the parents enable the controllers in their
 * cgroup.subtree_control (a v2 controller reaches a child only that way).
 */
import type { CgroupFs } from '../../kernel/cgroupfs.js';
import { isNotFound } from '../../kernel/errors.js';
import { checkHostResources } from './flags.js';
import { parseFlatKeyed, parseLimit, parsePids, sumIoStatV2, usageWithoutCache, waitUntil } from './files.js';
import type { Cgroup, CgroupStats, Resources } from './index.js';
import { planV2, throttledPaths } from './plan.js';
import { ancestorsOf, killAllIn, removeDirs, removeDirsKillingIfBusy, resolveDevices } from './shared.js';

/** The controllers a container's limits use. */
const WANTED = ['cpu', 'cpuset', 'io', 'memory', 'pids'];

export class V2Cgroup implements Cgroup {
  private readonly dir: string;

  constructor(
    private readonly root: string,
    private readonly path: string,
    private readonly fs: CgroupFs,
    private readonly warn: (message: string) => void,
  ) {
    this.dir = `${root}${path}`;
  }

  procsFiles(): string[] {
    return [`${this.dir}/cgroup.procs`];
  }

  private async readOr(file: string, fallback: string): Promise<string> {
    return this.fs.read(`${this.dir}/${file}`).catch((err) => {
      if (isNotFound(err)) return fallback;
      throw err;
    });
  }

  async create(r: Resources): Promise<void> {
    const devices = await resolveDevices(this.fs, throttledPaths(r));
    const made: string[] = [];
    try {
      let parent = this.root;
      for (const dir of ancestorsOf(this.root, this.path)) {
        await this.enableControllers(parent);
        if (await this.fs.mkdir(dir)) made.push(dir);
        parent = dir;
      }
      const controllers = new Set(words(await this.fs.read(`${this.dir}/cgroup.controllers`)));
      const parentCpus = (await this.fs.read(`${parentOf(this.dir)}/cpuset.cpus.effective`).catch(() => '')).trim();
      checkHostResources(r, this.fs.hostCpus(), parentCpus || `0-${this.fs.hostCpus() - 1}`);
      const weightFile = (await this.fs.exists(`${this.dir}/io.bfq.weight`))
        ? 'io.bfq.weight'
        : (await this.fs.exists(`${this.dir}/io.weight`))
          ? 'io.weight'
          : undefined;
      const plan = planV2(r, { controllers, devices, weightFile });
      for (const { file, value } of plan.writes) await this.fs.write(`${this.dir}/${file}`, value);
      plan.warnings.forEach(this.warn);
    } catch (err) {
      await removeDirs(this.fs, made.reverse()).catch(() => {});
      throw err;
    }
  }

  /** Enables in `dir`'s children every wanted controller `dir` has and has not enabled yet. */
  private async enableControllers(dir: string): Promise<void> {
    const available = new Set(words(await this.fs.read(`${dir}/cgroup.controllers`)));
    const enabled = new Set(words(await this.fs.read(`${dir}/cgroup.subtree_control`)));
    for (const c of WANTED) if (available.has(c) && !enabled.has(c)) await this.fs.write(`${dir}/cgroup.subtree_control`, `+${c}`);
  }

  async freeze(): Promise<void> {
    await this.setFrozen(true);
  }

  async thaw(): Promise<void> {
    await this.setFrozen(false);
  }

  /** Writes cgroup.freeze and waits for cgroup.events to report the state (the kernel freezes tasks one by one). */
  private async setFrozen(frozen: boolean): Promise<void> {
    const want = frozen ? 1 : 0;
    await this.fs.write(`${this.dir}/cgroup.freeze`, String(want));
    await waitUntil(
      async () => parseFlatKeyed(await this.fs.read(`${this.dir}/cgroup.events`)).get('frozen') === want,
      () =>
        new Error(`cannot ${frozen ? 'freeze' : 'thaw'} cgroup ${JSON.stringify(this.path)}: cgroup.events does not show "frozen ${want}"`),
    );
  }

  async oomKilled(): Promise<boolean> {
    return (parseFlatKeyed(await this.readOr('memory.events', '')).get('oom_kill') ?? 0) > 0;
  }

  async stats(): Promise<CgroupStats> {
    const memStat = parseFlatKeyed(await this.readOr('memory.stat', ''));
    const limit = parseLimit(await this.readOr('memory.max', 'max'));
    const host = await this.fs.hostMemory();
    const io = sumIoStatV2(await this.readOr('io.stat', ''));
    return {
      cpuUsageNs: (parseFlatKeyed(await this.readOr('cpu.stat', '')).get('usage_usec') ?? 0) * 1000,
      memoryUsage: usageWithoutCache(Number((await this.readOr('memory.current', '0')).trim()), memStat.get('inactive_file')),
      memoryLimit: host > 0 && limit > host ? host : limit,
      blkioReadBytes: io.read,
      blkioWriteBytes: io.write,
      pids: Number((await this.readOr('pids.current', '0')).trim()),
    };
  }

  async pids(): Promise<number[]> {
    return parsePids(await this.readOr('cgroup.procs', ''));
  }

  async killAll(): Promise<void> {
    // cgroup.kill (Linux 5.14) kills every process at once, forks included.
    if ((await this.pids()).length > 0 && (await this.fs.exists(`${this.dir}/cgroup.kill`)))
      await this.fs.write(`${this.dir}/cgroup.kill`, '1');
    await killAllIn(this.fs, this.path, () => this.pids(), { freeze: () => this.freeze(), thaw: () => this.thaw() });
  }

  async destroy(): Promise<void> {
    await removeDirsKillingIfBusy(this.fs, [this.dir], () => this.killAll());
  }
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function parentOf(dir: string): string {
  return dir.slice(0, dir.lastIndexOf('/'));
}
