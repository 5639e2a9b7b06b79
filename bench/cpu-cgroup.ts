/**
 * The CPU of a command and of everything it starts, counted in a cgroup of its own: a process may
 * outlive the command's exit (berth's Bun program ends after the C front that the caller waits
 * for, plugins/front/berth-wait.c), and GNU time counts only the children it waited for. The
 * bench process itself moves into the cgroup for the spawn and back out after it, so nothing more
 * runs between the timer and the command; its own CPU in that window is subtracted. The count is
 * read once every process in the cgroup has ended. cgroup v1's cpuacct hierarchy (cpuacct.usage),
 * else cgroup v2 (cpu.stat's usage_usec, kept without the cpu controller).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How long the processes of one command may stay after it has exited before the bench gives up. */
const DRAIN_LIMIT_MS = 30_000;

interface Hierarchy {
  mount: string;
  /** This process's own cgroup in it, to return to. */
  home: string;
  /** The CPU time (ns) of a cgroup dir. */
  usageNs(dir: string): number;
}

function findHierarchy(): Hierarchy {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = mounts.map((l) => / - cgroup cgroup \S*\bcpuacct\b/.test(l) && l.split(' ')[4]).find(Boolean);
  if (v1) {
    const line = own.find((l) => l.split(':')[1]?.split(',').includes('cpuacct'));
    return {
      mount: v1,
      home: line?.split(':')[2] ?? '/',
      usageNs: (dir) => Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')),
    };
  }
  const v2 = mounts.map((l) => / - cgroup2 /.test(l) && l.split(' ')[4]).find(Boolean);
  if (!v2) throw new Error('no cgroup hierarchy counts CPU here (neither cpuacct nor cgroup v2 is mounted)');
  return {
    mount: v2,
    home: own.find((l) => l.startsWith('0::'))?.slice(3) ?? '/',
    usageNs: (dir) => Number(/^usage_usec (\d+)/m.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))?.[1]) * 1000,
  };
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Counts commands' CPU in cgroups under `parent` (e.g. /berth-bench-PID, removed by the caller).
 * @example
 * const cpu = cpuCounter('/berth-bench-42');
 * const { value, cpuMs } = cpu.count(() => spawnSync('true'));
 */
export function cpuCounter(parent: string): { count<T>(run: () => T): { value: T; cpuMs: number } } {
  const h = findHierarchy();
  let n = 0;
  const enter = (dir: string) => writeFileSync(join(dir, 'cgroup.procs'), `${process.pid}\n`);
  return {
    count(run) {
      const dir = join(h.mount, parent, `cpu-${n++}`);
      mkdirSync(dir, { recursive: true });
      try {
        enter(dir);
        const before = process.cpuUsage();
        let own = before;
        let value;
        try {
          value = run();
        } finally {
          own = process.cpuUsage(before);
          enter(join(h.mount, h.home));
        }
        for (let waited = 0; readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== ''; waited++) {
          if (waited > DRAIN_LIMIT_MS) throw new Error(`processes of a timed command still run after ${DRAIN_LIMIT_MS} ms (${dir})`);
          sleepMs(1);
        }
        return { value, cpuMs: h.usageNs(dir) / 1e6 - (own.user + own.system) / 1000 };
      } finally {
        if (existsSync(dir)) rmdirSync(dir);
      }
    },
  };
}
