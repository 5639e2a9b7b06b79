/**
 * The cgroup v1 driver: one dir per hierarchy (memory, cpu, cpuacct, cpuset, pids, blkio, freezer,
 * devices, name=systemd, ...) and, on hybrid hosts, the unified cgroup2 too, as runc does.
 */
import type { CgroupFs } from '../../kernel/cgroupfs.js';
import { isNotFound } from '../../kernel/errors.js';
import { checkHostResources } from './flags.js';
import { parseFlatKeyed, parseLimit, parsePids, sumBlkioV1, usageWithoutCache, waitUntil } from './files.js';
import type { Cgroup, CgroupStats, Resources } from './index.js';
import { hierarchyOf, type CgroupLayout } from './layout.js';
import { planV1, throttledPaths } from './plan.js';
import { ancestorsOf, killAllIn, makeDirs, removeDirs, removeDirsKillingIfBusy, resolveDevices } from './shared.js';

type V1Layout = Extract<CgroupLayout, { version: 1 }>;

export class V1Cgroup implements Cgroup {
  constructor(
    private readonly layout: V1Layout,
    private readonly path: string,
    private readonly fs: CgroupFs,
    private readonly warn: (message: string) => void,
  ) {}

  /** The container's dir in the hierarchy with `controller`, if it is mounted. */
  private dir(controller: string): string | undefined {
    const h = hierarchyOf(this.layout, controller);
    return h && `${h.mountPoint}${this.path}`;
  }

  /** The mount points of every hierarchy the container joins. */
  private roots(): string[] {
    return [...this.layout.hierarchies.map((h) => h.mountPoint), ...(this.layout.unified ? [this.layout.unified] : [])];
  }

  procsFiles(): string[] {
    return this.roots().map((root) => `${root}${this.path}/cgroup.procs`);
  }

  async create(r: Resources): Promise<void> {
    const cpuset = hierarchyOf(this.layout, 'cpuset')?.mountPoint;
    const devices = await resolveDevices(this.fs, throttledPaths(r));
    const made: string[] = [];
    try {
      for (const root of this.roots()) made.push(...(await makeDirs(this.fs, root, this.path)));
      const parent = cpuset ? await this.inheritCpusets(cpuset) : undefined;
      const parentCpus = parent?.cpus ?? '';
      checkHostResources(r, this.fs.hostCpus(), parentCpus || `0-${this.fs.hostCpus() - 1}`);
      const memory = hierarchyOf(this.layout, 'memory')?.mountPoint;
      const blkio = hierarchyOf(this.layout, 'blkio')?.mountPoint;
      const weightFile = blkio && (await this.firstExisting(blkio, ['blkio.weight', 'blkio.bfq.weight']));
      const plan = planV1(r, {
        controllers: new Set(this.layout.hierarchies.flatMap((h) => h.controllers)),
        devices,
        memsw: memory !== undefined && (await this.fs.exists(`${memory}/memory.memsw.limit_in_bytes`)),
        weightFile,
        parentCpus,
        parentMems: parent?.mems,
      });
      for (const { file, value } of plan.writes) await this.fs.write(`${this.dir(file.split('.')[0])}/${file}`, value);
      plan.warnings.forEach(this.warn);
    } catch (err) {
      await removeDirs(this.fs, made.reverse()).catch(() => {});
      throw err;
    }
  }

  private async firstExisting(dir: string, files: string[]): Promise<string | undefined> {
    for (const file of files) if (await this.fs.exists(`${dir}/${file}`)) return file;
    return undefined;
  }

