/**
 * podman 4.3 (Debian) as a CNI client, set up so it never touches the machine's own network: every
 * path in one temp dir, the CNI backend with a plugin dir of the caller's choice, cgroupfs, runc,
 * run inside a throwaway "host" netns through `nsenter --net` (not `ip netns exec`, which remounts
 * /sys and so hides the cgroup mounts runc needs). Used by the podman test and bench/podman.ts.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sh, type RunResult } from './sandbox';

export interface Podman {
  (...args: string[]): Promise<RunResult>;
  /** The argv and environment of a podman call, for callers that spawn it themselves (a benchmark timing it). */
  command(...args: string[]): { argv: string[]; env: Record<string, string> };
}

export interface PodmanSetup {
  /** The throwaway host netns podman runs in. */
  ns: string;
  /** podman's own temp dir: storage, runroot, tmp, its config files. */
  dir: string;
  /** The CNI network config dir (conflists). */
  confDir: string;
  /** The CNI plugin dir. */
  pluginDir: string;
  /** The name of containers.conf in `dir` (several setups may share one storage with different plugin dirs). */
  confName?: string;
}

/** podman with every path in `s.dir`, the CNI backend, `s.pluginDir` as plugin dir, run in the host netns. */
export function podmanIn(s: PodmanSetup): Podman {
  const conf = join(s.dir, s.confName ?? 'containers.conf');
  writeFileSync(
    conf,
    [
      '[network]',
      'network_backend = "cni"',
      `cni_plugin_dirs = [${JSON.stringify(s.pluginDir)}]`,
      `network_config_dir = ${JSON.stringify(s.confDir)}`,
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      '',
    ].join('\n'),
  );
  const storage = join(s.dir, 'storage.conf');
  writeFileSync(
    storage,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = ${JSON.stringify(join(s.dir, 'root'))}`,
      `runroot = ${JSON.stringify(join(s.dir, 'runroot'))}`,
      '',
    ].join('\n'),
  );
  const command = (...args: string[]) => ({
    argv: [
      'nsenter',
      `--net=/run/netns/${s.ns}`,
      'podman',
      '--root',
      join(s.dir, 'root'),
      '--runroot',
      join(s.dir, 'runroot'),
      '--tmpdir',
      join(s.dir, 'tmp'),
      '--network-backend',
      'cni',
      '--cni-config-dir',
      s.confDir,
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      'file',
      '--storage-driver',
      'vfs',
      ...args,
    ],
    env: { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, HOME: s.dir },
  });
  const podman = (...args: string[]) => {
    const c = command(...args);
    return run(c.argv[0], c.argv.slice(1), { env: c.env });
  };
  return Object.assign(podman, { command });
}

/** A one-file image: busybox-static with its applets, and /www/index.html. @returns its name */
export async function importBusybox(podman: Podman, dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'www'));
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  sh('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  writeFileSync(join(rootfs, 'www/index.html'), 'hello from podman\n');
  const tar = join(dir, 'rootfs.tar');
  sh('tar', ['-C', rootfs, '-cf', tar, '.']);
  const r = await podman('import', tar, 'localhost/berth-busybox:test');
  if (r.code !== 0) throw new Error(`podman import failed: ${r.stderr.trim()}`);
  return 'localhost/berth-busybox:test';
}

/** Podman's defaults ask for rlimits above this machine's hard limits; lowering is always allowed. */
export const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** Paths podman 4.3 writes outside its --root whatever it is told; removed after use unless they were there before. */
const PODMAN_OUTSIDE = [
  '/var/lib/containers/cache/blob-info-cache-v1.boltdb',
  '/var/lib/containers/cache',
  '/var/lib/containers',
  '/var/lib/cni/results',
  '/var/lib/cni',
];

/** Runs `fn`, then removes what podman made outside its root (files, and directories only when empty). */
export async function withPodmanOutsideCleaned(fn: () => Promise<void>): Promise<void> {
  const before = new Set(PODMAN_OUTSIDE.filter((p) => existsSync(p)));
  try {
    await fn();
  } finally {
    for (const p of PODMAN_OUTSIDE.filter((x) => !before.has(x) && existsSync(x))) {
      try {
        if (p.endsWith('.boltdb')) rmSync(p);
        else rmdirSync(p);
      } catch {
        /* not empty: in use */
      }
    }
  }
}

/** Removes every container of `podman`, then lazily unmounts anything left mounted under `dir`. */
export async function cleanUpPodman(podman: Podman, dir: string): Promise<void> {
  await podman('rm', '-a', '-f', '-t', '0');
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n').reverse()) {
    const target = line.split(' ')[1];
    if (target?.startsWith(dir)) await run('umount', ['-l', target]);
  }
}
