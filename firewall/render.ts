/**
 * Per-container firewall state as set and map elements, and the nft commands that add, delete and
 * read them back. Pure: no kernel, no files.
 *
 * Every element carries a comment naming its owner (its "tag"), so DEL removes only elements that
 * still belong to the container that made them, even after its address was given to another one.
 */
import { formatIP, formatPrefix, networkOf, parsePrefix } from '../cni/ip.js';
import { familyOfSet, SETS, TABLE, type Feature } from './layout.js';

/** One element of one of Berth's sets or maps, as nft text. */
export interface Element {
  feature: Feature;
  /** Set or map name (see SETS); the table follows from it. */
  set: string;
  /** The key as nft text, e.g. "10.88.0.5" or "tcp . 8080". */
  key: string;
  /** The mapped value for maps, e.g. "10.88.0.5 . 80". */
  value?: string;
  /** True when another owner's element with this key is a conflict (host ports); else it is taken over. */
  exclusive?: boolean;
  /** What the element means, for error messages ("host port 8080/tcp"). */
  what?: string;
}

/** nft limits an element comment to 128 bytes. */
export const MAX_TAG = 128;

/** FNV-1a, 64 bit, as hex: short, stable names for tags that would not fit or need quoting. */
export function hash64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

const PLAIN = /^[\x21-\x7e]+$/;

/**
 * The owner tag of an attachment's elements: "network/containerID/ifname", or, when that is longer
 * than 128 bytes or has characters nft cannot quote, "network/~<hash>" (the record keeps the tag).
 */
export function attachmentTag(network: string, containerId: string, ifName: string): string {
  const tag = `${network}/${containerId}/${ifName}`;
  if (tag.length <= MAX_TAG && PLAIN.test(tag) && !/["\\]/.test(tag)) return tag;
  const short = `${network.slice(0, 80)}/~${hash64(tag)}`;
  return short;
}

/** The owner tag of a network's own elements (isolation): "network". */
export function networkTag(network: string): string {
  return network.length <= MAX_TAG ? network : `~${hash64(network)}`;
}

/** Splits "network/containerID/ifname"; undefined for hashed or foreign tags. */
export function parseTag(tag: string): { network: string; containerId: string; ifName: string } | undefined {
  const first = tag.indexOf('/');
  const second = tag.indexOf('/', first + 1);
  if (first <= 0 || second < 0 || tag[first + 1] === '~') return undefined;
  return { network: tag.slice(0, first), containerId: tag.slice(first + 1, second), ifName: tag.slice(second + 1) };
}

/** "add element inet berth masq4 { 10.88.0.5 comment "tag" }" */
export function renderAddElement(el: Element, tag: string): string {
  const value = el.value === undefined ? '' : ` : ${el.value}`;
  return `add element ${familyOfSet(el.set)} ${TABLE} ${el.set} { ${el.key} comment ${JSON.stringify(tag)}${value} }`;
}

/** "delete element inet berth masq4 { 10.88.0.5 }" (a map element is deleted by its key). */
export function renderDeleteElement(el: Pick<Element, 'set' | 'key'>): string {
  return `delete element ${familyOfSet(el.set)} ${TABLE} ${el.set} { ${el.key} }`;
}

/** "get element inet berth masq4 { 10.88.0.5 }": reads one element back with its comment. */
export function renderGetElement(el: Pick<Element, 'set' | 'key'>): string {
  return `get element ${familyOfSet(el.set)} ${TABLE} ${el.set} { ${el.key} }`;
}

/**
 * The comment of the element in `get element` output (nft 1.0.6 prints text there even with -j),
 * '' when it has none, undefined when the output holds no element.
 */
export function parseElementComment(output: string): string | undefined {
  const at = output.indexOf('elements = {');
  if (at < 0) return undefined;
  const m = /comment "([^"]*)"/.exec(output.slice(at));
  return m ? m[1] : '';
}

/** One transaction: the schema (if given), the deletions, then the additions. */
export function renderTransaction(parts: { schema?: string; deletes?: readonly Pick<Element, 'set' | 'key'>[]; adds?: readonly Element[]; tag: string }): string {
  const lines: string[] = [];
  if (parts.schema) lines.push(parts.schema.trimEnd());
  for (const el of parts.deletes ?? []) lines.push(renderDeleteElement(el));
  for (const el of parts.adds ?? []) lines.push(renderAddElement(el, parts.tag));
  return lines.join('\n') + '\n';
}

/**
 * Masquerade elements for container addresses (CIDRs such as "10.88.0.5/24"): the address in
 * masq4/6, and "address . subnet" in nomasq4/6 so traffic inside the subnet keeps its source.
 * @throws {SyntaxError} for an address that is not a CIDR
 */
export function masqueradeElements(addresses: readonly string[]): Element[] {
  const out: Element[] = [];
  for (const cidr of addresses) {
    const p = parsePrefix(cidr);
    const v4 = p.ip.family === 4;
    const addr = formatIP(p.ip);
    const subnet = formatPrefix({ ip: networkOf(p), length: p.length });
    out.push({ feature: 'masq', set: v4 ? SETS.masq4 : SETS.masq6, key: addr });
    out.push({ feature: 'masq', set: v4 ? SETS.nomasq4 : SETS.nomasq6, key: `${addr} . ${subnet}` });
  }
  return out;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * macspoofchk elements: the host-side bridge port, and "port . MAC" as the only allowed source.
 * @throws {SyntaxError} for a malformed MAC or interface name
 */
export function macSpoofElements(hostVeth: string, mac: string): Element[] {
  const m = mac.toLowerCase();
  if (!MAC.test(m)) throw new SyntaxError(`${JSON.stringify(mac)} is not a MAC address`);
  const port = quoteIfname(hostVeth);
  return [
    { feature: 'macspoof', set: SETS.spoofPorts, key: port },
    { feature: 'macspoof', set: SETS.spoofAllowed, key: `${port} . ${m}` },
  ];
}

/** Isolation elements of a bridge: its name, and "bridge . bridge" (traffic within it stays allowed). */
export function isolationElements(bridge: string): Element[] {
  const b = quoteIfname(bridge);
  return [
    { feature: 'isolation', set: SETS.isolated, key: b },
    { feature: 'isolation', set: SETS.isolatedSelf, key: `${b} . ${b}` },
  ];
}

/** An interface name as an nft string literal. @throws {SyntaxError} for names nft cannot quote */
export function quoteIfname(name: string): string {
  if (name === '' || name.length > 15 || !PLAIN.test(name) || /["\\]/.test(name)) throw new SyntaxError(`${JSON.stringify(name)} is not an interface name nftables can match`);
  return JSON.stringify(name);
}

/** Two elements are the same when set and key are. */
export const sameElement = (a: Pick<Element, 'set' | 'key'>, b: Pick<Element, 'set' | 'key'>) => a.set === b.set && a.key === b.key;
