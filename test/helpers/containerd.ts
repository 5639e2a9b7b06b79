/**
 * A private containerd 1.6 with its CRI plugin, driving CNI plugins as it does for kubelet: all its
 * state, sockets and CNI config in one temp dir, in a network namespace the test gives it.
 *
 * containerd 1.6 puts shim sockets under /run/containerd whatever `state` says, and pins each pod's
 * network namespace under /run/netns: it runs in a private mount namespace with a tmpfs over /run,
 * held by a `sleep` this helper starts, so a restarted containerd finds what the killed one left
 * and nothing of it reaches the host's /run. Pod processes live in cgroups under a Berth-named parent.
 * Every process is stopped by PID, every cgroup removed, by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CriClient } from './cri-client';
import { removeCgroups, stopProcess, waitExit } from './dockerd';
import { RUN_PREFIX, ensurePackages, netnsPath, run, type RunResult } from './sandbox';

export const SANDBOX_IMAGE = 'berth.test/pause:1';

export interface ContainerdOptions {
  /** The network namespace (a /run/netns name) containerd runs in: the node's host namespace. */
  hostNs: string;
  /** CNI bin_dir. */
  binDir: string;
  /** The .conflist text. */
  conflist: string;
}

export interface Containerd {
  dir: string;
  socket: string;
  cri: CriClient;
  /** The cgroup parent pods must use. */
  cgroupParent: string;
  /** containerd's PID (changes on restart). */
  pid(): number;
  /** A path inside containerd's mount namespace, as seen from the host (e.g. "/run/netns"). */
  inside(path: string): string;
  /** Runs a program in containerd's mount namespace (e.g. umount of a netns it left pinned). */
  runInside(cmd: string, args: string[]): Promise<RunResult>;
  /** SIGKILL containerd (its shims and pods stay), then start it again on the same state. */
  killAndRestart(): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

/** The Debian packages: containerd 1.6 (ctr included), runc, busybox-static for the sandbox image. */
export function ensureContainerdPackages(): void {
  ensurePackages('containerd', 'runc', 'busybox-static', 'util-linux');
}

/**
 * The conflist a node would have: bridge (with host-local) + portmap + loopback on 192.0.2.0/24,
 * with leases and Berth's firewall records under `data` (the reference ignores firewallDir).
 */
export function podNetworkConflist(name: string, data: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        firewallDir: join(data, 'firewall'),
        ipam: { type: 'host-local', dataDir: join(data, 'ipam'), ranges: [[{ subnet: '192.0.2.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true }, firewallDir: join(data, 'firewall') },
      { type: 'loopback' },
    ],
  });
}

function configToml(dir: string, opts: ContainerdOptions): string {
  const q = JSON.stringify;
  return `version = 2
root = ${q(join(dir, 'root'))}
state = ${q(join(dir, 'state'))}
[grpc]
  address = ${q(join(dir, 'containerd.sock'))}
[ttrpc]
  address = ${q(join(dir, 'containerd.sock.ttrpc'))}
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = ${q(join(dir, 'opt'))}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(SANDBOX_IMAGE)}
  # root here lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj to -998 for the sandbox
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(opts.binDir)}
    conf_dir = ${q(join(dir, 'net.d'))}
    max_conf_num = 1
`;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * An OCI image archive of busybox-static whose entrypoint sleeps: the pod's "pause" process, made
 * offline (there is no registry here).
 */
function buildSandboxImage(dir: string): string {
  const rootfs = join(dir, 'image-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const sub of ['dev', 'proc', 'sys', 'etc', 'tmp']) mkdirSync(join(rootfs, sub), { recursive: true });
  const busybox = existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox';
  writeFileSync(join(rootfs, 'bin/busybox'), readFileSync(busybox), { mode: 0o755 });
  const layer = spawnSync('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { maxBuffer: 1 << 28 });
  if (layer.status !== 0) throw new Error(`tar failed: ${layer.stderr}`);
  const layerTar = layer.stdout;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layerTar)}`] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(layerTar)}`, size: layerTar.length }],
    }),
  );
  const layout = join(dir, 'image-layout');
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  for (const blob of [layerTar, config, manifest]) writeFileSync(join(layout, 'blobs/sha256', sha256(blob)), blob);
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha256(manifest)}`,
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': SANDBOX_IMAGE, 'org.opencontainers.image.ref.name': '1' },
        },
      ],
    }),
  );
  const archive = join(dir, 'pause.tar');
  const tar = spawnSync('tar', ['-C', layout, '-cf', archive, '.']);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(layout, { recursive: true, force: true });
  return archive;
}

/** PIDs of the processes whose command line names `needle` (containerd's shims carry its socket). */
function pidsWithArg(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(needle)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** PIDs in the cgroups under `parent` (every v1 hierarchy names the same tasks; `pids` is enough). */
function pidsInCgroup(parent: string): number[] {
  const base = join('/sys/fs/cgroup/pids', parent);
  const pids: number[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    try {
      pids.push(...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      /* removed meanwhile */
    }
  };
  walk(base);
  return pids;
}

function killPids(pids: readonly number[]): void {
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the holder of the private mount namespace and containerd in it; imports the sandbox image. */
export async function startContainerd(opts: ContainerdOptions): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-cri-`));
  const socket = join(dir, 'containerd.sock');
  const cgroupParent = `/berth-cri-${RUN_PREFIX}-${process.pid}`;
  let holder: ChildProcess | undefined;
  let containerd: ChildProcess | undefined;
  let log = '';
  let cri: CriClient | undefined;
  mkdirSync(join(dir, 'net.d'), { recursive: true });
  writeFileSync(join(dir, 'net.d', '10-berth.conflist'), opts.conflist);
  writeFileSync(join(dir, 'config.toml'), configToml(dir, opts));

  const startDaemon = async () => {
    rmSync(socket, { force: true });
    containerd = spawn(
      'nsenter',
      [
        `--mount=/proc/${holder!.pid}/ns/mnt`,
        `--net=${netnsPath(opts.hostNs)}`,
        'containerd',
        '--config',
        join(dir, 'config.toml'),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    containerd.stderr!.on('data', (c) => (log += c));
    for (let i = 0; !existsSync(socket); i++) {
      if (containerd.exitCode !== null || i > 600) throw new Error(`containerd did not start: ${log.slice(-2000)}`);
      await sleep(50);
    }
    cri ??= new CriClient(socket);
    for (let i = 0; !(await cri.networkReady().catch(() => false)); i++) {
      if (i > 300) throw new Error(`containerd's CRI network did not become ready: ${log.slice(-2000)}`);
      await sleep(100);
    }
  };

  const stop = async () => {
    if (cri && containerd?.exitCode === null) {
      for (const pod of await cri.listPodSandbox().catch(() => [])) {
        await cri.stopPodSandbox(pod.id).catch(() => {});
        await cri.removePodSandbox(pod.id).catch(() => {});
      }
    }
    cri?.close();
    await stopProcess(containerd);
    // Shims outlive containerd and pods outlive their shim: both are found and stopped by PID.
    for (let round = 0; round < 20; round++) {
      const pids = [...pidsWithArg(socket), ...pidsInCgroup(cgroupParent)];
      if (pids.length === 0) break;
      killPids(pids);
      await sleep(100);
    }
    if (holder && holder.exitCode === null) {
      holder.kill('SIGKILL');
      await waitExit(holder, 10_000);
    }
    for (let round = 0; round < 20 && existsSync(join('/sys/fs/cgroup/pids', cgroupParent)); round++) {
      removeCgroups(cgroupParent);
      await sleep(100);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    holder = spawn(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs berth-cri /run && echo ready && exec sleep infinity'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let holderOut = '';
    holder.stdout!.on('data', (c) => (holderOut += c));
    holder.stderr!.on('data', (c) => (holderOut += c));
    for (let i = 0; !holderOut.includes('ready'); i++) {
      if (holder.exitCode !== null || i > 200) throw new Error(`cannot make containerd's mount namespace: ${holderOut}`);
      await sleep(25);
    }
    await startDaemon();
    const archive = buildSandboxImage(dir);
    const imported = await run('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', archive]);
    if (imported.code !== 0) throw new Error(`ctr images import failed: ${imported.stderr}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dir,
    socket,
    cri: cri!,
    cgroupParent,
    pid: () => containerd!.pid!,
    inside: (path) => join(`/proc/${holder!.pid}/root`, path),
    runInside: (cmd, args) => run('nsenter', [`--mount=/proc/${holder!.pid}/ns/mnt`, cmd, ...args]),
    async killAndRestart() {
      const proc = containerd!;
      proc.kill('SIGKILL');
      await waitExit(proc, 10_000);
      await startDaemon();
    },
    log: () => log,
    stop,
  };
}
