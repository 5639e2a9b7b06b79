/**
 * Docker 20.10's resource flags, parsed as its CLI (docker/cli opts, go-units) and checked as its
 * daemon (verifyPlatformContainerResources) do, with their wording. Pure: no kernel, no files.
 */
import type { Resources, ThrottleDevice } from './index.js';
import { SettingError } from '../errors.js';

/** A bad resource flag. `kind` "flag" is a CLI parse error (Docker adds "See 'docker run --help'."), "daemon" a rule the daemon checks. */
export class ResourceFlagError extends SettingError {
  constructor(message: string, kind: 'flag' | 'daemon') {
    super(message, kind);
    this.name = 'ResourceFlagError';
  }
}

/** The smallest memory limit and reservation Docker accepts (linuxMinMemory). */
export const MIN_MEMORY = 6 * 1024 * 1024;
const BINARY_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const SIZE = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;

/**
 * Parses a size with binary units as go-units' RAMInBytes ("32m", "1.5g", "512", "64MiB").
 * @throws {SyntaxError} "invalid size: 'TEXT'"
 * @throws {RangeError} for 8 EiB and more
 */
export function parseRamSize(text: string): number {
  const m = SIZE.exec(text);
  if (!m) throw new SyntaxError(`invalid size: '${text}'`);
  // Go's ParseFloat refuses "1.2.3", which the pattern lets through.
  if (!/^\d+(\.\d+)?$/.test(m[1])) throw new SyntaxError(`strconv.ParseFloat: parsing "${m[1]}": invalid syntax`);
  const bytes = Math.trunc(Number(m[1]) * (BINARY_UNITS[(m[3] ?? '').toLowerCase()] ?? 1));
  // go-units returns an int64: past it, Go's conversion wraps to a negative size that dockerd
  // refuses by accident ("Minimum memory limit allowed is 6MB"); the kernel would refuse it at start.
  if (bytes >= 2 ** 63) throw new RangeError(`invalid size: '${text}': more than an int64 of bytes`);
  return bytes;
}

/** Parses `--cpus` ("0.5", "1.25", "3/2" as big.Rat does) into nano CPUs. */
export function parseNanoCpus(text: string): number {
  const rat = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(text);
  let nano: number;
  if (frac && Number(frac[2]) !== 0) {
    nano = (Number(frac[1]) * 1e9) / Number(frac[2]);
  } else if (rat && (rat[2] !== '' || (rat[3] ?? '') !== '')) {
    nano = Number(`${rat[1]}${rat[2] || '0'}.${rat[3] ?? ''}e${Number(rat[4] ?? 0) + 9}`);
  } else {
    throw new SyntaxError(`failed to parse ${text} as a rational number`);
  }
  if (!Number.isInteger(nano)) throw new RangeError('value is too precise');
  return nano;
}

