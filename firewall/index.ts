/**
 * Berth's firewall on nftables, for the bridge (ipMasq, macspoofchk, isolate) and portmap plugins.
 *
 * Per-container state is elements of Berth's own sets and maps (layout.ts), tagged with
 * "network/containerID/ifname"; each call changes a few elements in one transaction, so its cost
 * does not grow with the number of containers. Records on disk (records.ts) list what each
 * attachment added, so DEL needs neither the netns nor prevResult.
 *
 * @example
 * await addBridgeFirewall({ containerId, ifName: 'eth0', network: 'web',
 *   ipMasq: { addresses: ['10.88.0.5/24'] }, macSpoofCheck: { hostVeth: 'veth1234', mac: '02:42:0a:58:00:05' },
 *   isolation: { bridge: 'cni0' } });
 * await deleteBridgeFirewall({ containerId, ifName: 'eth0', network: 'web' });
 */
import { CniError, ErrCode } from '../cni/errors.js';
import type { Attachment } from '../cni/types.js';
import { openNft, type Nft } from '../kernel/nft.js';
import { addAttachment, checkAttachment, deleteAttachment, ownersOf } from './engine.js';
import { gcNetwork } from './gc.js';
import { renderSchema, type Feature } from './layout.js';
import { removeDeadNetnsDirs, stateDirForNetns } from './netns-dirs.js';
import { DEFAULT_STATE_DIR } from './records.js';
import {
  internalElements,
  isolationElements,
  macSpoofElements,
  masqueradeChains,
  masqueradeElements,
  networkTag,
  renderAddElement,
  renderTransaction,
  type Element,
} from './render.js';

export { DEFAULT_STATE_DIR } from './records.js';

/** Where and how: both optional (defaults: /run/berth/firewall, libnftables in this netns). */
export interface FirewallOptions {
  /** Directory of Berth's firewall records and lock. */
  stateDir?: string;
  /** The nftables handle (tests pass one bound to a throwaway netns). */
  nft?: Nft;
}

/** One attachment: (network, container, interface), as CNI names it. */
export interface AttachmentParams extends FirewallOptions {
  containerId: string;
  ifName: string;
  network: string;
}

/**
 * The records' directory: the given one as it is, or the default for this process's netns
 * (netns-dirs.ts stateDirForNetns: two sandboxes playing "host" with the default never share records).
 */
const dirOf = (p: FirewallOptions) => p.stateDir ?? stateDirForNetns(DEFAULT_STATE_DIR);
const refOf = (p: AttachmentParams) => ({ network: p.network, containerId: p.containerId, ifName: p.ifName, stateDir: dirOf(p) });
const nftOf = (p: FirewallOptions) => p.nft ?? openNft();

export interface BridgeFirewallParams extends AttachmentParams {
  /** Masquerade the container's addresses (CIDRs, e.g. "10.88.0.5/24", IPv4 and IPv6) to destinations outside their subnet, multicast excepted. */
  ipMasq?: { addresses: readonly string[] };
  /** Only `mac` may send from bridge port `hostVeth`. */
  macSpoofCheck?: { hostVeth: string; mac: string };
  /** Drop forwarding between this bridge and every other isolated Berth bridge. */
  isolation?: { bridge: string };
  /** Drop all forwarding into and out of this bridge (bridge key `internal`). */
  internal?: { bridge: string };
}

/** The network-owned elements the params ask for (isolation, internal). */
const networkElements = (p: Pick<BridgeFirewallParams, 'isolation' | 'internal'>): Element[] => [
  ...(p.isolation ? isolationElements(p.isolation.bridge) : []),
  ...(p.internal ? internalElements(p.internal.bridge) : []),
];

function bridgeElements(p: BridgeFirewallParams): { features: Feature[]; elements: Element[] } {
  const features: Feature[] = [];
  const elements: Element[] = [];
  if (p.ipMasq) {
    features.push('masq');
    elements.push(...masqueradeElements(p.ipMasq.addresses));
  }
  if (p.macSpoofCheck) {
    features.push('macspoof');
    elements.push(...macSpoofElements(p.macSpoofCheck.hostVeth, p.macSpoofCheck.mac));
  }
  return { features, elements };
}

/**
 * The bridge plugin's ADD: masquerade, MAC spoof check, isolation and internal of one attachment,
 * whichever are given, in ONE nftables transaction. Calling it again replaces the given features' elements.
 * @throws {NftError} code 107 when nftables refuses the transaction
 */
export async function addBridgeFirewall(p: BridgeFirewallParams): Promise<void> {
  const { features, elements } = bridgeElements(p);
  const schema = () => renderSchema({ bridge: !!p.macSpoofCheck }) + (p.ipMasq ? masqueradeChains(p.ipMasq.addresses) : '');
  const shared = networkElements(p).map((el) => ({ el, tag: networkTag(p.network) }));
  await addAttachment(nftOf(p), refOf(p), { features, elements, schema, shared });
}

/**
 * The bridge plugin's DEL: removes the attachment's masquerade and MAC spoof check elements that
 * still carry its tag, from Berth's records (works with the netns gone and without prevResult).
 * Idempotent; without a record it touches neither the lock nor nftables.
 */
