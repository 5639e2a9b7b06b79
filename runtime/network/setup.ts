/**
 * A container's CNI networks over its life: the netns file made before the supervisor starts, every
 * network ADDed while it builds the container's root and before the command runs (each attachment
 * undone if a later one fails), DEL of every cached attachment on
 * every exit path (cleanup, gc), connect and disconnect while it runs. Plugins run as netctl runs
 * them (network/runner.ts: Berth's own in-process, any other exec'd), results cached as libcni does.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selfDirOf } from '../../cni/sibling.js';
import type { Result } from '../../cni/types.js';
import type { CommandContext } from '../../network/context.js';
import type { Attached } from '../../network/attach.js';
import type { NetworkConfig } from '../../network/config-dir.js';
import type { PortRequest } from '../../network/ports.js';
import type { Dirs } from '../paths.js';
import type { ContainerRecord } from '../record.js';
import type { CniDirs } from './dirs.js';
import { makeMountPoint, removeNetnsFile } from './netns-file.js';
import type { AttachmentInfo } from './settings.js';
import { checkFixedAddress, DEFAULT_NETWORK, exposedRequests, isSpecialMode, requestsOf, type EndpointConfig } from './plan.js';

// The network code (network/, cni/) loads only for a container on a CNI network: `--network none` and host skip their milliseconds.
const verbs = () => import('../../network/attach.js');
// Reading the result cache (ps, inspect, port) needs none of the attach code.
const cache = () => import('../../cni/cache.js');

/** A start's ADD: its cache flush handed over, its netns still being made (cniContext). */
interface Starting {
  deferCacheFlush: (flushed: Promise<void>) => void;
  netnsReady: Promise<void>;
  /** The network's config as the preload read it. */
  config?: NetworkConfig;
}

/** The netns file of a container on CNI networks. */
export const netnsFileOf = (d: Dirs, id: string) => join(d.stateDir, 'netns', id);

/**
 * netctl's command context for the dirs a container was made with; nothing printed. With
 * `starting` (a start): ADD hands over the result cache's flush to disk instead of waiting for it,
 * and the plugins wait for the netns the supervisor is still making.
 */
export function cniContext(cni: CniDirs, starting?: Starting): CommandContext {
  const debug = process.env.BERTH_DEBUG;
  return {
    opts: cni,
    out: () => {},
    warn: () => {},
    pluginEnv: debug ? { BERTH_DEBUG: debug } : {},
    selfDir: process.env.NETCTL_EXEC_PLUGINS === '1' ? undefined : selfDirOf(),
    ...(starting && { deferCacheFlush: starting.deferCacheFlush, netnsReady: starting.netnsReady }),
  };
}

/** The ports a start publishes: -p, and with -P every exposed port on a free host port. */
function publishedOf(rec: ContainerRecord): PortRequest[] {
  const given = requestsOf(rec.HostConfig.PortBindings ?? {});
  if (!rec.HostConfig.PublishAllPorts) return given;
  const taken = new Set(given.map((r) => `${r.containerPort}/${r.protocol}`));
  return [
    ...given,
    ...exposedRequests(Object.keys(rec.Config.ExposedPorts ?? {})).filter((r) => !taken.has(`${r.containerPort}/${r.protocol}`)),
  ];
}

/** ADD of `rec` to one network as `ifName`; `starting`: into the netns openNetns just made, the flush deferred. */
export async function attachEndpoint(
  d: Dirs,
  rec: ContainerRecord,
  network: string,
  ep: EndpointConfig,
  ifName: string,
  publish: PortRequest[],
  starting?: Starting,
): Promise<Attached> {
  const ctx = cniContext(rec.Cni!, starting);
  const [{ attachContainer }, { findNetwork }] = await Promise.all([verbs(), import('../../network/config-dir.js')]);
  if (network === DEFAULT_NETWORK) await (await import('./default-bridge.js')).ensureDefaultBridge(ctx, d.stateDir);
  const ips = [ep.IPAMConfig?.IPv4Address, ep.IPAMConfig?.IPv6Address].filter((x): x is string => !!x);
  const found = ep.Aliases?.length || ips.length ? await findNetwork(ctx.opts.configDir, network) : undefined;
  if (found) checkFixedAddress(found, ep.IPAMConfig);
  // Aliases are kept in the record either way; only a network with a name server (dnsname) gets them.
  const aliases = ep.Aliases?.length && found!.list.plugins.some((p) => p.capabilities?.aliases) ? ep.Aliases : [];
  return attachContainer(
    {
      network,
      netns: netnsFileOf(d, rec.Id),
      id: rec.Id,
      ifname: ifName,
      ip: ips,
      ...(ep.MacAddress && { mac: ep.MacAddress }),
      name: rec.Name,
      alias: aliases,
      publish,
      newNetns: !!starting, // berth-shim brings its `lo` up
      ...(starting?.config && { config: starting.config }),
    },
    ctx,
  );
}

