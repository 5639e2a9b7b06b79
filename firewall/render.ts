/**
 * Per-container firewall state as set and map elements, and the nft commands that add, delete and
 * read them back. Pure: no kernel, no files.
 *
 * Every element carries a comment naming its owner (its "tag"), so DEL removes only elements that
 * still belong to the container that made them, even after its address was given to another one.
 */
import { formatIP, formatPrefix, networkOf, parseIP, parsePrefix, type Prefix } from '../cni/ip.js';
import { familyOfSet, SETS, TABLE, type Feature } from './layout.js';
import type { ElementQuery, ElementWrite } from '../kernel/nft.js';

/** One field of an element key; a key is one or more fields (a concatenation). */
export type KeyPart = { ip: string } | { proto: 'tcp' | 'udp' | 'sctp' } | { port: number } | { ifname: string } | { mac: string };

/** A map element's value: fields (a concatenation) or a jump to a chain. */
export type ElementData = { parts: KeyPart[] } | { jump: string };

/** One element of one of Berth's sets or maps. */
export interface Element {
  feature: Feature;
  /** Set or map name (see SETS); the table follows from it. */
  set: string;
  /** The key's fields; `key` is their nft text. */
  parts: KeyPart[];
  /** The key as nft text, e.g. "10.88.0.5" or "tcp . 8080". */
  key: string;
  /** The mapped value for maps, e.g. "10.88.0.5 . 80" or "jump mq4_0a580000_24" (text of `data`). */
  value?: string;
  /** The mapped value's fields (DNAT maps) or the chain a verdict map jumps to. */
  data?: ElementData;
  /** True when another owner's element with this key is a conflict (host ports); else it is taken over. */
  exclusive?: boolean;
  /** What the element means, for error messages ("host port 8080/tcp"). */
  what?: string;
}

const IPPROTO = { tcp: 6, udp: 17, sctp: 132 } as const;

function partText(p: KeyPart): string {
  if ('ip' in p) return formatIP(parseIP(p.ip));
  if ('proto' in p) return p.proto;
  if ('port' in p) return String(p.port);
  if ('ifname' in p) return quoteIfname(p.ifname);
  return p.mac.toLowerCase();
}

