/**
 * The mount flags of `berth run`/`create` as Docker 20.10 parses them: `-v SRC:DST[:MODE]`,
 * `-v DST`, `--mount KEY=VALUE,...`, `--tmpfs DST[:OPTS]`. Errors carry Docker's wording
 * (moby volume/mounts/linux_parser.go, docker/cli opts/mount.go). Pure.
 */
import { posix } from 'node:path';
import { parseTmpfsOptions } from './tmpfs.js';
import { SettingError } from '../errors.js';

/** The storage flags besides -v; `pluginDir` is berth's --volume-plugin-dir. */
export interface StorageOptions {
  mounts: string[];
  tmpfs: string[];
  volumeDriver: string;
  volumesFrom: string[];
  pluginDir?: string;
}

export type MountType = 'bind' | 'volume' | 'tmpfs';

/** One mount as asked for, before any volume exists. */
export interface MountSpec {
  Type: MountType;
  /** bind: the host path; volume: the name ('' for an anonymous volume); tmpfs: ''. */
  Source: string;
  Target: string;
  ReadOnly: boolean;
  /** The -v mode as given (inspect's `Mode`); '' for --mount and --tmpfs. */
  Mode: string;
  /** bind only: rprivate unless given. */
  Propagation: string;
  /** volume only: the driver ('' means --volume-driver or the default). */
  Driver: string;
  DriverOpts: Record<string, string>;
  /** volume only: do not copy the image's content into a new, empty volume. */
  NoCopy: boolean;
  /** tmpfs only: mount(2) options such as `size=65536k,mode=1777,noexec`. */
  TmpfsOptions: string[];
  /** bind only, from `-v`: a missing source is made as a directory (a `--mount` source must exist). */
  CreateSource?: boolean;
}

export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const RW_MODES = ['rw', 'ro'];
const COPY_MODES = ['nocopy'];
const LABEL_MODES = ['z', 'Z'];

const invalidSpec = (raw: string) => `invalid volume specification: '${raw}'`;
const mountConfig = (type: string, why: string) => `invalid mount config for type "${type}": ${why}`;

/** Docker's linuxValidMountMode: each kind (rw/ro, propagation, nocopy, z/Z) at most once. */
function isValidMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0];
  for (const o of mode.split(',')) {
    const kind = [RW_MODES, PROPAGATIONS, COPY_MODES, LABEL_MODES].findIndex((k) => k.includes(o));
    if (kind < 0 || ++counts[kind] > 1) return false;
  }
  return true;
}

/** Clean, absolute, not `/`; the message Docker gives otherwise (without the type prefix). */
function checkTarget(target: string): string {
  if (target === '') throw new Error('field Target must not be empty');
  if (!target.startsWith('/')) throw new Error(`invalid mount path: '${target}' mount path must be absolute`);
  const clean = posix.normalize(target).replace(/(.)\/$/, '$1');
  if (clean === '/') throw new Error("invalid specification: destination can't be '/'");
  return clean;
}

const base = (type: MountType, source: string, target: string): MountSpec => ({
  Type: type,
  Source: source,
  Target: target,
  ReadOnly: false,
  Mode: '',
  Propagation: type === 'bind' ? 'rprivate' : '',
  Driver: '',
  DriverOpts: {},
  NoCopy: false,
  TmpfsOptions: [],
});

/**
 * Parses `-v`: `DST` (anonymous volume), `SRC:DST`, `SRC:DST:MODE`; SRC absolute is a bind,
 * else a volume name.
 * @throws {Error} `invalid volume specification: '...'[: why]`, `invalid mode: ...`
 * @example parseVolumeFlag('data:/srv:ro') // { Type: 'volume', Source: 'data', Target: '/srv', ReadOnly: true, ... }
 */
