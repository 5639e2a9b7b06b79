/**
 * `berth network create|ls|inspect|rm|prune`: Docker's commands and output on netctl's networks
 * (the same config dir, netctl's own create and rm code). Networks made here get dnsname (names
 * resolve) and `isolate` (no traffic to other isolated networks), as Docker's user-defined networks.
 */
import { selfDirOf } from '../cni/sibling.js';
import { cniDirsOf } from '../runtime/network/dirs.js';
import { cniContext } from '../runtime/network/setup.js';
import { listCachedAttachments } from '../cni/cache.js';
import { loadNetworks } from '../network/config-dir.js';
import type { CommandContext } from '../network/context.js';
import { networkId } from '../network/names.js';
import { renderTypedTemplate } from '../lib/go-template.js';
import { NETWORK_RESOURCE } from '../lib/docker-api-types.js';
import { formatRows } from '../lib/format-rows.js';
import { parseFlags, list, str, type FlagDef } from './flags.js';
import { operandError, requireArgs, UsageError } from './errors.js';
import type { Globals } from './globals.js';
import { eachContainer } from './context.js';
import {
  BUILTIN,
  LS_DEFAULT_FORMAT,
  LS_HEADERS,
  inspectNetwork,
  lsFields,
  matchesNetworkFilters,
  parseNetworkFilters,
  type NetworkEntry,
} from './network-view.js';

/** netctl's context for berth's global options: the same dirs and defaults as netctl's and `berth run`'s. */
export function netctlContext(g: Globals, out: (text: string) => void = () => {}): CommandContext {
  return {
    ...cniContext(cniDirsOf(g, process.env, selfDirOf())),
    out,
    warn: (text) => process.stderr.write(`berth: warning: ${text}\n`),
  };
}

/** Every network: the config dir's and the built-in `host` and `none`, sorted by name as docker does. */
export async function listNetworks(ctx: CommandContext): Promise<NetworkEntry[]> {
  const { networks } = await loadNetworks(ctx.opts.configDir);
  const entries: NetworkEntry[] = [
    ...networks.map((n) => ({ name: n.name, id: networkId(n.name), driver: n.driver, info: n })),
    ...BUILTIN.filter((b) => !networks.some((n) => n.name === b.name)).map((b) => ({ ...b, id: networkId(b.name) })),
  ];
  return entries.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/** A network by name, full ID or unique ID prefix. @throws {Error} "No such network" */
export function findNetworkEntry(entries: readonly NetworkEntry[], ref: string): NetworkEntry {
  const found =
    entries.find((e) => e.name === ref) ??
    entries.find((e) => e.id === ref) ??
    (() => {
      const byPrefix = entries.filter((e) => ref !== '' && e.id.startsWith(ref));
      return byPrefix.length === 1 ? byPrefix[0] : undefined;
    })();
  if (!found) throw new Error(`No such network: ${ref}`);
  return found;
}

function flagsOf(defs: FlagDef[], argv: string[], command: string) {
  return parseFlags(defs, argv, `network ${command}`);
}

const LS_FLAGS: FlagDef[] = [
  { name: 'filter', short: 'f', type: 'list', describe: 'dangling, driver, id, label, name, scope or type' },
  { name: 'format', type: 'string', describe: 'a Go template, e.g. "table {{.ID}}\\t{{.Name}}"' },
  { name: 'no-trunc', type: 'bool', describe: 'full network IDs' },
  { name: 'quiet', short: 'q', type: 'bool', describe: 'only IDs' },
];

async function ls(g: Globals, argv: string[]): Promise<number> {
  const { flags, args } = flagsOf(LS_FLAGS, argv, 'ls');
  if (args.length > 0) throw operandError('network ls', 'accepts no arguments');
  const filters = parseNetworkFilters(list(flags.filter), ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
  const ctx = netctlContext(g);
  // Attachments are read only for a dangling filter: a container attached makes a network in use.
  const inUse = async (name: string) =>
    filters.some(([k]) => k === 'dangling') && (await listCachedAttachments(ctx.opts.cacheDir, { networkName: name })).length > 0;
  const entries = [];
  for (const n of await listNetworks(ctx)) if (matchesNetworkFilters(n, filters, await inUse(n.name))) entries.push(n);
  const noTrunc = flags['no-trunc'] === true;
  const format = flags.quiet === true ? '{{.ID}}' : (str(flags.format) ?? LS_DEFAULT_FORMAT);
  const rows = entries.map((n) => lsFields(n, noTrunc));
  process.stdout.write(formatRows(format, rows, LS_HEADERS, LS_DEFAULT_FORMAT));
  return 0;
}

async function inspect(g: Globals, argv: string[]): Promise<number> {
  const defs: FlagDef[] = [
    { name: 'format', short: 'f', type: 'string', describe: 'a Go template' },
    { name: 'verbose', short: 'v', type: 'bool', describe: 'accepted for Docker compatibility' },
  ];
  const { flags, args } = flagsOf(defs, argv, 'inspect');
  requireArgs(args, 'network inspect');
  const ctx = netctlContext(g);
  const entries = await listNetworks(ctx);
  const out: unknown[] = [];
  const code = await eachContainer(args, async (ref) => {
    const n = findNetworkEntry(entries, ref);
    out.push(inspectNetwork(n, n.info ? await listCachedAttachments(ctx.opts.cacheDir, { networkName: n.name }) : []));
  });
  const format = str(flags.format);
  if (format === undefined) process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  else for (const o of out) process.stdout.write(`${renderTypedTemplate(format, NETWORK_RESOURCE, o)}\n`);
  return code;
}

const SUBCOMMANDS: Record<string, (g: Globals, argv: string[]) => Promise<number>> = {
  create: async (g, a) => (await import('./network-create.js')).create(g, a),
  ls,
  list: ls,
  inspect,
  rm: async (g, a) => (await import('./network-create.js')).rm(g, a),
  remove: async (g, a) => (await import('./network-create.js')).rm(g, a),
  prune: async (g, a) => (await import('./network-create.js')).prune(g, a),
};

const USAGE = `
Usage:  berth network COMMAND

Manage networks (the networks of netctl)

Commands:
  connect     Connect a container to a network
  create      Create a network
  disconnect  Disconnect a container from a network
  inspect     Display detailed information on one or more networks
  ls          List networks
  prune       Remove all unused networks
  rm          Remove one or more networks
`;

export async function network(g: Globals, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub === 'connect' || sub === 'disconnect') return (await import('./network-connect.js'))[sub](g, rest);
  const run = SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`unknown command "${sub}" for "berth network"\nSee 'berth network --help'.`);
  return run(g, rest);
}

export { flagsOf };
