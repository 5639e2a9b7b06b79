/**
 * A container's mount points, as its record keeps them: the user's mounts, those of --volumes-from
 * containers and the image's `Volumes` merged as Docker 20.10 does (daemon/volumes.go
 * registerMountPoints), then shown by `inspect` and handed to the supervisor. Pure.
 */
import { posix } from 'node:path';
import { resolveContainer } from '../ids.js';
import { parseMountFlags, type MountSpec, type MountType, type StorageOptions } from './spec.js';
import { renderTmpfsMount } from './tmpfs.js';

/** Docker's MountPoint as `inspect` shows it, plus what Berth needs to mount and release it. */
export interface MountPoint {
  Type: MountType;
  /** volume: its name. */
  Name?: string;
  /** bind: the host path; volume: its Mountpoint (known once it exists); tmpfs: ''. */
  Source: string;
  Destination: string;
  /** volume: the plugin's name. */
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** volume: the plugin's socket, fixed at create so that cleanup and gc reach the same plugin. */
  Socket?: string;
  /** volume: made for this container (`-v /dst`, the image's Volumes); `rm -v` and `--rm` remove it. */
  Anonymous?: boolean;
  /** volume: Create options (`volume-opt`). */
  DriverOpts?: Record<string, string>;
  /** volume: the image's content at Destination is copied into it while it is empty. */
  CopyData?: boolean;
  /** tmpfs: its options. */
  TmpfsOptions?: string[];
  /** bind from `-v`: made as a directory at each start when missing, as Docker's `-v` does. */
  CreateSource?: boolean;
}

/** berth-volumed's name among the plugins; `local` (Docker's default driver's name) means it too. */
export const DEFAULT_DRIVER = 'berth';
export const DEFAULT_PLUGIN_DIR = '/run/docker/plugins';

/** The socket of plugin `driver` in `pluginDir`. @throws {Error} for a name that is not a plain file name */
export function pluginSocket(pluginDir: string, driver: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(driver)) throw new Error(`invalid volume driver name: ${JSON.stringify(driver)}`);
  return posix.join(pluginDir, `${driver === 'local' ? DEFAULT_DRIVER : driver}.sock`);
}

/** `CTR[:ro|:rw]` of --volumes-from. @throws {Error} `invalid mode for volumes-from: MODE` */
export function parseVolumesFrom(raw: string): { ref: string; mode: '' | 'ro' | 'rw' } {
  const [ref, mode = '', ...extra] = raw.split(':');
  if (extra.length > 0 || (mode !== '' && mode !== 'ro' && mode !== 'rw')) throw new Error(`invalid mode for volumes-from: ${mode}`);
  return { ref, mode };
}

export interface PlanInput {
  specs: readonly MountSpec[];
  /** The mount points of each --volumes-from container, with the mode asked for. */
  from: ReadonlyArray<{ points: readonly MountPoint[]; mode: '' | 'ro' | 'rw' }>;
  /** The image's `Volumes` (destinations). */
  imageVolumes: readonly string[];
  /** --volume-driver, or ''. */
  volumeDriver: string;
  pluginDir: string;
  /** A new anonymous volume's name (Docker: 64 random hex digits). */
  newName: () => string;
}

/**
 * The container's mount points: the user's mounts win over --volumes-from ones, which win over the
 * image's Volumes (each an anonymous volume of the default driver).
 */
export function planMountPoints(p: PlanInput): MountPoint[] {
  const out = new Map<string, MountPoint>();
  for (const s of p.specs) out.set(s.Target, pointOfSpec(s, p));
  for (const { points, mode } of p.from)
    for (const m of points) {
      if (out.has(m.Destination) || m.Type === 'tmpfs') continue;
      const rw = mode === '' ? m.RW : mode === 'rw';
      out.set(m.Destination, { ...m, RW: rw, Mode: mode === '' ? m.Mode : mode, Anonymous: false, CopyData: false });
    }
  for (const raw of p.imageVolumes) {
    const dst = posix.normalize(raw).replace(/(.)\/$/, '$1');
    if (out.has(dst)) continue;
    const driver = p.volumeDriver || DEFAULT_DRIVER;
    out.set(dst, {
      Type: 'volume',
      Name: p.newName(),
      Source: '',
      Destination: dst,
      Driver: driver,
      Mode: '',
      RW: true,
      Propagation: '',
      Socket: pluginSocket(p.pluginDir, driver),
      Anonymous: true,
      CopyData: true,
    });
  }
  return [...out.values()];
}

