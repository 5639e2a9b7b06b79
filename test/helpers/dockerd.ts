/**
 * A throwaway containerd + dockerd with all their state in one temp dir and nothing on the host
 * network (no bridge, no iptables, no forwarding), for the volume plugin's end-to-end test and
 * benchmark. Both daemons are stopped by PID and everything is removed by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, tarDirectory, type RootfsExtra } from './rootfs';
import { RUN_PREFIX, ensurePackages, run, type RunResult } from './sandbox';

export interface Dockerd {
  dir: string;
  /** Runs the Debian docker CLI against this daemon. */
  docker(args: string[], input?: string): Promise<RunResult>;
  /** Like docker() but throws with stderr on a non-zero exit; returns trimmed stdout. */
  dockerOk(args: string[], input?: string): Promise<string>;
  /** `docker rm -f -v` of every container (before a volume plugin used by them goes away). */
  removeContainers(): Promise<void>;
  /** kill -9 of dockerd (containerd and the containers stay), then dockerd again on the same state. */
  crashAndRestart(): Promise<void>;
  /** dockerd's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** The Debian packages the end-to-end test needs, installed when missing (apt-get update first). */
export function ensureDockerPackages(): void {
  ensurePackages('docker.io', 'busybox-static');
}

/**
 * Debian's CLI (same release as its dockerd); another `docker` on PATH may be far newer. Asked at
 * each call: test modules load before ensureDockerPackages() installs it.
 */
export function dockerCli(): string {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

export function waitExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function stopProcess(proc: ChildProcess | undefined, ms = 15_000): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  if (!(await waitExit(proc, ms))) {
    proc.kill('SIGKILL');
    await waitExit(proc, 5000);
  }
}

/**
 * This process's own cgroup path per v1 hierarchy dir ("memory" -> "/x/y"): a relative
 * --cgroup-parent lands below it, where this process is not in the root cgroup.
 */
function ownCgroups(): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [, controllers, path] = line.split(':');
    for (const c of controllers.split(',')) own.set(c.replace(/^name=/, ''), path);
  }
  return own;
}

/** Removes the cgroups dockerd made under our own parent (cgroup v1: one tree per controller). */
export function removeCgroups(parent: string): void {
  if (!existsSync('/sys/fs/cgroup')) return;
  const own = ownCgroups();
  const remove = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch {
      /* still busy or already gone */
    }
  };
  for (const controller of readdirSync('/sys/fs/cgroup'))
    for (const base of new Set([
      join('/sys/fs/cgroup', controller, parent),
      join('/sys/fs/cgroup', controller, own.get(controller) ?? '/', parent),
    ]))
      if (existsSync(base)) remove(base);
}

/**
 * What dockerd 20.10 and containerd 1.6 create outside the directories they are given: the trust
 * key (always /etc/docker/key.json), containerd's shim sockets, the plugin discovery dir, runc's
 * default root. Each is removed afterwards only if it was not there before (directories only when empty).
 */
const HOST_LEFTOVERS = ['/etc/docker/key.json', '/run/containerd/s', '/run/containerd', '/run/docker/plugins', '/run/docker', '/run/runc'];

function removeLeftovers(existed: ReadonlySet<string>): void {
  for (const path of HOST_LEFTOVERS) {
    if (existed.has(path) || !existsSync(path)) continue;
    try {
      if (path.endsWith('.json')) rmSync(path);
      else rmdirSync(path);
    } catch {
      /* not empty: someone else uses it now */
    }
  }
}

/** Unmounts everything below `dir` (deepest first): dockerd and the shims leave mounts in their state dirs on a crash. */
export function unmountBelow(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && p.startsWith(`${dir}/`));
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
}

/**
 * Starts containerd and dockerd in a new temp dir and waits until `docker version` answers.
 * Only cgroups under "berth-e2e-<run prefix>" and files under the temp dir are created.
 * `storageDriver` "overlay2" makes `docker build` write opaque-directory whiteouts (vfs, the
 * default, writes a whiteout per removed file instead).
 */
