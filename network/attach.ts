/**
 * Attaching a network namespace to a network and detaching it (CNI ADD and DEL through the conflist
 * runner and its result cache, cni/runtime.ts): the core of `netctl attach`/`detach`/`check` and of
 * the runtime's container networking.
 */
import { existsSync } from 'node:fs';
import { CniError, ErrCode } from '../cni/errors.js';
import { cachedAttachmentsOf, decodeCachedConfig, listCachedAttachments, type CacheEntry } from '../cni/cache.js';
import { parseConfList, type NetworkConfigList } from '../cni/conflist.js';
import { addNetworkList, delNetworkList, type RuntimeOptions } from '../cni/runtime.js';
import type { Result } from '../cni/types.js';
import { formatIP } from '../cni/ip.js';
import { pluginCaller } from './runner.js';
import { findNetworkConfig, lookUpNetworkConfig, type NetworkConfig } from './config-dir.js';
import type { CommandContext } from './context.js';
import { describeContainer } from './describe.js';
import { NetctlError, UsageError } from './errors.js';
import { requireNetnsCapabilities } from './privilege.js';
import { defaultContainerId, nextInterfaceName, resolveNetnsArg, validateContainerId, validateInterfaceName } from './names.js';
import { assignHostPorts, type PortMapping, type PortRequest } from './ports.js';
import { parseAddressArg } from './subnets.js';
import { portRange, usedPorts } from './host-ports.js';

/** The conflist runner's options: Berth's own plugins beside netctl run in this process (network/runner.ts). */
export function runtimeOptions(ctx: CommandContext): RuntimeOptions {
  return {
    cniPath: ctx.opts.cniPath,
    cacheDir: ctx.opts.cacheDir,
    env: ctx.pluginEnv,
    callPlugin: pluginCaller(ctx.selfDir, ctx.netnsReady),
    ...(ctx.deferCacheFlush && { deferCacheFlush: ctx.deferCacheFlush }),
  };
}

/** What to attach: the network, the netns, and what the container asks of it. */
export interface AttachRequest {
  network: string;
  netns: string;
  id?: string;
  ifname?: string;
  ip: string[];
  mac?: string;
  /** Sent as CNI_ARGS K8S_POD_NAME, the name dnsname serves. */
  name?: string;
  alias?: string[];
  publish: PortRequest[];
  /**
   * The caller made the netns just now and its runtime brings `lo` up itself (berth-shim does, before
   * the command runs): it holds only a `lo`, so it is neither listed nor touched here.
   */
  newNetns?: boolean;
  /** The network's config as the caller has just read it for this attach: the config dir is not read again. */
  config?: NetworkConfig;
}

export interface Attached {
  id: string;
  netns: string;
  ifName: string;
  mappings: PortMapping[];
  result: Result;
}

/** Attempts after the first when a chosen host port was taken meanwhile: each skips the ports it lost. */
const MAX_PORT_RETRIES = 16;

/**
 * CNI ADD of a netns to a network (what `attach` prints, and `berth run` uses): capabilities
 * checked, lo up, the interface name and free host ports chosen, the result cached.
 */