/** Parses a Go integer flag value (pflag uses base 0: "0x10" and "010" are allowed). */
function parseGoInt(text: string, fn: 'ParseInt' | 'ParseUint', bits: number): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/.exec(text.replace(/_/g, ''));
  if (!m || (fn === 'ParseUint' && m[1] !== '')) throw new SyntaxError(`strconv.${fn}: parsing ${JSON.stringify(text)}: invalid syntax`);
  const digits = m[2].replace(/^0(?=[0-7])/, '0o');
  const value = Number(m[1] === '-' ? -BigInt(digits) : BigInt(digits));
  const max = fn === 'ParseUint' ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  if (value > max || value < -max - 1) throw new RangeError(`strconv.${fn}: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

/** Parses `--device-*-bps` ("/dev/loop0:1mb"), as docker/cli's ValidateThrottleBpsDevice. */
export function parseThrottleBps(text: string): ThrottleDevice {
  const [path, rate] = splitDevice(text);
  const bad = `invalid rate for device: ${text}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`;
  try {
    return { path, rate: parseRamSize(rate) };
  } catch {
    throw new SyntaxError(bad);
  }
}

/** Parses `--device-*-iops` ("/dev/loop0:100"), as docker/cli's ValidateThrottleIOpsDevice. */
export function parseThrottleIops(text: string): ThrottleDevice {
  const [path, rate] = splitDevice(text);
  if (!/^\d+$/.test(rate) || Number(rate) > Number.MAX_SAFE_INTEGER)
    throw new SyntaxError(
      `invalid rate for device: ${text}. The correct format is <device-path>:<number>. Number must be a positive integer`,
    );
  return { path, rate: Number(rate) };
}

function splitDevice(text: string): [string, string] {
  const at = text.indexOf(':');
  if (at < 0) throw new SyntaxError(`bad format: ${text}`);
  if (!text.startsWith('/dev/')) throw new SyntaxError(`bad format for device path: ${text}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * Parses a cpuset list ("0-3,5") into its CPU numbers, as moby's parsers.ParseUintList.
 * @throws {SyntaxError} "invalid format: TEXT"
 */
export function parseCpuList(text: string): number[] {
  if (text === '') return [];
  const cpus = new Set<number>();
  const bad = new SyntaxError(`invalid format: ${text}`);
  for (const part of text.split(',')) {
    const [lo, hi = lo] = part.split(/-(.*)/s, 2);
    if (!/^\+?\d+$/.test(lo) || !/^\+?\d+$/.test(hi) || Number(hi) < Number(lo)) throw bad;
    for (let cpu = Number(lo); cpu <= Number(hi); cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

interface FlagSpec {
  names: string[];
  label: string;
}
const FLAGS = {
  memory: { names: ['memory', 'm'], label: '-m, --memory' },
  memorySwap: { names: ['memory-swap', 'memorySwap'], label: '--memory-swap' },
  memoryReservation: { names: ['memory-reservation', 'memoryReservation'], label: '--memory-reservation' },
  cpuShares: { names: ['cpu-shares', 'cpuShares', 'c'], label: '-c, --cpu-shares' },
  cpus: { names: ['cpus'], label: '--cpus' },
  cpusetCpus: { names: ['cpuset-cpus', 'cpusetCpus'], label: '--cpuset-cpus' },
  pidsLimit: { names: ['pids-limit', 'pidsLimit'], label: '--pids-limit' },
  blkioWeight: { names: ['blkio-weight', 'blkioWeight'], label: '--blkio-weight' },
  deviceReadBps: { names: ['device-read-bps', 'deviceReadBps'], label: '--device-read-bps' },
  deviceWriteBps: { names: ['device-write-bps', 'deviceWriteBps'], label: '--device-write-bps' },
  deviceReadIops: { names: ['device-read-iops', 'deviceReadIops'], label: '--device-read-iops' },
  deviceWriteIops: { names: ['device-write-iops', 'deviceWriteIops'], label: '--device-write-iops' },
} satisfies Record<string, FlagSpec>;

/** Every value given for a flag under any of its names, last one last (a repeated flag is an array). */
function valuesOf(flags: Record<string, unknown>, spec: FlagSpec): string[] {
  const seen = new Set<unknown>();
  const out: string[] = [];
  for (const name of spec.names) {
    const v = flags[name];
    if (v === undefined || v === null || v === false || seen.has(v)) continue;
    seen.add(v); // yargs puts one value under both the alias and the camelCase key
    for (const item of Array.isArray(v) ? v : [v]) out.push(String(item));
  }
  return out;
}

/** Runs a parser on a flag's last value and words its error as pflag does. */
function one<T>(flags: Record<string, unknown>, spec: FlagSpec, parse: (s: string) => T): T | undefined {
  const values = valuesOf(flags, spec);
  return values.length === 0 ? undefined : wrap(spec, values[values.length - 1], parse);
}

function all<T>(flags: Record<string, unknown>, spec: FlagSpec, parse: (s: string) => T): T[] | undefined {
  const values = valuesOf(flags, spec);
  return values.length === 0 ? undefined : values.map((v) => wrap(spec, v, parse));
}

function wrap<T>(spec: FlagSpec, value: string, parse: (s: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw new ResourceFlagError(
      `invalid argument ${JSON.stringify(value)} for ${JSON.stringify(spec.label)} flag: ${(err as Error).message}`,
      'flag',
    );
  }
}

/**
 * Parses Docker's resource flags from a parsed argv (kebab-case or camelCase keys, `m` and `c`
 * short names; strings or numbers; device flags may repeat) and applies the daemon's defaults
 * (`--memory-swap` twice `--memory` when unset) and rules.
 * @throws {ResourceFlagError} with Docker's wording
 * @example parseResources({ memory: '32m', 'memory-swap': '-1' }) // { memory: 33554432, memorySwap: -1 }
 */
export function parseResources(flags: Record<string, unknown>): Resources {
  const r: Resources = {
    memory: one(flags, FLAGS.memory, parseRamSize),
    memorySwap: one(flags, FLAGS.memorySwap, (s) => (s === '-1' ? -1 : parseRamSize(s))),
    memoryReservation: one(flags, FLAGS.memoryReservation, parseRamSize),
    cpuShares: one(flags, FLAGS.cpuShares, (s) => parseGoInt(s, 'ParseInt', 64)),
    nanoCpus: one(flags, FLAGS.cpus, parseNanoCpus),
    cpusetCpus: one(flags, FLAGS.cpusetCpus, (s) => s),
    pidsLimit: one(flags, FLAGS.pidsLimit, (s) => parseGoInt(s, 'ParseInt', 64)),
    blkioWeight: one(flags, FLAGS.blkioWeight, (s) => parseGoInt(s, 'ParseUint', 16)),
    deviceReadBps: all(flags, FLAGS.deviceReadBps, parseThrottleBps),
    deviceWriteBps: all(flags, FLAGS.deviceWriteBps, parseThrottleBps),
    deviceReadIops: all(flags, FLAGS.deviceReadIops, parseThrottleIops),
    deviceWriteIops: all(flags, FLAGS.deviceWriteIops, parseThrottleIops),
  };
  return checkResources(dropUnset(r));
}

/** Zero means "not set" for Docker's numeric flags; 0 or -1 pids means unlimited. */
function dropUnset(r: Resources): Resources {
  const out: Resources = {};
  for (const [key, value] of Object.entries(r) as [keyof Resources, unknown][])
    if (value !== undefined && value !== 0 && value !== '') (out as Record<string, unknown>)[key] = value;
  if (out.pidsLimit !== undefined && out.pidsLimit < 0) delete out.pidsLimit;
  return out;
}

/** The daemon's rules and defaults (moby daemon_unix.go, 20.10), in its order and words. */
function checkResources(r: Resources): Resources {
  const fail = (message: string): never => {
    throw new ResourceFlagError(message, 'daemon');
  };
  const memory = r.memory ?? 0,
    swap = r.memorySwap ?? 0,
    reservation = r.memoryReservation ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0) fail('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (reservation > 0 && reservation < MIN_MEMORY) fail('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation)
    fail('Minimum memory limit can not be less than memory reservation limit, see usage');
  if ((r.cpuShares ?? 0) < 0) fail('shares: invalid argument');
  if (r.cpusetCpus !== undefined) {
    try {
      parseCpuList(r.cpusetCpus);
    } catch (err) {
      fail(`Invalid value ${r.cpusetCpus} for cpuset cpus: ${(err as Error).message}`);
    }
  }
  // By default, MemorySwap is set to twice the size of Memory (adaptContainerSettings).
  if (memory > 0 && swap === 0) r.memorySwap = memory * 2;
  return r;
}

/**
 * The daemon's checks against the host: at most the host's CPUs for `--cpus`, only CPUs the
 * parent cpuset has. `available` is the parent's cpuset ("0-1").
 * @throws {ResourceFlagError}
 */
export function checkHostResources(r: Resources, hostCpus: number, available: string): void {
  const nano = r.nanoCpus ?? 0;
  if (nano < 0 || nano > hostCpus * 1e9)
    throw new ResourceFlagError(`Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`, 'daemon');
  if (r.cpusetCpus === undefined) return;
  const have = new Set(parseCpuList(available));
  if (!parseCpuList(r.cpusetCpus).every((cpu) => have.has(cpu)))
    throw new ResourceFlagError(`Requested CPUs are not available - requested ${r.cpusetCpus}, available: ${available}`, 'daemon');
}