export async function startDockerd(opts: { storageDriver?: 'vfs' | 'overlay2' } = {}): Promise<Dockerd> {
  const existed = new Set(HOST_LEFTOVERS.filter((p) => existsSync(p)));
  const dir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-dk-`));
  const cgroupParent = `berth-e2e-${RUN_PREFIX}-${process.pid}`;
  let containerd: ChildProcess | undefined;
  let dockerd: ChildProcess | undefined;
  let dockerdLog = '';
  let containerdLog = '';
  const host = `unix://${join(dir, 'docker.sock')}`;
  const cliEnv = { DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'cli') };
  const docker = (args: string[], input?: string) => run(dockerCli(), args, { env: cliEnv, input });
  const startDockerdProcess = async () => {
    dockerd = spawn(
      'dockerd',
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '-H',
        host,
        '--pidfile',
        join(dir, 'docker.pid'),
        '--config-file',
        join(dir, 'daemon.json'),
        '--containerd',
        join(dir, 'containerd.sock'),
        '--containerd-namespace',
        `berth-e2e-${RUN_PREFIX}`,
        '--containerd-plugins-namespace',
        `berth-e2e-${RUN_PREFIX}-plugins`,
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--ip-forward=false',
        '--ip-masq=false',
        '--userland-proxy=false',
        '--exec-opt',
        'native.cgroupdriver=cgroupfs',
        '--cgroup-parent',
        cgroupParent,
        '--storage-driver',
        opts.storageDriver ?? 'vfs',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const proc = dockerd;
    proc.stderr!.on('data', (c) => (dockerdLog += c));
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) throw new Error(`dockerd exited ${proc.exitCode}: ${dockerdLog.slice(-3000)}`);
      if (existsSync(join(dir, 'docker.sock')) && (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0) break;
      if (i > 300) throw new Error(`dockerd did not answer within 30 s: ${dockerdLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const removeContainers = async () => {
    if (dockerd && dockerd.exitCode === null) {
      const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
    }
  };
  const stop = async () => {
    // Containers first, while dockerd still knows them, then the daemons by PID.
    await removeContainers();
    await stopProcess(dockerd);
    await stopProcess(containerd);
    unmountBelow(dir);
    removeCgroups(cgroupParent);
    rmSync(dir, { recursive: true, force: true });
    removeLeftovers(existed);
  };
  try {
    mkdirSync(join(dir, 'cli'));
    const config = [
      'version = 2',
      `root = ${JSON.stringify(join(dir, 'containerd/root'))}`,
      `state = ${JSON.stringify(join(dir, 'containerd/state'))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = ${JSON.stringify(join(dir, 'containerd.sock'))}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(join(dir, 'containerd.sock.ttrpc'))}`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(join(dir, 'containerd/opt'))}`,
    ].join('\n');
    writeFileSync(join(dir, 'containerd.toml'), `${config}\n`);
    writeFileSync(join(dir, 'daemon.json'), '{}\n');
    containerd = spawn('containerd', ['--config', join(dir, 'containerd.toml'), '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    containerd.stderr!.on('data', (c) => (containerdLog += c));
    for (let i = 0; !existsSync(join(dir, 'containerd.sock')); i++) {
      if (containerd.exitCode !== null || i > 200) throw new Error(`containerd did not start: ${containerdLog.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await startDockerdProcess();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dir,
    docker,
    async dockerOk(args, input) {
      const r = await docker(args, input);
      if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
      return r.stdout.trim();
    },
    log: () => dockerdLog,
    removeContainers,
    async crashAndRestart() {
      const proc = dockerd;
      if (proc && proc.exitCode === null) {
        proc.kill('SIGKILL');
        await waitExit(proc, 10_000);
      }
      await startDockerdProcess();
    },
    stop,
  };
}

/**
 * Builds a busybox image with `docker import` (there is no registry): busybox-static and its applet
 * links, plus `extra` files (path -> content) and directories with owner and mode.
 */
export async function importBusyboxImage(d: Dockerd, tag: string, extra: RootfsExtra = {}): Promise<void> {
  const rootfs = busyboxRootfs(join(d.dir, `rootfs-${tag.replace(/[^a-z0-9]/g, '-')}`), extra);
  tarDirectory(rootfs, join(d.dir, 'rootfs.tar'));
  await d.dockerOk(['import', '--change', 'CMD ["/bin/sh"]', join(d.dir, 'rootfs.tar'), tag]);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(join(d.dir, 'rootfs.tar'), { force: true });
}