export async function attachContainer(args: AttachRequest, ctx: CommandContext): Promise<Attached> {
  const requests = args.publish;
  const ips = args.ip.map((t) => formatIP(parseAddressArg(t, 'ip')));
  if (args.ifname !== undefined) validateInterfaceName(args.ifname, 'interface');
  if (args.id !== undefined) validateContainerId(args.id);
  const netns = resolveNetnsArg(args.netns);
  const action = `cannot attach to network ${JSON.stringify(args.network)}`;
  requireNetnsCapabilities(action);
  const net = args.config ?? (await findNetworkConfig(ctx.opts.configDir, args.network));
  if (!existsSync(netns)) throw new NetctlError(`${action}: network namespace ${JSON.stringify(netns)} does not exist`);
  const id = args.id ?? defaultContainerId(netns);
  // A capability no plugin of the list has would be dropped silently by the runner: refuse instead.
  for (const [cap, asked, what] of [
    ['portMappings', requests.length > 0, 'publish ports'],
    ['ips', ips.length > 0, 'set --ip'],
    ['mac', args.mac !== undefined, 'set --mac'],
    ['aliases', (args.alias ?? []).length > 0, 'set --alias'],
  ] as const)
    if (asked && !net.list.plugins.some((p) => p.capabilities?.[cap] === true))
      throw new NetctlError(`${action}: cannot ${what}: no plugin of the network has the ${JSON.stringify(cap)} capability`);
  // With ports to publish every cached attachment is read (the host ports in use): this one's are among them.
  const cached = requests.length > 0 ? await listCachedAttachments(ctx.opts.cacheDir) : undefined;
  const mine = cached ? cached.filter((e) => e.containerId === id) : await cachedAttachmentsOf(ctx.opts.cacheDir, id);
  const here = mine.filter((e) => e.networkName === args.network);
  if (args.ifname === undefined && here.length > 0)
    throw new NetctlError(
      `${action}: container ${describeContainer(id, netns)} is already attached to it as ${JSON.stringify(here[0].ifName)}`,
    );
  if (here.some((e) => e.ifName === args.ifname))
    throw new NetctlError(
      `${action}: container ${describeContainer(id, netns)} is already attached to it as ${JSON.stringify(args.ifname)}`,
    );
  const present = args.newNetns ? ['lo'] : await (await import('./host.js')).prepareNetns(netns);
  const ifName = args.ifname ?? nextInterfaceName([...mine.map((e) => e.ifName), ...present]);

  const chosen = (r: PortRequest) => r.hostPort === undefined || r.hostPortEnd !== undefined;
  const hasAuto = requests.some(chosen);
  const dumped = (['tcp', 'udp'] as const).filter((p) => requests.some((r) => r.protocol === p));
  const used = cached ? usedPorts(cached, dumped) : [];
  const range = requests.some((r) => r.hostPort === undefined) ? await portRange() : ([1, 65535] as [number, number]);
  // The lowest free ports, as docker hands out 32768, 32769, ... When parallel attaches pick the
  // same one, portmap refuses the second (106) and it retries past the ports it tried.
  for (let attempt = 0; ; attempt++) {
    let mappings: PortMapping[];
    try {
      mappings = assignHostPorts(requests, used, range);
    } catch (err) {
      if (err instanceof UsageError || !(err instanceof NetctlError)) throw err;
      throw new NetctlError(`${action}: ${err.message}`);
    }
    const capabilityArgs: Record<string, unknown> = {};
    if (mappings.length) capabilityArgs.portMappings = mappings;
    if (ips.length) capabilityArgs.ips = ips;
    if (args.mac !== undefined) capabilityArgs.mac = args.mac;
    if (args.alias?.length) capabilityArgs.aliases = { [args.network]: args.alias };
    // IgnoreUnknown: plugins that read CNI_ARGS refuse keys they do not know otherwise (libcni's LoadArgs).
    const cniArgs =
      args.name === undefined
        ? undefined
        : ([
            ['IgnoreUnknown', '1'],
            ['K8S_POD_NAME', args.name],
          ] as const);
    try {
      const result = await addNetworkList(
        net.list,
        { containerId: id, netns, ifName, capabilityArgs, ...(cniArgs && { args: cniArgs }) },
        runtimeOptions(ctx),
      );
      return { id, netns, ifName, mappings, result };
    } catch (err) {
      if (!(err instanceof CniError && err.code === ErrCode.PortConflict && hasAuto && attempt < MAX_PORT_RETRIES)) throw err;
      // Only the chosen ports: a given one that clashed fails the next attempt with its owner named.
      for (const [i, m] of mappings.entries())
        if (chosen(requests[i])) used.push({ protocol: m.protocol, port: m.hostPort, hostIP: m.hostIP, owner: 'a concurrent attachment' });
    }
  }
}

/** The list to run DEL with: the network's file when it still exists, else the config cached at ADD. */
async function listForDelete(ctx: CommandContext, network: string, entry: CacheEntry | undefined): Promise<NetworkConfigList> {
  const net = await lookUpNetworkConfig(ctx.opts.configDir, network);
  if (net) return net.list;
  if (entry?.config) return parseConfList(decodeCachedConfig(entry));
  throw new NetctlError(`network ${JSON.stringify(network)} not found in ${JSON.stringify(ctx.opts.configDir)}`);
}

export interface DetachArgs {
  network: string;
  netns: string;
  id?: string;
  ifname?: string;
}

/** The attachments a detach or check is about: the cached ones of (network, id[, ifname]). */
export async function selectAttachments(
  ctx: CommandContext,
  args: DetachArgs,
  verb: string,
): Promise<{ id: string; netns: string; entries: Array<CacheEntry | { ifName: string }> }> {
  if (args.ifname !== undefined) validateInterfaceName(args.ifname, 'interface');
  if (args.id !== undefined) validateContainerId(args.id);
  const netns = resolveNetnsArg(args.netns);
  const id = args.id ?? defaultContainerId(netns);
  requireNetnsCapabilities(`cannot ${verb} container ${describeContainer(id, netns)}`);
  const cached = (await listCachedAttachments(ctx.opts.cacheDir, { networkName: args.network, containerId: id })).filter(
    (e) => args.ifname === undefined || e.ifName === args.ifname,
  );
  if (cached.length > 0) return { id, netns, entries: cached };
  // Nothing cached: with an explicit interface, DEL still runs (it is idempotent), as cnitool does.
  if (args.ifname !== undefined && verb === 'detach') return { id, netns, entries: [{ ifName: args.ifname }] };
  throw new NetctlError(
    `cannot ${verb} container ${describeContainer(id, netns)}: it is not attached to network ${JSON.stringify(args.network)}`,
  );
}

/** CNI DEL of one attachment with its cached args; a netns already gone is fine (CNI_NETNS empty). */
export async function detachOne(
  ctx: CommandContext,
  network: string,
  id: string,
  netns: string,
  entry: CacheEntry | undefined,
  ifName: string,
): Promise<void> {
  await delAttachment(ctx, await listForDelete(ctx, network, entry), id, netns, entry, ifName);
}

/** CNI DEL through `list` with the attachment's cached args; a netns already gone is fine (CNI_NETNS empty). */
export async function delAttachment(
  ctx: CommandContext,
  list: NetworkConfigList,
  id: string,
  netns: string,
  entry: CacheEntry | undefined,
  ifName: string,
): Promise<void> {
  await delNetworkList(
    list,
    { containerId: id, netns: existsSync(netns) ? netns : '', ifName, args: entry?.cniArgs, capabilityArgs: entry?.capabilityArgs },
    runtimeOptions(ctx),
    entry,
  );
}
