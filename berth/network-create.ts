/** `berth network create|rm|prune`: netctl's create and rm, with Docker's flags, defaults and messages. */
import { DOCKER_POOLS } from '../runtime/network/plan.js';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { listCachedAttachments } from '../cni/cache.js';
import { createNetwork } from '../network/create.js';
import { rm as netctlRm } from '../network/remove.js';
import { loadNetworks } from '../network/config-dir.js';
import type { CommandContext } from '../network/context.js';
import { CliError } from '../cli/errors.js';
import { networkId } from '../network/names.js';
import { ExitError, operandError, requireArgs } from './errors.js';
import { list, str, type FlagDef } from './flags.js';
import type { Globals } from './globals.js';
import { eachContainer } from './context.js';
import { findNetworkEntry, flagsOf, listNetworks, netctlContext } from './network.js';
import { DEFAULT_NETWORK } from '../runtime/network/plan.js';
import { isPredefined, matchesNetworkFilters, parseNetworkFilters } from './network-view.js';

/** User-defined networks take Docker's pools after the default `bridge` network's 172.17.0.0/16. */
const USER_POOLS = DOCKER_POOLS.slice(1);

const CREATE_FLAGS: FlagDef[] = [
  { name: 'driver', short: 'd', type: 'string', describe: 'driver: bridge (the only one)' },
  { name: 'subnet', type: 'list', describe: 'subnet in CIDR format (one per family)' },
  { name: 'gateway', type: 'list', describe: 'gateway of the subnet' },
  { name: 'ip-range', type: 'list', describe: 'allocate container addresses from a sub-range' },
  { name: 'internal', type: 'bool', describe: 'no route beyond the network, no masquerade' },
  { name: 'ipv6', type: 'bool', describe: 'an IPv6 subnet too (a free /64 unless given)' },
  { name: 'label', type: 'list', describe: 'set metadata (KEY=VALUE)' },
  { name: 'opt', short: 'o', type: 'list', describe: 'bridge driver options (see the docs)' },
];

/** `-o` options Berth understands, as Docker's bridge driver names them. */
function bridgeOptions(opts: readonly string[]): { bridge?: string; mtu?: number; masquerade: boolean } {
  const out: { bridge?: string; mtu?: number; masquerade: boolean } = { masquerade: true };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const [key, value] = eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
    if (key === 'com.docker.network.bridge.name') out.bridge = value;
    else if (key === 'com.docker.network.driver.mtu') {
      if (!/^\d+$/.test(value)) throw new Error(`invalid MTU ${JSON.stringify(value)}: not a whole number`);
      out.mtu = Number(value);
    } else if (key === 'com.docker.network.bridge.enable_ip_masquerade') out.masquerade = value !== 'false';
    else throw new Error(`option ${JSON.stringify(key)} is not supported by berth's bridge driver`);
  }
  return out;
}