export function parseVolumeFlag(raw: string): MountSpec {
  const parts = raw.split(':');
  if (parts.some((p) => p === '') && parts.length > 1) throw new Error(invalidSpec(raw));
  let source = '',
    target: string,
    mode = '';
  if (parts.length === 1) target = parts[0];
  else if (parts.length === 2) {
    if (isValidMode(parts[1])) throw new Error(invalidSpec(raw));
    [source, target] = parts;
  } else if (parts.length === 3) [source, target, mode] = parts;
  else throw new Error(invalidSpec(raw));
  if (!isValidMode(mode)) throw new Error(`invalid mode: ${mode}`);
  const type: MountType = source.startsWith('/') ? 'bind' : 'volume';
  const modes = mode.split(',');
  const spec = base(type, source, target);
  spec.ReadOnly = modes.includes('ro');
  // Docker 20.10 shows `z` (its SELinux relabel default) for a named volume given without a mode.
  spec.Mode = mode === '' && type === 'volume' && source !== '' ? 'z' : mode;
  spec.NoCopy = modes.includes('nocopy');
  const propagation = modes.find((m) => PROPAGATIONS.includes(m));
  try {
    if (propagation !== undefined && type !== 'bind') throw new Error('field BindOptions must not be specified');
    if (propagation !== undefined) spec.Propagation = propagation;
    spec.Target = checkTarget(target);
    if (type === 'volume' && source === '' && spec.ReadOnly) throw new Error('must not set ReadOnly mode when using anonymous volumes');
  } catch (err) {
    throw new Error(`${invalidSpec(raw)}: ${mountConfig(type, (err as Error).message)}`);
  }
  return spec;
}

const TRUE = ['', 'true', '1'];
const FALSE = ['false', '0'];

function parseBool(key: string, value: string): boolean {
  if (TRUE.includes(value.toLowerCase())) return true;
  if (FALSE.includes(value.toLowerCase())) return false;
  throw new Error(`invalid value for ${key}: ${value}`);
}

/**
 * Parses `--mount type=bind|volume|tmpfs,source=,target=,readonly,volume-driver=,volume-opt=K=V,
 * volume-nocopy,bind-propagation=,tmpfs-size=,tmpfs-mode=` (type defaults to volume).
 * @throws {Error} `invalid argument "RAW" for "--mount" flag: ...` or `invalid mount config for type ...`
 */
