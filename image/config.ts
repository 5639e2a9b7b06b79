/**
 * An image's config and what a container makes of it (pure): the config blob checked, the
 * `User` resolved against the image's /etc/passwd and /etc/group as runc does, and the command
 * line from Entrypoint and Cmd as docker merges them with `run`'s arguments.
 */
import { isJsonObject as isObject } from '../lib/json.js';

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
}

export interface ConfigBlob {
  diffIds: string[];
  config: ImageConfig;
  created?: string;
  architecture?: string;
  os?: string;
}

const DIFF_ID = /^sha256:[0-9a-f]{64}$/;
const stringList = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.every((s) => typeof s === 'string'));

/**
 * Checks an image config blob (OCI image-spec config.md) and returns what the store keeps of it.
 * @throws {SyntaxError} "bad image config: ..." naming the first problem
 */
export function parseConfigBlob(data: Buffer | string): ConfigBlob {
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString());
  } catch (err) {
    throw new SyntaxError(`bad image config: not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string) => new SyntaxError(`bad image config: ${what}`);
  if (!isObject(doc)) throw bad('not a JSON object');
  const rootfs = doc.rootfs;
  if (!isObject(rootfs) || rootfs.type !== 'layers') throw bad('rootfs.type must be "layers"');
  if (!Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every((d: unknown) => typeof d === 'string' && DIFF_ID.test(d)))
    throw bad('rootfs.diff_ids must be a list of sha256 digests');
  if (doc.os !== undefined && doc.os !== 'linux') throw bad(`the image is for ${JSON.stringify(doc.os)}, not linux`);
  const config = doc.config ?? {};
  if (!isObject(config)) throw bad('config must be an object');
  for (const key of ['Env', 'Entrypoint', 'Cmd'] as const)
    if (!stringList(config[key])) throw bad(`config.${key} must be a list of strings`);
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const)
    if (config[key] !== undefined && typeof config[key] !== 'string') throw bad(`config.${key} must be a string`);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { diffIds: rootfs.diff_ids, config, created: text(doc.created), architecture: text(doc.architecture), os: text(doc.os) };
}

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From passwd, for HOME when the environment has none ("/" when the user has no entry). */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

function lines(text: string | undefined): string[][] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

const toId = (s: string | undefined) => (s !== undefined && /^[0-9]+$/.test(s) ? Number(s) : undefined);

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return lines(text)
    .map((f) => ({ name: f[0], uid: toId(f[2]) ?? -1, gid: toId(f[3]) ?? -1, home: f[5] ?? '' }))
    .filter((e) => e.uid >= 0 && e.gid >= 0);
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return lines(text)
    .map((f) => ({ name: f[0], gid: toId(f[2]) ?? -1, members: (f[3] ?? '').split(',').filter(Boolean) }))
    .filter((e) => e.gid >= 0);
}

function checkRange(id: number): number {
  if (id > MAX_ID) throw new RangeError(`uids and gids must be in range 0-${MAX_ID}`);
  return id;
}

/**
 * Resolves `docker run -u` / the image's `User` (`name`, `uid`, `name:group`, `uid:gid`, ...)
 * against the image's /etc/passwd and /etc/group contents (undefined when the file is missing), as
 * runc's GetExecUser does: a numeric ID without an entry is taken as is, a name must exist; the
 * user's groups in /etc/group are the additional groups unless a group is named.
 * @throws {Error} "unable to find user NAME: no matching entries in passwd file" (or group)
 * @example resolveUser('nobody', files) // { uid: 65534, gid: 65534, additionalGids: [], home: '/nonexistent' }
 */
export function resolveUser(spec: string | undefined, files: { passwd?: string; group?: string }): ExecUser {
  const [userArg = '', groupArg = ''] = (spec ?? '').split(':');
  const uidArg = toId(userArg);
  const users = parsePasswd(files.passwd).filter((u) =>
    userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg,
  );
  const user: ExecUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  const matched = users[0];
  if (matched) Object.assign(user, { uid: matched.uid, gid: matched.gid, home: matched.home || '/' });
  else if (userArg !== '') {
    if (uidArg === undefined) throw new Error(`unable to find user ${userArg}: no matching entries in passwd file`);
    user.uid = checkRange(uidArg);
  }
  if (groupArg === '' && !matched) return user;
  const gidArg = toId(groupArg);
  const groups = parseGroup(files.group).filter((g) =>
    groupArg === '' ? g.members.includes(matched!.name) : gidArg !== undefined ? g.gid === gidArg : g.name === groupArg,
  );
  if (groupArg === '') user.additionalGids = groups.map((g) => g.gid);
  else if (groups.length > 0) user.gid = groups[0].gid;
  else if (gidArg === undefined) throw new Error(`unable to find group ${groupArg}: no matching entries in group file`);
  else user.gid = checkRange(gidArg);
  return user;
}

/**
 * The argv of a container, as docker merges `run`'s arguments into the image's config: a run
 * command replaces Cmd and keeps Entrypoint; `--entrypoint` replaces Entrypoint and drops the
 * image's Cmd (`--entrypoint ""` resets it to none).
 * @param run.entrypoint `--entrypoint`'s value when given
 * @param run.cmd the arguments after the image name
 * @throws {Error} "no command specified" when nothing is left to run
 * @example commandLine({ Entrypoint: ['/init'], Cmd: ['serve'] }, { cmd: ['sh'] }) // ['/init', 'sh']
 */
export function commandLine(
  image: Pick<ImageConfig, 'Entrypoint' | 'Cmd'>,
  run: { entrypoint?: string; cmd?: readonly string[] },
): string[] {
  const cmd = run.cmd && run.cmd.length > 0 ? [...run.cmd] : undefined;
  const argv =
    run.entrypoint !== undefined
      ? [...(run.entrypoint === '' ? [] : [run.entrypoint]), ...(cmd ?? [])]
      : [...(image.Entrypoint ?? []), ...(cmd ?? image.Cmd ?? [])];
  if (argv.length === 0) throw new Error('no command specified');
  return argv;
}

/** A Dockerfile CMD/ENTRYPOINT value: a JSON list is the exec form, anything else the shell form. */
export function parseCommandValue(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const list = JSON.parse(trimmed);
      if (Array.isArray(list) && list.every((s) => typeof s === 'string')) return list;
    } catch {
      /* not JSON: the shell form, as docker does */
    }
  }
  return ['/bin/sh', '-c', trimmed];
}

const CHANGE = /^\s*([A-Za-z]+)\s+([\s\S]*)$/;

function keyValues(args: string, what: string): Array<[string, string]> {
  // `ENV KEY VALUE` (one pair) or `ENV K1=V1 K2="V 2"`.
  if (!/^[^\s=]+=/.test(args)) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args);
    if (!m) throw new SyntaxError(`${what} needs KEY=VALUE or KEY VALUE`);
    return [[m[1], m[2]]];
  }
  const pairs: Array<[string, string]> = [];
  for (const m of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) pairs.push([m[1], m[2].startsWith('"') ? JSON.parse(m[2]) : m[2]]);
  return pairs;
}

/**
 * Applies `docker import --change` instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL,
 * USER, VOLUME, WORKDIR) to a config.
 * @throws {SyntaxError} for another instruction or a malformed one
 * @example applyChanges({}, ['CMD ["/bin/sh"]', 'ENV A=1']) // { Cmd: ['/bin/sh'], Env: ['A=1'] }
 */
export function applyChanges(base: ImageConfig, changes: readonly string[]): ImageConfig {
  const config: ImageConfig = { ...base };
  for (const change of changes) {
    const m = CHANGE.exec(change);
    if (!m) throw new SyntaxError(`invalid change ${JSON.stringify(change)}: expected INSTRUCTION ARGUMENTS`);
    const [, word, args] = m;
    const what = `${word.toUpperCase()} in ${JSON.stringify(change)}`;
    switch (word.toUpperCase()) {
      case 'CMD':
        config.Cmd = parseCommandValue(args);
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = parseCommandValue(args);
        break;
      case 'WORKDIR':
        config.WorkingDir = args.trim();
        break;
      case 'USER':
        config.User = args.trim();
        break;
      case 'STOPSIGNAL':
        config.StopSignal = args.trim();
        break;
      case 'ENV': {
        const env = (config.Env ?? []).slice();
        for (const [k, v] of keyValues(args.trim(), what)) {
          const at = env.findIndex((e) => e.split('=')[0] === k);
          if (at >= 0) env[at] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        config.Env = env;
        break;
      }
      case 'LABEL':
        config.Labels = { ...config.Labels, ...Object.fromEntries(keyValues(args.trim(), what)) };
        break;
      case 'EXPOSE':
        for (const port of args.trim().split(/\s+/))
          config.ExposedPorts = { ...config.ExposedPorts, [port.includes('/') ? port : `${port}/tcp`]: {} };
        break;
      case 'VOLUME': {
        const list = parseCommandValue(args)[0] === '/bin/sh' ? args.trim().split(/\s+/) : parseCommandValue(args);
        for (const v of list) config.Volumes = { ...config.Volumes, [v]: {} };
        break;
      }
      default:
        throw new SyntaxError(`${word.toUpperCase()} is not a valid change command`);
    }
  }
  return config;
}