/** A container's networks made ready (attachNetworks). */
export interface NetworkReady {
  /** What ADD returned, eth0 first, for the /etc files (no re-read of the cache). */
  attachments: AttachmentInfo[];
  /**
   * Settles when the result cache is on disk: ADD does not wait for it, so the disk's wait overlaps
   * the container's start; the caller awaits it before it reports the start.
   * @throws {Error} when the flush failed (the caller undoes the start)
   */
  durable(): Promise<void>;
}

/**
 * The network namespace the supervisor puts the container in: for CNI networks the netns file,
 * which the supervisor binds a new namespace on (`--make-netns`) before attachNetworks runs into
 * it; for container:CTR that container's; undefined for none and host (the supervisor makes or
 * keeps one).
 */
export async function openNetns(d: Dirs, rec: ContainerRecord, containerNetns: (ref: string) => string): Promise<string | undefined> {
  const mode = rec.HostConfig.NetworkMode;
  if (mode.startsWith('container:')) return containerNetns(mode.slice('container:'.length));
  if (!hasCniNetworks(rec)) return undefined;
  const path = netnsFileOf(d, rec.Id);
  await tearDownNetwork(d, rec); // a crash may have left the last run's
  makeMountPoint(path);
  return path;
}

/** The configs of a container's networks as the preload read them, by name: a start reads the config dir once. */
export type PreloadedConfigs = ReadonlyMap<string, NetworkConfig>;

/**
 * Loads the code attachNetworks runs, so that it loads while something else waits (the netns): the
 * network code, and each plugin of `rec`'s networks that runs in this process, with what it loads on
 * first use (skeleton, firewall). Returns the networks' configs it found, for attachNetworks.
 */
export async function preloadNetworkCode(rec: ContainerRecord): Promise<PreloadedConfigs> {
  const [, { findNetworkConfig }] = await Promise.all([verbs(), import('../../network/config-dir.js')]);
  const configs = new Map<string, NetworkConfig>();
  if (!rec.Cni || process.env.NETCTL_EXEC_PLUGINS === '1') return configs;
  const dir = rec.Cni.configDir;
  const names = Object.keys(rec.NetworkingConfig?.EndpointsConfig ?? {});
  const found = await Promise.all(names.map((n) => findNetworkConfig(dir, n).catch(() => undefined)));
  for (let i = 0; i < names.length; i++) {
    const config = found[i];
    if (config) configs.set(names[i], config);
  }
  const plugins = found.flatMap((n) => n?.list.plugins ?? []);
  const types = new Set(plugins.flatMap((p) => [p.type, (p.ipam as { type?: unknown } | undefined)?.type]));
  const { PLUGINS } = await import('../../plugins/registry.js');
  const own = [...types].filter((t): t is string => typeof t === 'string' && Object.hasOwn(PLUGINS, t));
  await Promise.all([import('../../cni/skel.js'), ...own.map((t) => PLUGINS[t]())]);
  if (own.includes('bridge')) await import('../../firewall/index.js'); // bridge loads it on first use
  return configs;
}

/**
 * ADD of the container to each of its CNI networks, in the netns file openNetns made; nothing for
 * other modes. The container's process may exist already, but its command must not run before this
 * settles (the supervisor waits for berth's Release frame). `netnsReady` settles once the supervisor
 * has made the netns on the file (rejects when it never will): what comes before the plugins runs
 * meanwhile. `configs`: the preload's, used instead of a second read of the config dir (a network it
 * did not find is looked up again).
 * @throws {Error} with everything undone, the netns file too
 */
