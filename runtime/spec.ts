/**
 * `berth run`/`create` options -> the container's Config and HostConfig, as Docker 20.10 derives
 * them from the flags and the image config. Pure: files (env files, /etc/passwd) are read by the
 * caller and passed in.
 */
import type { ImageConfig } from '../image/config.js';
import { planCapabilities } from './caps.js';
import type { CniDirs } from './network/dirs.js';
import { planNetworking, type EndpointConfig, type NetworkFlags } from './network/plan.js';
import { planEtcHostConfig, type EtcOptions } from './etc-files.js';
import { planSecurityOpts } from './security-opt.js';
import { parseSignal } from './signals.js';
import type { ContainerConfig, HostConfig, RestartPolicy } from './record.js';
import { parseMountFlags, storageHostConfig, type StorageOptions } from './volumes/spec.js';
import { SettingError } from './errors.js';

/** The image config fields a container takes; ports and volumes wait for networks and volumes. */
export type ImageDefaults = Omit<ImageConfig, 'ExposedPorts'>;

export interface RunOptions {
  imageRef: string;
  command: string[];
  entrypoint?: string;
  env: string[];
  /** Lines of the --env-file files, in order. */
  envFileLines: string[];
  /** The caller's environment, for `-e NAME` without a value. */
  callerEnv: Record<string, string | undefined>;
  workdir?: string;
  user?: string;
  hostname?: string;
  /** The host's name: a `--network host` container's hostname without `--hostname`, as dockerd's. */
  hostName?: string;
  /** The network flags (--network, -p, --ip ...). */
  net: NetworkFlags;
  /** The image's ExposedPorts keys ("80/tcp"), for -P. */
  exposedPorts?: string[];
  /** --expose, as given. */
  expose?: string[];
  /** Where CNI networks live (from the global options). */
  cni?: CniDirs;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  /** --security-opt, as given. */
  securityOpt: string[];
  readOnly: boolean;
  init: boolean;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
  autoRemove: boolean;
  restart?: string;
  stopSignal?: string;
  stopTimeout?: string;
  volumes: string[];
  labels: string[];
  logOpts: string[];
  cgroupParent?: string;
  /** `host` (the default, also '') or `private`. */
  userns: string;
  resourceFlags: Record<string, string | string[]>;
  /** --mount, --tmpfs, --volume-driver, --volumes-from (with -v: runtime/volumes/). */
  storage: StorageOptions;
  /** --dns, --dns-search, --dns-option, --add-host (runtime/etc-files.ts). */
  etc?: EtcOptions;
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const LOG_DEFAULTS = { 'max-size': '10m', 'max-file': '3' };

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`. @throws {Error} with Docker's wording */
export function parseRestartPolicy(text: string | undefined): RestartPolicy {
  if (text === undefined || text === '' || text === 'no') return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count, ...extra] = text.split(':');
  if (extra.length > 0) throw new Error(`invalid restart policy format`);
  if (name === 'on-failure') {
    if (count !== undefined && !/^\d+$/.test(count)) throw new SettingError(`maximum retry count must be an integer`, 'flag');
    return { Name: 'on-failure', MaximumRetryCount: count === undefined ? 0 : Number(count) };
  }
  if (name === 'always' || name === 'unless-stopped') {
    if (count !== undefined) throw new Error(`maximum retry count cannot be used with restart policy '${name}'`);
    return { Name: name, MaximumRetryCount: 0 };
  }
  throw new Error(`invalid restart policy '${name}'`);
}

/** KEY=VALUE lines win over earlier ones with the same KEY; `KEY` alone takes the caller's value. */
export function mergeEnv(base: readonly string[], overrides: readonly string[], callerEnv: Record<string, string | undefined>): string[] {
  const out = new Map<string, string>();
  for (const e of base) out.set(e.split('=')[0], e);
  for (const raw of overrides) {
    if (raw.includes('=')) {
      if (raw.startsWith('=')) throw new Error(`invalid environment variable: ${raw}`);
      out.set(raw.split('=')[0], raw);
    } else if (callerEnv[raw] !== undefined) out.set(raw, `${raw}=${callerEnv[raw]}`);
  }
  return [...out.values()];
}

/**
 * The environment of the container's processes, as dockerd's CreateDaemonEnvironment makes it:
 * PATH, HOSTNAME and (with a terminal) TERM, replaced or extended by Config.Env; then HOME, from
 * the user's passwd entry, when none is set. Config.Env itself keeps only the image's and the user's.
 */
export function processEnv(config: { Env: readonly string[]; Hostname: string }, tty: boolean, home: string | undefined): string[] {
  const base = [DEFAULT_PATH, ...(config.Hostname ? [`HOSTNAME=${config.Hostname}`] : []), ...(tty ? ['TERM=xterm'] : [])];
  const env = mergeEnv(base, config.Env, {});
  return home === undefined || env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${home}`];
}