  /**
   * A new cpuset cgroup starts with no CPUs and no memory nodes, and no process may join it: each
   * empty one above the container's gets its parent's, top first. Returns those of the container's parent.
   */
  private async inheritCpusets(root: string): Promise<{ cpus: string; mems: string }> {
    const read = async (dir: string) => ({
      cpus: (await this.fs.read(`${dir}/cpuset.cpus`)).trim(),
      mems: (await this.fs.read(`${dir}/cpuset.mems`)).trim(),
    });
    let above: { cpus: string; mems: string } | undefined;
    for (const dir of ancestorsOf(root, this.path).slice(0, -1)) {
      const own = await read(dir);
      for (const key of ['cpus', 'mems'] as const)
        if (own[key] === '') {
          above ??= await read(dir.slice(0, dir.lastIndexOf('/')));
          await this.fs.write(`${dir}/cpuset.${key}`, above[key]);
          own[key] = above[key];
        }
      above = own;
    }
    return above ?? read(root);
  }

  async freeze(): Promise<void> {
    await this.setFreezer('FROZEN');
  }

  async thaw(): Promise<void> {
    await this.setFreezer('THAWED');
  }

  /** Writes freezer.state and waits until the kernel reports it (FREEZING turns FROZEN once every task stops). */
  private async setFreezer(state: 'FROZEN' | 'THAWED'): Promise<void> {
    const dir = this.dir('freezer');
    if (!dir)
      throw new Error(
        `cannot ${state === 'FROZEN' ? 'freeze' : 'thaw'} cgroup ${JSON.stringify(this.path)}: the freezer hierarchy is not mounted`,
      );
    const file = `${dir}/freezer.state`;
    await waitUntil(
      async () => {
        await this.fs.write(file, state); // writing again helps a freeze that raced a fork
        return (await this.fs.read(file)).trim() === state;
      },
      () => new Error(`cannot set ${JSON.stringify(file)} to ${state}: it stays ${JSON.stringify('FREEZING')}`),
    );
  }

  async oomKilled(): Promise<boolean> {
    const dir = this.dir('memory');
    if (!dir) return false;
    return (parseFlatKeyed(await this.fs.read(`${dir}/memory.oom_control`)).get('oom_kill') ?? 0) > 0;
  }

  async stats(): Promise<CgroupStats> {
    const read = async (controller: string, file: string) => {
      const dir = this.dir(controller);
      return dir
        ? this.fs.read(`${dir}/${file}`).catch((err) => {
            if (isNotFound(err)) return '';
            throw err;
          })
        : '';
    };
    const memStat = parseFlatKeyed(await read('memory', 'memory.stat'));
    const limit = parseLimit(await read('memory', 'memory.limit_in_bytes')) || Infinity;
    const host = await this.fs.hostMemory();
    const io = sumBlkioV1(await read('blkio', 'blkio.throttle.io_service_bytes_recursive'));
    return {
      cpuUsageNs: Number((await read('cpuacct', 'cpuacct.usage')).trim() || 0),
      memoryUsage: usageWithoutCache(
        Number((await read('memory', 'memory.usage_in_bytes')).trim() || 0),
        memStat.get('total_inactive_file'),
      ),
      // An unlimited cgroup reads as a huge number; docker shows the host's memory instead.
      memoryLimit: host > 0 && limit > host ? host : limit,
      blkioReadBytes: io.read,
      blkioWriteBytes: io.write,
      pids: Number((await read('pids', 'pids.current')).trim() || 0),
    };
  }

  async pids(): Promise<number[]> {
    const dir = this.dir('freezer') ?? `${this.layout.hierarchies[0].mountPoint}${this.path}`;
    return parsePids(
      await this.fs.read(`${dir}/cgroup.procs`).catch((err) => {
        if (isNotFound(err)) return '';
        throw err;
      }),
    );
  }

  async killAll(): Promise<void> {
    const hasFreezer = this.dir('freezer') !== undefined;
    await killAllIn(
      this.fs,
      this.path,
      () => this.pids(),
      hasFreezer ? { freeze: () => this.freeze(), thaw: () => this.thaw() } : undefined,
    );
  }

  async destroy(): Promise<void> {
    await removeDirsKillingIfBusy(
      this.fs,
      this.roots().map((root) => `${root}${this.path}`),
      () => this.killAll(),
    );
  }
}