export function parseMountFlag(raw: string): MountSpec {
  const fail = (why: string) => new SettingError(`invalid argument "${raw}" for "--mount" flag: ${why}`, 'flag');
  let type = 'volume',
    source = '',
    target = '',
    readOnly = false,
    propagation: string | undefined,
    driver = '',
    noCopy = false,
    size: string | undefined,
    mode: string | undefined;
  const opts: Record<string, string> = {};
  const used = { volume: false, bind: false, tmpfs: false };
  for (const field of raw.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0 && !['readonly', 'ro', 'volume-nocopy'].includes(key)) throw fail(`invalid field '${field}' must be a key=value pair`);
    if (key.startsWith('volume-')) used.volume = true;
    if (key.startsWith('bind-')) used.bind = true;
    if (key.startsWith('tmpfs-')) used.tmpfs = true;
    try {
      if (key === 'type') type = value;
      else if (key === 'source' || key === 'src') source = value;
      else if (key === 'target' || key === 'dst' || key === 'destination') target = value;
      else if (key === 'readonly' || key === 'ro') readOnly = parseBool(key, value);
      else if (key === 'volume-nocopy') noCopy = parseBool(key, value);
      else if (key === 'volume-driver') driver = value;
      else if (key === 'volume-opt') {
        const at = value.indexOf('=');
        if (at < 0) throw new Error(`invalid value for ${key}: ${value}`);
        opts[value.slice(0, at)] = value.slice(at + 1);
      } else if (key === 'bind-propagation') propagation = value;
      else if (key === 'tmpfs-size') size = value;
      else if (key === 'tmpfs-mode') mode = value;
      else if (key !== 'consistency' && key !== 'volume-label' && key !== 'bind-nonrecursive')
        throw new Error(`unexpected key '${key}' in '${field}'`);
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  if (type === '') throw fail('type is required');
  if (target === '') throw fail('target is required');
  for (const kind of ['volume', 'bind', 'tmpfs'] as const)
    if (used[kind] && type !== kind) throw fail(`cannot mix '${kind}-*' options with mount type '${type}'`);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw new Error(mountConfig(type, 'mount type unknown'));
  const spec = base(type, source, target);
  try {
    spec.Target = checkTarget(target);
    spec.ReadOnly = readOnly;
    if (type === 'bind') {
      if (source === '') throw new Error('field Source must not be empty');
      if (!source.startsWith('/')) throw new Error(`invalid mount path: '${source}' mount path must be absolute`);
      if (propagation !== undefined && !PROPAGATIONS.includes(propagation)) throw new Error(`invalid propagation mode: ${propagation}`);
      spec.Propagation = propagation ?? 'rprivate';
    } else if (type === 'volume') {
      if (source === '' && readOnly) throw new Error('must not set ReadOnly mode when using anonymous volumes');
      Object.assign(spec, { Driver: driver, DriverOpts: opts, NoCopy: noCopy });
    } else {
      if (source !== '') throw new Error('field Source must not be specified');
      spec.TmpfsOptions = parseTmpfsOptions([
        ...(size === undefined ? [] : [`size=${size}`]),
        ...(mode === undefined ? [] : [`mode=${mode}`]),
        ...(readOnly ? ['ro'] : []),
      ]);
    }
  } catch (err) {
    throw new Error(mountConfig(type, (err as Error).message));
  }
  return spec;
}

/**
 * Parses `--tmpfs DST[:OPTS]` (OPTS as mount(8) takes them, e.g. `rw,size=64m,mode=1777`).
 * @throws {Error} `invalid mount path: ...` or `invalid tmpfs option ...`
 */
export function parseTmpfsFlag(raw: string): MountSpec {
  const colon = raw.indexOf(':');
  const target = colon < 0 ? raw : raw.slice(0, colon);
  const spec = base('tmpfs', '', checkTarget(target));
  spec.TmpfsOptions = parseTmpfsOptions(colon < 0 ? [] : raw.slice(colon + 1).split(','));
  spec.ReadOnly = spec.TmpfsOptions.includes('ro');
  return spec;
}

/**
 * Every user mount, in flag order (-v, --mount, --tmpfs); a target given twice is refused as the
 * daemon does. `volumeDriver` (--volume-driver) fills in volumes that name no driver.
 * @throws {Error} `Duplicate mount point: DST`, or a parse error
 */
export function parseMountFlags(f: {
  volumes: readonly string[];
  mounts: readonly string[];
  tmpfs: readonly string[];
  volumeDriver?: string;
}): MountSpec[] {
  const binds = f.volumes.map(parseVolumeFlag).map((s) => (s.Type === 'bind' ? { ...s, CreateSource: true } : s));
  const specs = [...binds, ...f.mounts.map(parseMountFlag), ...f.tmpfs.map(parseTmpfsFlag)];
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.Target)) throw new Error(`Duplicate mount point: ${s.Target}`);
    seen.add(s.Target);
    if (s.Type === 'volume' && s.Driver === '' && f.volumeDriver) s.Driver = f.volumeDriver;
  }
  return specs;
}

/** HostConfig's storage fields as Docker fills them: -v with a source in Binds, --mount in Mounts, --tmpfs in Tmpfs. */
export function storageHostConfig(volumes: readonly string[], o: StorageOptions, specs: readonly MountSpec[]) {
  const binds = volumes.filter((v) => v.includes(':'));
  const fromMount = specs.slice(volumes.length, volumes.length + o.mounts.length);
  return {
    Binds: binds.length > 0 ? binds : null,
    ...(fromMount.length > 0 && {
      Mounts: fromMount.map((s) => ({ Type: s.Type, Source: s.Source, Target: s.Target, ...(s.ReadOnly && { ReadOnly: true }) })),
    }),
    ...(o.tmpfs.length > 0 && {
      Tmpfs: Object.fromEntries(
        o.tmpfs.map((t) => (t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, ''])),
      ),
    }),
    VolumeDriver: o.volumeDriver,
    VolumesFrom: o.volumesFrom.length > 0 ? [...o.volumesFrom] : null,
  };
}
