/**
 * An in-memory cgroupfs for the drivers' unit tests, with the kernel behaviour they rely on:
 * a new cgroup dir gets its control files (v2: those of the controllers its parent enabled in
 * cgroup.subtree_control), "+ctrl" writes append, cgroup.freeze is reported in cgroup.events,
 * cgroup.kill and SIGKILL empty cgroup.procs, rmdir refuses a populated dir. Every write is logged.
 */
import type { CgroupFs } from '../../kernel/cgroupfs';
import { KernelError } from '../../kernel/errors';

/** Control files a new v2 cgroup gets per enabled controller (and always). */
const V2_FILES: Record<string, Record<string, string>> = {
  '': {
    'cgroup.procs': '',
    'cgroup.controllers': '',
    'cgroup.subtree_control': '',
    'cgroup.freeze': '0',
    'cgroup.events': 'populated 0\nfrozen 0\n',
    'cgroup.kill': '',
  },
  memory: {
    'memory.max': 'max',
    'memory.swap.max': 'max',
    'memory.low': '0',
    'memory.current': '0',
    'memory.stat': '',
    'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
  },
  cpu: { 'cpu.max': 'max 100000', 'cpu.weight': '100', 'cpu.stat': 'usage_usec 0\n' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.cpus.effective': '0-1' },
  io: { 'io.max': '', 'io.weight': 'default 100', 'io.stat': '' },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
};

export class FakeCgroupFs implements CgroupFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  readonly writes: string[] = [];
  /** Per v1 hierarchy dir name (e.g. "cpuset"): the files a new cgroup there starts with. */
  readonly v1Files: Record<string, Record<string, string>> = {};
  killed: number[] = [];

  constructor(
    readonly mountinfoText: string,
    readonly v2Root?: string,
  ) {}

  /** Adds a dir with files (the roots of the fake hierarchies). */
  seed(dir: string, files: Record<string, string> = {}): this {
    this.dirs.add(dir);
    for (const [name, text] of Object.entries(files)) this.files.set(`${dir}/${name}`, text);
    return this;
  }

  mountinfo(): string {
    return this.mountinfoText;
  }

  async read(path: string): Promise<string> {
    const text = this.files.get(path);
    if (text === undefined) throw new KernelError('read', path, 'ENOENT');
    return text;
  }

  async write(path: string, value: string): Promise<void> {
    if (!this.files.has(path)) throw new KernelError(`write ${JSON.stringify(value)} to`, path, 'ENOENT');
    this.writes.push(`${path} ${value}`);
    const dir = path.slice(0, path.lastIndexOf('/')),
      name = path.slice(dir.length + 1);
    if (name === 'cgroup.subtree_control') {
      const now = new Set(this.files.get(path)!.split(/\s+/).filter(Boolean));
      for (const op of value.split(/\s+/)) op.startsWith('+') ? now.add(op.slice(1)) : now.delete(op.slice(1));
      this.files.set(path, [...now].join(' '));
    } else if (name === 'cgroup.freeze') {
      this.files.set(`${dir}/cgroup.events`, `populated 1\nfrozen ${value}\n`);
      this.files.set(path, value);
    } else if (name === 'cgroup.kill') {
      this.files.set(`${dir}/cgroup.procs`, '');
    } else {
      this.files.set(path, value);
    }
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path) || this.dirs.has(path);
  }

  async mkdir(path: string): Promise<boolean> {
    if (this.dirs.has(path)) return false;
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (!this.dirs.has(parent)) throw new KernelError('create cgroup', path, 'ENOENT');
    this.dirs.add(path);
    if (this.v2Root && path.startsWith(`${this.v2Root}/`)) {
      const enabled = (this.files.get(`${parent}/cgroup.subtree_control`) ?? '').split(/\s+/).filter(Boolean);
      for (const c of ['', ...enabled])
        for (const [name, text] of Object.entries(V2_FILES[c] ?? {})) this.files.set(`${path}/${name}`, text);
      this.files.set(`${path}/cgroup.controllers`, enabled.join(' '));
    } else {
      const hierarchy = Object.keys(this.v1Files).find((h) => path.includes(`/${h}/`));
      this.files.set(`${path}/cgroup.procs`, '');
      for (const [name, text] of Object.entries(hierarchy ? this.v1Files[hierarchy] : {})) this.files.set(`${path}/${name}`, text);
    }
    return true;
  }

  async list(path: string): Promise<string[]> {
    return [...this.dirs]
      .filter((d) => d.startsWith(`${path}/`) && !d.slice(path.length + 1).includes('/'))
      .map((d) => d.slice(path.length + 1));
  }

  async rmdir(path: string): Promise<void> {
    if (!this.dirs.has(path)) throw new KernelError('remove cgroup', path, 'ENOENT');
    if ([...this.dirs].some((d) => d.startsWith(`${path}/`))) throw new KernelError('remove cgroup', path, 'EBUSY');
    if ((this.files.get(`${path}/cgroup.procs`) ?? '').trim() !== '') throw new KernelError('remove cgroup', path, 'EBUSY');
    this.dirs.delete(path);
    for (const f of [...this.files.keys()]) if (f.startsWith(`${path}/`)) this.files.delete(f);
  }

  kill(pid: number, signal: NodeJS.Signals): void {
    if (signal !== 'SIGKILL') return;
    this.killed.push(pid);
    for (const [path, text] of this.files)
      if (path.endsWith('/cgroup.procs'))
        this.files.set(
          path,
          text
            .split('\n')
            .filter((l) => l.trim() !== String(pid))
            .join('\n'),
        );
  }

  async blockDevice(path: string): Promise<string> {
    if (path === '/dev/loop7') return '7:7';
    throw new KernelError('stat', path, 'ENOENT');
  }

  async hostMemory(): Promise<number> {
    return 2 * 1024 ** 3;
  }

  hostCpus(): number {
    return 2;
  }
}