/** Lines of an --env-file: comments and blank lines skipped, as Docker's opts.ParseEnvFile. */
export function parseEnvFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/^\s+/, '').replace(/\r$/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function keyValues(items: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (what === 'log-opt' && eq < 0) throw new Error(`invalid log opt '${item}'`);
    if (what === 'label' && eq === 0)
      throw new SettingError(`invalid argument "${item}" for "-l, --label" flag: invalid label '${item}': empty name`, 'flag');
    out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? '' : item.slice(eq + 1);
  }
  return out;
}

/** Docker's sizes (`10m`, `1g`, `512k`, bytes): used for --log-opt max-size. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  return Math.floor(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
}

export interface Plan {
  config: ContainerConfig;
  hostConfig: HostConfig;
  path: string;
  args: string[];
  capabilities: string[];
  /** The CNI networks in attach order. */
  endpoints: Record<string, EndpointConfig>;
}

/**
 * `--expose PORT[/PROTO]` or `START-END[/PROTO]` as ExposedPorts keys (tcp by default; the protocol
 * is not checked, as docker's CLI). @throws {SettingError} in docker's words on a port that does not parse
 */
export function exposedKeys(value: string): string[] {
  const slash = value.indexOf('/');
  const [range, proto] = slash < 0 ? [value, 'tcp'] : [value.slice(0, slash), value.slice(slash + 1)];
  const parse = (text: string) => {
    if (!/^\d+$/.test(text) || Number(text) > 65535) {
      const why = /^\d+$/.test(text) ? 'value out of range' : 'invalid syntax';
      throw new SettingError(
        `invalid range format for --expose: ${value}, error: strconv.ParseUint: parsing ${JSON.stringify(text)}: ${why}`,
        'flag',
      );
    }
    return Number(text);
  };
  const dash = range.indexOf('-');
  const first = parse(dash < 0 ? range : range.slice(0, dash));
  const last = dash < 0 ? first : parse(range.slice(dash + 1));
  if (last < first)
    throw new SettingError(`invalid range format for --expose: ${value}, error: Invalid range specified for the Port: ${range}`, 'flag');
  return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${proto}`);
}

/**
 * The container's Config and HostConfig from the flags and the image's defaults.
 * @throws {Error} with Docker's wording on bad or conflicting values
 */
export function planContainer(o: RunOptions, image: ImageDefaults, id: string): Plan {
  const restart = parseRestartPolicy(o.restart);
  if (o.autoRemove && restart.Name !== 'no') throw new SettingError('Conflicting options: --restart and --rm', 'flag');
  const net = planNetworking(o.net);
  // Docker 20.10 takes --hostname with the host's network (the UTS namespace stays the container's).
  if (o.hostname !== undefined && net.mode.startsWith('container:')) throw new Error('conflicting options: hostname and the network mode');
  if (o.userns !== '' && o.userns !== 'host' && o.userns !== 'private')
    throw new Error(`invalid user namespace mode ${JSON.stringify(o.userns)} (berth supports host and private)`);
  if (o.userns === 'private' && o.privileged)
    throw new Error('privileged mode is incompatible with user namespaces: use --userns host with --privileged (as Docker)');
  let entrypoint = image.Entrypoint ?? null;
  let cmd = image.Cmd ?? null;
  if (o.entrypoint !== undefined) {
    entrypoint = o.entrypoint === '' ? null : [o.entrypoint];
    cmd = null;
  }
  if (o.command.length > 0) cmd = o.command;
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw new Error('No command specified');
  const workdir = o.workdir ?? image.WorkingDir ?? '';
  if (workdir !== '' && !workdir.startsWith('/'))
    throw new Error(`the working directory '${workdir}' is invalid, it needs to be an absolute path`);
  const stopSignal = o.stopSignal ?? image.StopSignal;
  if (stopSignal !== undefined) parseSignal(stopSignal);
  if (o.stopTimeout !== undefined && !/^-?\d+$/.test(o.stopTimeout))
    throw new SettingError(
      `invalid argument "${o.stopTimeout}" for "--stop-timeout" flag: strconv.ParseInt: parsing "${o.stopTimeout}": invalid syntax`,
      'flag',
    );
  const logConfig = { ...LOG_DEFAULTS, ...keyValues(o.logOpts, 'log-opt') };
  for (const key of Object.keys(logConfig))
    if (key !== 'max-size' && key !== 'max-file') throw new Error(`unknown log opt '${key}' for json-file log driver`);
  parseSize(logConfig['max-size']);
  if (!/^[1-9]\d*$/.test(logConfig['max-file'])) throw new Error(`invalid value for max-file: ${logConfig['max-file']}`);
  const mounts = parseMountFlags({ volumes: o.volumes, ...o.storage });
  const etc = planEtcHostConfig(o.etc);
  const hostname = o.hostname ?? (net.mode === 'host' ? (o.hostName ?? '') : id.slice(0, 12));
  const env = mergeEnv(image.Env ?? [], [...o.envFileLines, ...o.env], o.callerEnv);
  const capabilities = o.privileged ? [] : planCapabilities(o.capAdd, o.capDrop);
  // As the docker CLI: the image's, --expose's and every -p container port, sorted as a Go map's keys.
  const exposed = [
    ...new Set([...(o.exposedPorts ?? []), ...(o.expose ?? []).flatMap(exposedKeys), ...Object.keys(net.portBindings)]),
  ].sort();
  return {
    path: argv[0],
    args: argv.slice(1),
    capabilities,
    endpoints: Object.fromEntries(net.endpoints.map((e) => [e.name, e.config])),
    config: {
      Hostname: hostname,
      User: o.user ?? image.User ?? '',
      AttachStdin: o.interactive && !o.detach,
      AttachStdout: !o.detach,
      AttachStderr: !o.detach,
      Tty: o.tty,
      OpenStdin: o.interactive,
      StdinOnce: o.interactive && !o.detach,
      Env: env,
      Cmd: cmd,
      Image: o.imageRef,
      WorkingDir: workdir,
      Entrypoint: entrypoint,
      Labels: { ...(image.Labels ?? {}), ...keyValues(o.labels, 'label') },
      ...(stopSignal !== undefined && { StopSignal: stopSignal }),
      ...(o.stopTimeout !== undefined && { StopTimeout: Number(o.stopTimeout) }),
      ...(exposed.length && { ExposedPorts: Object.fromEntries(exposed.map((p) => [p, {}])) }),
    },
    hostConfig: {
      ...storageHostConfig(o.volumes, o.storage, mounts),
      NetworkMode: net.mode,
      PortBindings: net.portBindings,
      PublishAllPorts: net.publishAll,
      RestartPolicy: restart,
      AutoRemove: o.autoRemove,
      CapAdd: o.capAdd.length ? o.capAdd : null,
      CapDrop: o.capDrop.length ? o.capDrop : null,
      Privileged: o.privileged,
      SecurityOpt: planSecurityOpts(o.securityOpt),
      ReadonlyRootfs: o.readOnly,
      Init: o.init,
      CgroupParent: o.cgroupParent ?? '/berth',
      UsernsMode: o.userns,
      LogConfig: { Type: 'json-file', Config: logConfig },
      ResourceFlags: o.resourceFlags,
      ...etc,
    },
  };
}
