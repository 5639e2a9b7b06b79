/**
 * `network connect` and `disconnect`: a network added to or removed from a container's record, and
 * on a running container the CNI ADD or DEL into its netns file at once (as Docker does).
 */
import { cachedAttachmentsOf } from '../../cni/cache.js';
import { detachOne } from '../../network/attach.js';
import { liveState } from '../live.js';
import type { Dirs } from '../paths.js';
import type { ContainerRecord } from '../record.js';
import { readRecord, writeRecord } from '../store.js';
import { checkFixedAddress, DEFAULT_NETWORK, isSpecialMode, type EndpointConfig } from './plan.js';
import { attachEndpoint, cniContext, hasOwnNetns, netnsFileOf, nextInterfaceOf } from './setup.js';

export interface ConnectOptions {
  ip?: string;
  ip6?: string;
  aliases: string[];
}

function refuseSharedNamespace(rec: ContainerRecord): void {
  const mode = rec.HostConfig.NetworkMode;
  if (mode === 'host') throw new Error('container cannot be disconnected from host network or connected to host network');
  if (isSpecialMode(mode) || !rec.Cni)
    throw new Error('container sharing network namespace with another container or host cannot be connected to any other network');
}

/** @throws {Error} with Docker's wording; nothing changed */
export async function connectNetwork(d: Dirs, rec: ContainerRecord, network: string, o: ConnectOptions): Promise<void> {
  refuseSharedNamespace(rec);
  if (network === 'host') throw new Error('container cannot be disconnected from host network or connected to host network');
  if (network === 'none')
    throw new Error('container cannot be connected to multiple networks with one of the networks in private (none) mode');
  const endpoints = rec.NetworkingConfig?.EndpointsConfig ?? {};
  if (network in endpoints) throw new Error(`endpoint with name ${rec.Name} already exists in network ${network}`);
  // dockerd's order (updateNetworkConfig): the address first, then the alias.
  if ((o.ip || o.ip6) && network === DEFAULT_NETWORK)
    throw new Error('user specified IP address is supported on user defined networks only');
  if (o.aliases.length && network === DEFAULT_NETWORK)
    throw new Error('network-scoped alias is supported only for containers in user defined networks');
  if (o.ip || o.ip6) {
    const { findNetwork } = await import('../../network/config-dir.js');
    checkFixedAddress(await findNetwork(cniContext(rec.Cni!).opts.configDir, network), { IPv4Address: o.ip, IPv6Address: o.ip6 });
  }
  const ep: EndpointConfig = {
    IPAMConfig: o.ip || o.ip6 ? { ...(o.ip && { IPv4Address: o.ip }), ...(o.ip6 && { IPv6Address: o.ip6 }) } : null,
    Aliases: o.aliases.length ? o.aliases : null,
    MacAddress: '',
  };
  const live = liveState(d, rec);
  if ((live.status === 'running' || live.status === 'paused') && hasOwnNetns(d, rec))
    await attachEndpoint(d, rec, network, ep, await nextInterfaceOf(rec), []);
  const now = readRecord(d, rec.Id);
  writeRecord(d, { ...now, NetworkingConfig: { EndpointsConfig: { ...endpoints, [network]: ep } } });
}

/** @throws {Error} when the container is not on the network */
export async function disconnectNetwork(d: Dirs, rec: ContainerRecord, network: string): Promise<void> {
  refuseSharedNamespace(rec);
  const endpoints = { ...(rec.NetworkingConfig?.EndpointsConfig ?? {}) };
  const mine = rec.Cni ? (await cachedAttachmentsOf(rec.Cni.cacheDir, rec.Id)).filter((e) => e.networkName === network) : [];
  if (!(network in endpoints) && !mine.some((e) => e.result !== undefined))
    throw new Error(`container ${rec.Id} is not connected to network ${network}`);
  const ctx = cniContext(rec.Cni!);
  for (const e of mine) await detachOne(ctx, network, rec.Id, netnsFileOf(d, rec.Id), e, e.ifName);
  delete endpoints[network];
  const now = readRecord(d, rec.Id);
  writeRecord(d, { ...now, NetworkingConfig: { EndpointsConfig: endpoints } });
}