function pointOfSpec(s: MountSpec, p: PlanInput): MountPoint {
  const common = { Destination: s.Target, Mode: s.Mode, RW: !s.ReadOnly, Propagation: s.Propagation };
  if (s.Type === 'bind') return { Type: 'bind', Source: s.Source, ...common, ...(s.CreateSource && { CreateSource: true }) };
  if (s.Type === 'tmpfs') return { Type: 'tmpfs', Source: '', ...common, TmpfsOptions: s.TmpfsOptions };
  const driver = s.Driver || p.volumeDriver || DEFAULT_DRIVER;
  return {
    Type: 'volume',
    Name: s.Source || p.newName(),
    Source: '',
    Driver: driver,
    ...common,
    Socket: pluginSocket(p.pluginDir, driver),
    Anonymous: s.Source === '',
    ...(Object.keys(s.DriverOpts).length > 0 && { DriverOpts: s.DriverOpts }),
    CopyData: !s.NoCopy,
  };
}

/**
 * The mount points of a new container from its flags, the image's `Volumes` and the records of the
 * containers there are (for --volumes-from).
 * @throws {Error} on a bad flag, or `No such container: REF`
 */
export function planContainerMounts(
  o: { volumes: readonly string[]; storage: StorageOptions },
  imageVolumes: Record<string, object> | undefined,
  records: ReadonlyArray<{ Id: string; Name: string; Mounts?: MountPoint[] }>,
  newName: () => string,
): MountPoint[] {
  const named = records.map((r) => ({ id: r.Id, name: r.Name, mounts: r.Mounts ?? [] }));
  const from = o.storage.volumesFrom.map((raw) => {
    const { ref, mode } = parseVolumesFrom(raw);
    return { points: resolveContainer(ref, named).mounts, mode };
  });
  return planMountPoints({
    specs: parseMountFlags({ volumes: o.volumes, ...o.storage }),
    from,
    imageVolumes: Object.keys(imageVolumes ?? {}),
    volumeDriver: o.storage.volumeDriver,
    pluginDir: o.storage.pluginDir ?? DEFAULT_PLUGIN_DIR,
    newName,
  });
}

/** `inspect`'s Mounts: Docker's fields only, tmpfs mounts of --tmpfs left out as Docker does (they are in HostConfig.Tmpfs). */
export function describeMountPoints(points: readonly MountPoint[]): object[] {
  return points.map((m) =>
    m.Type === 'volume'
      ? {
          Type: m.Type,
          Name: m.Name,
          Source: m.Source,
          Destination: m.Destination,
          Driver: m.Driver,
          Mode: m.Mode,
          RW: m.RW,
          Propagation: m.Propagation,
        }
      : { Type: m.Type, Source: m.Source, Destination: m.Destination, Mode: m.Mode, RW: m.RW, Propagation: m.Propagation },
  );
}

/**
 * The supervisor's mount options (runtime/shim/mounts.c), parents before children:
 * `--bind SRC:DST:ro|rw[,PROPAGATION][,copy]` and `--tmpfs FLAGS:DATA:DST`. `sources` maps a
 * volume's Destination to the Mountpoint its plugin returned for this run.
 */
export function renderShimMounts(points: readonly MountPoint[], sources: ReadonlyMap<string, string>): string[] {
  const depth = (m: MountPoint) => m.Destination.split('/').length;
  const out: string[] = [];
  for (const m of [...points].sort((a, b) => depth(a) - depth(b))) {
    if (m.Type === 'tmpfs') {
      const { flags, data } = renderTmpfsMount(m.TmpfsOptions ?? []);
      out.push('--tmpfs', `${flags}:${data}:${m.Destination}`);
      continue;
    }
    const source = m.Type === 'volume' ? sources.get(m.Destination) : m.Source;
    if (source === undefined) throw new Error(`volume ${JSON.stringify(m.Name)} at ${m.Destination} is not mounted`);
    const opts = [
      m.RW ? 'rw' : 'ro',
      ...(m.Propagation && m.Propagation !== 'rprivate' ? [m.Propagation] : []),
      ...(m.CopyData ? ['copy'] : []),
    ];
    out.push('--bind', `${source}:${m.Destination}:${opts.join(',')}`);
  }
  return out;
}