export async function attachNetworks(
  d: Dirs,
  rec: ContainerRecord,
  netnsReady: Promise<void>,
  configs?: PreloadedConfigs,
): Promise<NetworkReady> {
  if (!hasCniNetworks(rec)) return { attachments: [], durable: () => Promise.resolve() };
  // Each flush's failure is kept (caught at once, so none goes unhandled) for durable() to throw.
  const flushes: Array<Promise<unknown>> = [];
  const defer = (flushed: Promise<void>) => flushes.push(flushed.catch((err: Error) => err));
  try {
    const attachments: AttachmentInfo[] = [];
    const endpoints = Object.entries(rec.NetworkingConfig?.EndpointsConfig ?? {});
    for (const [i, [name, ep]] of endpoints.entries()) {
      const a = await attachEndpoint(d, rec, name, ep, `eth${i}`, i === 0 ? publishedOf(rec) : [], {
        deferCacheFlush: defer,
        netnsReady,
        config: configs?.get(name),
      });
      attachments.push({ network: name, ifName: a.ifName, result: a.result, mappings: a.mappings });
    }
    // berth-shim made the namespace without IPv6 (as docker); an IPv6 network gives lo its ::1 back.
    if (attachments.some((a) => a.result.ips?.some((ip) => ip.address.includes(':'))))
      (await import('../../kernel/sysctl.js')).writeSysctl(['net', 'ipv6', 'conf', 'lo', 'disable_ipv6'], '0', netnsFileOf(d, rec.Id));
    const durable = async () => {
      const failed = (await Promise.all(flushes)).find((r): r is Error => r instanceof Error);
      if (failed) throw new Error(`cannot write the CNI result cache: ${failed.message}`);
    };
    return { attachments, durable };
  } catch (err) {
    await Promise.all(flushes);
    await netnsReady.catch(() => {}); // the file goes once the supervisor is done with it
    await tearDownNetwork(d, rec).catch(() => {});
    throw err;
  }
}

/** Whether the container is on CNI networks of its own (not none, host or container:). */
export const hasCniNetworks = (rec: ContainerRecord) => !!rec.Cni && !isSpecialMode(rec.HostConfig.NetworkMode);

/**
 * DEL of every cached attachment of the container (a network's file gone: the conflist cached at
 * ADD), then the netns file. Keeps going past failures and reports them together.
 */
export async function tearDownNetwork(d: Dirs, rec: ContainerRecord): Promise<void> {
  if (!rec.Cni || !hasCniNetworks(rec)) return;
  const path = netnsFileOf(d, rec.Id);
  const entries = await (await cache()).cachedAttachmentsOf(rec.Cni.cacheDir, rec.Id);
  const errors: string[] = [];
  // The DEL code loads only for something to DEL: a start's look for a crash's leftovers finds none
  // and goes on to spawn the supervisor (the code loads while it makes the netns: preloadNetworkCode).
  if (entries.length > 0) {
    const [{ detachOne }, ctx] = [await verbs(), cniContext(rec.Cni)];
    for (const e of entries) await detachOne(ctx, e.networkName, rec.Id, path, e, e.ifName).catch((err: Error) => errors.push(err.message));
  }
  await removeNetnsFile(path);
  if (errors.length) throw new Error(`cannot remove the networks of container ${rec.Id}: ${errors.join('; ')}`);
}

/** The interface name for a new network of a running container: the first free ethN. */
export async function nextInterfaceOf(rec: ContainerRecord): Promise<string> {
  const [{ cachedAttachmentsOf }, { nextInterfaceName }] = await Promise.all([cache(), import('../../network/names.js')]);
  return nextInterfaceName((await cachedAttachmentsOf(rec.Cni!.cacheDir, rec.Id)).map((e) => e.ifName));
}

/** Whether the container runs in a netns file of its own (so connect/disconnect can work on it). */
export const hasOwnNetns = (d: Dirs, rec: ContainerRecord) =>
  !isSpecialMode(rec.HostConfig.NetworkMode) && existsSync(netnsFileOf(d, rec.Id));

/** The container's cached attachments, as runtime/network/settings.ts renders them (eth0 first). */
export async function readAttachmentsOf(rec: ContainerRecord): Promise<AttachmentInfo[]> {
  if (!rec.Cni) return [];
  const [{ cachedAttachmentsOf }, { mappingsOf }] = await Promise.all([cache(), import('../../network/ports.js')]);
  const entries = await cachedAttachmentsOf(rec.Cni.cacheDir, rec.Id);
  return entries
    .filter((e) => e.result !== undefined)
    .map((e) => ({
      network: e.networkName,
      ifName: e.ifName,
      result: e.result as unknown as Result,
      mappings: mappingsOf(e.capabilityArgs),
    }))
    .sort((a, b) => a.ifName.localeCompare(b.ifName, 'en', { numeric: true }));
}

/** Docker's SandboxKey: the container's netns file, else its PID 1's namespace ("" for host). */
export function sandboxKeyOf(d: Dirs, rec: ContainerRecord, pid: number): string {
  if (rec.HostConfig.NetworkMode === 'host') return '';
  const file = netnsFileOf(d, rec.Id);
  return existsSync(file) ? file : `/proc/${pid}/ns/net`;
}