/** `berth network create`: prints the new network's ID. */
export async function create(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = flagsOf(CREATE_FLAGS, argv, 'create');
  requireArgs(args, 'network create', 1, true);
  const [name] = args;
  const ctx = netctlContext(g);
  const fail = (message: string) => new ExitError(message, 1);
  const driver = str(flags.driver) ?? 'bridge';
  if (driver !== 'bridge') throw fail(`plugin "${driver}" not found`);
  const subnets = list(flags.subnet),
    gateways = list(flags.gateway),
    ranges = list(flags['ip-range']);
  if (subnets.length < ranges.length || subnets.length < gateways.length)
    throw fail('every ip-range or gateway must have a corresponding subnet');
  if (isPredefined(name) || (await loadNetworks(ctx.opts.configDir)).networks.some((n) => n.name === name))
    throw fail(`network with name ${name} already exists`);
  let options;
  try {
    options = bridgeOptions(list(flags.opt));
  } catch (err) {
    throw fail((err as Error).message);
  }
  const request = {
    name,
    subnets,
    gateways,
    ipRanges: ranges,
    ...(options.bridge !== undefined && { bridge: options.bridge }),
    ...(options.mtu !== undefined && { mtu: options.mtu }),
    internal: flags.internal === true,
    isolate: true,
    masquerade: options.masquerade,
    dns: true,
    labels: list(flags.label),
    ipv6: flags.ipv6 === true,
    leaseDir: join(ctx.opts.cacheDir, 'networks'),
    firewallDir: join(g.stateDir, 'firewall'),
    dnsStateDir: join(g.stateDir, 'dnsname'),
  };
  // Docker's pools, in order, when no IPv4 subnet is given; each attempt is one netctl create.
  const pools = subnets.some((s) => !s.includes(':')) ? USER_POOLS.slice(0, 1) : USER_POOLS;
  for (const [subnetPool, subnetSize] of pools) {
    try {
      await createNetwork({ ...request, subnetPool, subnetSize }, ctx);
      process.stdout.write(`${networkId(name)}\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      if (!/no free/.test(err.message) || subnetPool === pools.at(-1)![0]) throw fail(dockerWording(err.message));
    }
  }
  throw fail('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

/** netctl's refusals of --subnet, --gateway and --ip-range in the docker CLI's and dockerd's words. */
const DOCKER_WORDING: Array<[RegExp, string]> = [
  [/^invalid subnet "([^"]*)": not a CIDR.*$/, 'Invalid subnet $1 : invalid CIDR address: $1'],
  [/^invalid gateway "([^"]*)": .*$/, 'no matching subnet for gateway $1'],
  [/^invalid ip range "([^"]*)": .*$/, 'no matching subnet for range $1'],
  [/^cannot create network "[^"]*": subnet "[^"]*" overlaps subnet .*$/, 'Pool overlaps with other one on this address space'],
];

function dockerWording(message: string): string {
  const rule = DOCKER_WORDING.find(([pattern]) => pattern.test(message));
  return rule ? message.replace(rule[0], rule[1]) : message;
}

/** Removes one network through netctl, refusing one with containers as Docker does. */
async function removeOne(ctx: CommandContext, id: string, name: string): Promise<void> {
  if (isPredefined(name)) throw new Error(`${name} is a pre-defined network and cannot be removed`);
  const attached = await listCachedAttachments(ctx.opts.cacheDir, { networkName: name });
  if (attached.length > 0) throw new Error(`error while removing network: network ${name} id ${id} has active endpoints`);
  try {
    await netctlRm({ names: [name], force: false }, ctx);
  } catch (err) {
    throw err instanceof CliError ? new Error(`error while removing network: ${err.message}`) : err;
  }
}

/** `berth network rm NETWORK...`: each name on its own; prints each one removed. */
export async function rm(g: Globals, argv: string[]): Promise<number> {
  const { args } = flagsOf([], argv, 'rm');
  requireArgs(args, 'network rm');
  const ctx = netctlContext(g);
  return eachContainer(args, async (ref) => {
    const n = findNetworkEntry(await listNetworks(ctx), ref);
    await removeOne(ctx, n.id, n.name);
    process.stdout.write(`${ref}\n`);
  });
}

async function confirmed(): Promise<boolean> {
  process.stdout.write(
    'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ',
  );
  const rl = createInterface({ input: process.stdin });
  const line = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(line.trim());
}

/** `berth network prune`: every network `berth network create` or netctl made with no container; never `bridge`. */
export async function prune(g: Globals, argv: string[]): Promise<number> {
  const defs: FlagDef[] = [
    { name: 'force', short: 'f', type: 'bool', describe: 'do not prompt for confirmation' },
    { name: 'filter', type: 'list', describe: 'label=KEY[=VALUE]' },
  ];
  const { flags, args } = flagsOf(defs, argv, 'prune');
  if (args.length > 0) throw operandError('network prune', 'accepts no arguments');
  const filters = parseNetworkFilters(list(flags.filter), ['label']);
  if (flags.force !== true && !(await confirmed())) return 0;
  const ctx = netctlContext(g);
  const candidates = (await listNetworks(ctx)).filter(
    (n) => n.info?.managed && n.name !== DEFAULT_NETWORK && matchesNetworkFilters(n, filters),
  );
  const removed: string[] = [];
  for (const n of candidates)
    try {
      await removeOne(ctx, n.id, n.name);
      removed.push(n.name);
    } catch {
      /* in use: kept, as docker does */
    }
  // The docker CLI's Fprintln of a text that ends in a newline: a blank line after the list.
  if (removed.length > 0) process.stdout.write(`Deleted Networks:\n${removed.map((r) => `${r}\n`).join('')}\n`);
  return 0;
}