function partBytes(p: KeyPart): Buffer {
  if ('ip' in p) {
    const ip = parseIP(p.ip);
    const out = Buffer.alloc(ip.family === 4 ? 4 : 16);
    for (let i = out.length - 1, v = ip.value; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
    return out;
  }
  if ('proto' in p) return Buffer.from([IPPROTO[p.proto]]);
  if ('port' in p) {
    const out = Buffer.alloc(2);
    out.writeUInt16BE(p.port);
    return out;
  }
  if ('ifname' in p) {
    const out = Buffer.alloc(16); // IFNAMSIZ, zero-padded
    out.write(p.ifname, 'latin1');
    return out;
  }
  return Buffer.from(p.mac.split(':').map((h) => parseInt(h, 16)));
}

/**
 * The key as the kernel stores it: one field as is; in a concatenation every field padded to a
 * multiple of 4 bytes (NFT_REG32_SIZE), as nft lays them out.
 */
export function encodeKey(parts: readonly KeyPart[]): Buffer {
  if (parts.length === 1) return partBytes(parts[0]);
  return Buffer.concat(
    parts.map((p) => {
      const b = partBytes(p);
      return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
    }),
  );
}

/** An element from its fields (the nft text of key and value derived from them). */
export function element(
  feature: Feature,
  set: string,
  parts: KeyPart[],
  extra: Pick<Element, 'data' | 'exclusive' | 'what'> = {},
): Element {
  const value =
    extra.data === undefined ? undefined : 'jump' in extra.data ? `jump ${extra.data.jump}` : extra.data.parts.map(partText).join(' . ');
  return { feature, set, parts, key: parts.map(partText).join(' . '), ...(value !== undefined && { value }), ...extra };
}

/** The element as the netlink writer takes it (key and value bytes, comment). */
export function elementWrite(el: Element, tag?: string): ElementWrite {
  // Properties set one by one: object spread is a cold builtin (copyDataProperties) on this path.
  const write: ElementWrite = elementQuery(el);
  if (el.data !== undefined) write.data = 'jump' in el.data ? { jump: el.data.jump } : encodeKey(el.data.parts);
  if (tag !== undefined) write.comment = tag;
  return write;
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

/** Printable ASCII without `"` and `\\`: what nft quotes as it is. A loop: it runs cold, once per call. */
function isPlain(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/**
 * The owner tag of an attachment's elements: "network/containerID/ifname", or, when that is longer
 * than 128 bytes or has characters nft cannot quote, "network/~<hash>" (the record keeps the tag).
 */
export function attachmentTag(network: string, containerId: string, ifName: string): string {
  const tag = `${network}/${containerId}/${ifName}`;
  if (tag.length <= MAX_TAG && isPlain(tag)) return tag;
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

/** The query that reads one element back with its comment. */
export function elementQuery(el: Pick<Element, 'set' | 'key' | 'parts'>): ElementQuery {
  return { family: familyOfSet(el.set), table: TABLE, set: el.set, keyText: el.key, keyBytes: encodeKey(el.parts) };
}

/** One transaction: the schema (if given), the deletions, then the additions. */
export function renderTransaction(parts: {
  schema?: string;
  deletes?: readonly Pick<Element, 'set' | 'key'>[];
  adds?: readonly Element[];
  tag: string;
}): string {
  const lines: string[] = [];
  if (parts.schema) lines.push(parts.schema.trimEnd());
  for (const el of parts.deletes ?? []) lines.push(renderDeleteElement(el));
  for (const el of parts.adds ?? []) lines.push(renderAddElement(el, parts.tag));
  return lines.join('\n') + '\n';
}

/** A chain name for a subnet: "<prefix>4_0a580000_24" (hex network address, prefix length). */
export function subnetChain(prefix: 'mq' | 'pm', subnet: Prefix): string {
  const net = networkOf(subnet);
  const hex = net.value.toString(16).padStart(net.family === 4 ? 8 : 32, '0');
  return `${prefix}${net.family}_${hex}_${subnet.length}`;
}

/**
 * Masquerade elements for container addresses (CIDRs such as "10.88.0.5/24"): address → jump to
 * the chain of its subnet (masqueradeChains renders those).
 * @throws {SyntaxError} for an address that is not a CIDR
 */
export function masqueradeElements(addresses: readonly string[]): Element[] {
  return addresses.map((cidr) => {
    const p = parsePrefix(cidr);
    return element('masq', p.ip.family === 4 ? SETS.masq4 : SETS.masq6, [{ ip: formatIP(p.ip) }], { data: { jump: subnetChain('mq', p) } });
  });
}

/**
 * The per-subnet masquerade chains the elements jump to: masquerade, except towards the subnet
 * itself and multicast. Rewritten (flush + add) by every ADD that uses them: idempotent.
 */
export function masqueradeChains(addresses: readonly string[]): string {
  const out = new Map<string, string>();
  for (const cidr of addresses) {
    const p = parsePrefix(cidr);
    const chain = subnetChain('mq', p);
    const subnet = formatPrefix({ ip: networkOf(p), length: p.length });
    const rule =
      p.ip.family === 4 ? `ip daddr != { ${subnet}, 224.0.0.0/4 } masquerade` : `ip6 daddr != { ${subnet}, ff00::/8 } masquerade`;
    out.set(chain, renderChain(chain, [rule]));
  }
  return [...out.values()].join('');
}

/** "add chain; flush chain; add rule..." for one of Berth's regular (hook-less) chains. */
export function renderChain(chain: string, rules: readonly string[]): string {
  return `add chain inet ${TABLE} ${chain}\nflush chain inet ${TABLE} ${chain}\n${rules.map((r) => `add rule inet ${TABLE} ${chain} ${r}\n`).join('')}`;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * macspoofchk elements: the host-side bridge port, and "port . MAC" as the only allowed source.
 * @throws {SyntaxError} for a malformed MAC or interface name
 */
export function macSpoofElements(hostVeth: string, mac: string): Element[] {
  const m = mac.toLowerCase();
  if (!MAC.test(m)) throw new SyntaxError(`${JSON.stringify(mac)} is not a MAC address`);
  quoteIfname(hostVeth);
  return [
    element('macspoof', SETS.spoofPorts, [{ ifname: hostVeth }]),
    element('macspoof', SETS.spoofAllowed, [{ ifname: hostVeth }, { mac: m }]),
  ];
}

/** Isolation elements of a bridge: its name, and "bridge . bridge" (traffic within it stays allowed). */
export function isolationElements(bridge: string): Element[] {
  quoteIfname(bridge);
  return [
    element('isolation', SETS.isolated, [{ ifname: bridge }]),
    element('isolation', SETS.isolatedSelf, [{ ifname: bridge }, { ifname: bridge }]),
  ];
}

/** Internal elements of a bridge: its name, and "bridge . bridge" (traffic within it stays allowed). */
export function internalElements(bridge: string): Element[] {
  quoteIfname(bridge);
  return [
    element('internal', SETS.internal, [{ ifname: bridge }]),
    element('internal', SETS.internalSelf, [{ ifname: bridge }, { ifname: bridge }]),
  ];
}

/** An interface name as an nft string literal. @throws {SyntaxError} for names nft cannot quote */
export function quoteIfname(name: string): string {
  if (name.length > 15 || !isPlain(name)) throw new SyntaxError(`${JSON.stringify(name)} is not an interface name nftables can match`);
  return JSON.stringify(name);
}

/** An element's identity: two elements are the same when set and key are. */
export const elementId = (el: Pick<Element, 'set' | 'key'>) => `${el.set} ${el.key}`;
