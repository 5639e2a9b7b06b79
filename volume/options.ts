/**
 * Create options (`docker volume create -o KEY=VALUE`), parsed strictly into a volume spec.
 *
 * - Managed (no `type`/`o`/`device`): a directory under the daemon's root; `uid`, `gid` (decimal,
 *   default 0), `mode` (octal, default 0755), `size` (bytes with an optional k/m/g/t suffix, powers
 *   of 1024; needs project quotas).
 * - Bind (Docker's `local` idiom): `type=none`, `o=bind` (or `rbind`) and `device=/abs/path`, all
 *   three. The read-only flag is per container (`-v NAME:/p:ro`), so `o` takes no other flag.
 */
import { VolumeError } from './errors.js';

export type VolumeSpec =
  { kind: 'managed'; uid: number; gid: number; mode: number; size?: number } | { kind: 'bind'; device: string; o: 'bind' | 'rbind' };

/** The options a Create may carry. */
export const KNOWN_OPTIONS = ['type', 'o', 'device', 'uid', 'gid', 'mode', 'size'] as const;
const BIND_KEYS = ['type', 'o', 'device'];
const MANAGED_KEYS = ['uid', 'gid', 'mode', 'size'];

export const DEFAULT_MODE = 0o755;
/** Largest uid/gid: 2^32 - 2 (2^32 - 1 is (uid_t)-1, "no change" to chown). */
const MAX_ID = 4294967294;

const invalid = (message: string) => new VolumeError(message);

/**
 * Reads the `Opts` of a Create (null or an object of strings) into a spec.
 * @throws {VolumeError} naming the first bad option
 * @example parseVolumeOptions({ type: 'none', o: 'bind', device: '/srv/data' }) // { kind: 'bind', device: '/srv/data', o: 'bind' }
 */
export function parseVolumeOptions(opts: Readonly<Record<string, string>> | null | undefined): VolumeSpec {
  const o = opts ?? {};
  const keys = Object.keys(o);
  for (const key of keys)
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key))
      throw invalid(`invalid option ${JSON.stringify(key)}: known options are ${KNOWN_OPTIONS.join(', ')}`);
  const bindKeys = keys.filter((k) => BIND_KEYS.includes(k));
  if (bindKeys.length === 0) return parseManaged(o);
  const managedKeys = keys.filter((k) => MANAGED_KEYS.includes(k));
  if (managedKeys.length > 0)
    throw invalid(
      `invalid option ${JSON.stringify(managedKeys[0])}: only for managed volumes, not with ${JSON.stringify(bindKeys[0])} (a bind volume keeps the host directory's owner and mode)`,
    );
  const missing = BIND_KEYS.filter((k) => o[k] === undefined);
  if (missing.length > 0)
    throw invalid(
      `invalid options: a bind volume needs type=none, o=bind and device=/host/path; ${missing.map((k) => JSON.stringify(k)).join(' and ')} missing`,
    );
  if (o.type !== 'none')
    throw invalid(`invalid option "type": ${JSON.stringify(o.type)} is not supported: only "none" (a bind mount of device)`);
  if (o.o !== 'bind' && o.o !== 'rbind')
    throw invalid(
      `invalid option "o": ${JSON.stringify(o.o)} is not supported: use "bind" or "rbind" (read-only is set per container: -v NAME:/path:ro)`,
    );
  if (!o.device.startsWith('/')) throw invalid(`invalid option "device": ${JSON.stringify(o.device)} is not an absolute path`);
  if (o.device.includes('\0')) throw invalid('invalid option "device": must not contain NUL');
  return { kind: 'bind', device: o.device, o: o.o };
}

function parseManaged(o: Readonly<Record<string, string>>): VolumeSpec {
  const spec: VolumeSpec = { kind: 'managed', uid: 0, gid: 0, mode: DEFAULT_MODE };
  if (o.uid !== undefined) spec.uid = parseId('uid', o.uid);
  if (o.gid !== undefined) spec.gid = parseId('gid', o.gid);
  if (o.mode !== undefined) spec.mode = parseMode(o.mode);
  if (o.size !== undefined) spec.size = parseSize(o.size);
  return spec;
}

function parseId(key: string, text: string): number {
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > MAX_ID)
    throw invalid(`invalid option ${JSON.stringify(key)}: ${JSON.stringify(text)} is not a number from 0 to ${MAX_ID}`);
  return Number(text);
}

/** An octal mode such as "0755", "755" or "1777" (sticky); at most 07777. */
export function parseMode(text: string): number {
  if (!/^0?[0-7]{3,4}$/.test(text) || Number.parseInt(text, 8) > 0o7777)
    throw invalid(`invalid option "mode": ${JSON.stringify(text)} is not an octal mode such as "0755"`);
  return Number.parseInt(text, 8);
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** A size such as "10G", "512m", "1048576" (bytes; suffixes are powers of 1024, as Docker's). */
export function parseSize(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw invalid(`invalid option "size": ${JSON.stringify(text)} is not a size such as "10G", "512M" or a number of bytes`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1024 * 1024 || !Number.isSafeInteger(bytes))
    throw invalid(`invalid option "size": ${JSON.stringify(text)} is out of range: at least 1M`);
  return bytes;
}

/** A spec as option values, defaults filled in: what two Creates are compared by. */
function optionValues(spec: VolumeSpec): Partial<Record<(typeof KNOWN_OPTIONS)[number], string>> {
  if (spec.kind === 'bind') return { type: 'none', o: spec.o, device: spec.device };
  return {
    uid: String(spec.uid),
    gid: String(spec.gid),
    mode: spec.mode.toString(8).padStart(4, '0'),
    ...(spec.size !== undefined && { size: String(spec.size) }),
  };
}

/**
 * Why a Create asking for `requested` conflicts with an existing volume made with `existing`
 * (each differing option, what it is and what was asked), or undefined when they are the same
 * (defaults included: no options and `uid=0` are the same).
 * @example describeOptionConflict(parseVolumeOptions({ mode: '0700' }), parseVolumeOptions({}))
 * // 'volume exists with different options: mode is "0700", requested "0755"'
 */
export function describeOptionConflict(existing: VolumeSpec, requested: VolumeSpec): string | undefined {
  const [was, asked] = [optionValues(existing), optionValues(requested)];
  const keys = KNOWN_OPTIONS.filter((k) => was[k] !== asked[k]);
  if (keys.length === 0) return undefined;
  const show = (v: string | undefined) => (v === undefined ? 'unset' : JSON.stringify(v));
  return `volume exists with different options: ${keys.map((k) => `${k} is ${show(was[k])}, requested ${show(asked[k])}`).join('; ')}`;
}
