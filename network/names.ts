/** Names netctl derives or checks: networks, bridges, container IDs, interface names. Pure. */
import { sha256Hex } from '../lib/random-hex.js';
import { describeIfnameProblem, isValidContainerId } from '../cni/env.js';
import { UsageError } from './errors.js';

/** Network names, as libcni and podman accept them (also a file name: NAME.conflist). */
export const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Longest name whose NAME.conflist and cache file names stay within 255 bytes. */
export const MAX_NETWORK_NAME = 128;

/** @throws {UsageError} naming the value */
export function validateNetworkName(name: string): void {
  if (!NETWORK_NAME.test(name)) throw new UsageError(`invalid network name ${JSON.stringify(name)}: must match ${NETWORK_NAME.source}`);
  if (name.length > MAX_NETWORK_NAME)
    throw new UsageError(`invalid network name ${JSON.stringify(name)}: longer than ${MAX_NETWORK_NAME} characters`);
}

/** The network's ID, as podman derives it for CNI networks: sha256 of the name, hex. */
export function networkId(name: string): string {
  return sha256Hex(name);
}

/**
 * The bridge of a network when none is given: "br-" + 12 hex digits of its ID, as Docker names
 * user-defined bridges; 15 characters, the kernel's limit.
 * @example bridgeNameFor('web') // "br-" + 12 hex digits
 */
export function bridgeNameFor(network: string): string {
  return `br-${networkId(network).slice(0, 12)}`;
}

/** @throws {UsageError} when `name` cannot be a kernel interface name */
export function validateInterfaceName(name: string, what: string): void {
  const problem = describeIfnameProblem(name);
  if (problem) throw new UsageError(`invalid ${what} name ${JSON.stringify(name)}: ${problem}`);
}

/** @throws {UsageError} unless a valid CNI container ID (the plugins' own check: one expression to compile per run) */
export function validateContainerId(id: string): void {
  if (!isValidContainerId(id)) throw new UsageError(`invalid container id ${JSON.stringify(id)}: must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$`);
}

/** The container ID of an attachment when --id is not given: stable per netns path, as cnitool does. */
export function defaultContainerId(netnsPath: string): string {
  return `netctl-${sha256Hex(netnsPath).slice(0, 12)}`;
}

/** The first "ethN" (N = 0, 1, ...) not in `taken`. */
export function nextInterfaceName(taken: Iterable<string>, prefix = 'eth'): string {
  const used = new Set(taken);
  for (let i = 0; ; i++) if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/**
 * Where a NETNS argument points: a path as given (anything with a "/"), else a name under
 * /run/netns (as `ip netns` names them).
 * @throws {UsageError} for an empty or unusable name
 */
export function resolveNetnsArg(arg: string, netnsDir = '/run/netns'): string {
  if (arg === '') throw new UsageError('invalid network namespace "": must be a name under /run/netns or a path');
  if (arg.includes('/')) return arg;
  if (arg === '.' || arg === '..')
    throw new UsageError(`invalid network namespace ${JSON.stringify(arg)}: must be a name under /run/netns or a path`);
  return `${netnsDir}/${arg}`;
}