export async function deleteBridgeFirewall(p: AttachmentParams): Promise<void> {
  await deleteAttachment(() => nftOf(p), refOf(p), ['masq', 'macspoof']);
}

/**
 * The bridge plugin's CHECK: every element the given features need exists with this attachment's tag.
 * @throws {CniError} code 108 naming what is missing
 */
export async function checkBridgeFirewall(p: BridgeFirewallParams): Promise<void> {
  const nft = nftOf(p);
  const { elements } = bridgeElements(p);
  await checkAttachment(nft, refOf(p), elements);
  const shared = networkElements(p);
  const owners = await ownersOf(nft, shared);
  for (const [i, el] of shared.entries())
    if (owners[i] === undefined)
      throw new CniError(
        ErrCode.CheckFailed,
        `firewall check of container ${JSON.stringify(p.containerId)} failed: element ${JSON.stringify(el.key)} is missing from set ${JSON.stringify(el.set)}`,
      );
}

/** Masquerades an attachment's addresses (bridge `ipMasq`). See addBridgeFirewall. */
export function addMasquerade(p: AttachmentParams & { addresses: readonly string[] }): Promise<void> {
  return addBridgeFirewall({ ...p, ipMasq: { addresses: p.addresses } });
}

/** Removes an attachment's masquerade elements (from its record). Idempotent. */
export async function deleteMasquerade(p: AttachmentParams): Promise<void> {
  await deleteAttachment(() => nftOf(p), refOf(p), ['masq']);
}

/** @throws {CniError} code 108 when a masquerade element of these addresses is missing or not this attachment's */
export function checkMasquerade(p: AttachmentParams & { addresses: readonly string[] }): Promise<void> {
  return checkAttachment(nftOf(p), refOf(p), masqueradeElements(p.addresses));
}

/** Lets only `mac` send from bridge port `hostVeth` (bridge `macspoofchk`). */
export function addMacSpoofCheck(p: AttachmentParams & { hostVeth: string; mac: string }): Promise<void> {
  return addBridgeFirewall({ ...p, macSpoofCheck: { hostVeth: p.hostVeth, mac: p.mac } });
}

/** Removes an attachment's MAC spoof check (from its record). Idempotent. */
export async function deleteMacSpoofCheck(p: AttachmentParams): Promise<void> {
  await deleteAttachment(() => nftOf(p), refOf(p), ['macspoof']);
}

/** @throws {CniError} code 108 when the check's elements are missing */
export function checkMacSpoofCheck(p: AttachmentParams & { hostVeth: string; mac: string }): Promise<void> {
  return checkAttachment(nftOf(p), refOf(p), macSpoofElements(p.hostVeth, p.mac));
}

/**
 * Puts `bridge` into the isolated group (bridge key `isolate: true`): forwarding between two
 * isolated Berth bridges is dropped; within one bridge and to anywhere else it is not. The
 * elements belong to the network, not to a container; idempotent.
 */
export async function ensureIsolation(p: FirewallOptions & { network: string; bridge: string }): Promise<void> {
  const tag = networkTag(p.network);
  await nftOf(p).apply(
    renderSchema() +
      isolationElements(p.bridge)
        .map((e) => renderAddElement(e, tag))
        .join('\n') +
      '\n',
    `isolate bridge ${JSON.stringify(p.bridge)}`,
  );
}

/**
 * Removes the network's own elements of `bridge` (isolation, internal), those this network put
 * there. Idempotent.
 */
export async function removeNetworkElements(p: FirewallOptions & { network: string; bridge: string }): Promise<void> {
  const nft = nftOf(p);
  const tag = networkTag(p.network);
  const elements = networkElements({ isolation: { bridge: p.bridge }, internal: { bridge: p.bridge } });
  const owners = await ownersOf(nft, elements);
  const mine = elements.filter((_, i) => owners[i] === tag);
  if (mine.length > 0)
    await nft.apply(renderTransaction({ deletes: mine, tag }), `remove the network elements of bridge ${JSON.stringify(p.bridge)}`);
}

/**
 * GC: removes elements and records of every attachment of `network` not in `valid`
 * (`cni.dev/valid-attachments`), for `features` (default: masquerade and MAC spoof check, the
 * bridge's; portmap passes ["portmap"]). With no valid attachment left and `bridge` given, the
 * network's own elements (isolation, internal) go too. With the default records' directory, the
 * directories of network namespaces that no longer exist go as well (netns-dirs.ts).
 */
export async function gcFirewall(
  network: string,
  valid: readonly Attachment[],
  opts: FirewallOptions & { features?: readonly Feature[]; bridge?: string } = {},
): Promise<void> {
  if (opts.stateDir === undefined) removeDeadNetnsDirs(DEFAULT_STATE_DIR);
  await gcNetwork(() => nftOf(opts), { stateDir: dirOf(opts), network, valid, features: opts.features ?? ['masq', 'macspoof'] });
  if (valid.length === 0 && opts.bridge) await removeNetworkElements({ ...opts, network, bridge: opts.bridge });
}

export { NftError } from '../kernel/nft.js';
export { removeUnusedFirewall } from './cleanup.js';
export type { Feature } from './layout.js';
