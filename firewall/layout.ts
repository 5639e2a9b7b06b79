/**
 * Berth's nftables layout: two tables of its own, fixed chains and rules, and sets and maps whose
 * ELEMENTS are the per-container state. Pure.
 *
 *   table inet berth                       (IPv4 and IPv6)
 *     chain nat_prerouting   nat prerouting  dstnat (-100)  fib daddr type local → jump hostports
 *     chain nat_output       nat output      dstnat (-100)  fib daddr type local → jump hostports
 *     chain hostports        DNAT by map lookup: hostip4/6 (host address . proto . port) first,
 *                            then hostport4/6 (proto . port, any local address)
 *     chain nat_postrouting  nat postrouting srcnat (100)   portmap SNAT (localhost, hairpin), ipMasq,
 *                            each through a verdict map: container address → jump <subnet chain>
 *     chain mq4_<subnet> / mq6_<subnet>   masquerade unless to the subnet or multicast (one per subnet)
 *     chain pm4_<subnet> / pm6_<subnet>   masquerade DNATed connections from 127/8 or the subnet
 *     chain forward          filter forward  filter (0)     isolation between opted-in bridges;
 *                            nothing routed into or out of an internal bridge
 *   table bridge berth
 *     chain prerouting       filter prerouting -300         macspoofchk
 *
 * Chains hold only fixed rules, never per-container rules, so they are re-rendered
 * (flush chain + add rule, inside the same transaction) by every ADD: idempotent and self-healing,
 * and flushing a chain never touches set elements.
 */

export const TABLE = 'berth';

/**
 * An empty set whose name carries the layout's version. Every ADD first tries its elements alone
 * plus `flush set` of this set (cheap, harmless); only when that fails with "No such file or
 * directory" (no table yet, a missing subnet chain, or a table of another layout version) does it
 * apply the whole schema with them, so a steady-state ADD sends only its elements.
 */
export const LAYOUT_SET = 'layout_v4';
export const LAYOUT_GUARD = `flush set inet berth ${LAYOUT_SET}\n`;

/** Set and map names by what they hold. */
export const SETS = {
  /** container address → jump to its subnet's masquerade chain (bridge ipMasq). */
  masq4: 'masq4',
  masq6: 'masq6',
  /** protocol . host port → container address . container port (portmap, any host address). */
  hostport4: 'hostport4',
  hostport6: 'hostport6',
  /** host address . protocol . host port → container address . container port (portmap hostIP). */
  hostip4: 'hostip4',
  hostip6: 'hostip6',
  /** mapped container address → jump to its subnet's localhost/hairpin SNAT chain (portmap snat). */
  pmsnat4: 'pmsnat4',
  pmsnat6: 'pmsnat6',
  /** Bridges that opted into isolation, and bridge . bridge pairs (traffic within one bridge). */
  isolated: 'isolated',
  isolatedSelf: 'isolated_self',
  /** Internal bridges (bridge key `internal`), and their bridge . bridge pairs (traffic within one). */
  internal: 'internal',
  internalSelf: 'internal_self',
  /** Bridge ports under macspoofchk, and the (port . MAC) pairs allowed to send (table bridge). */
  spoofPorts: 'spoofports',
  spoofAllowed: 'spoofok',
} as const;

export type Family = 'inet' | 'bridge';

/** Which family's table each set lives in. */
export function familyOfSet(set: string): Family {
  return set === SETS.spoofPorts || set === SETS.spoofAllowed ? 'bridge' : 'inet';
}

/** Maps (as opposed to sets): `list map`, not `list set`. */
export const MAPS: ReadonlySet<string> = new Set([
  SETS.masq4,
  SETS.masq6,
  SETS.hostport4,
  SETS.hostport6,
  SETS.hostip4,
  SETS.hostip6,
  SETS.pmsnat4,
  SETS.pmsnat6,
]);

/** The sets each feature writes, for GC sweeps. */
export const FEATURE_SETS = {
  masq: [SETS.masq4, SETS.masq6],
  macspoof: [SETS.spoofPorts, SETS.spoofAllowed],
  portmap: [SETS.hostport4, SETS.hostport6, SETS.hostip4, SETS.hostip6, SETS.pmsnat4, SETS.pmsnat6],
  isolation: [SETS.isolated, SETS.isolatedSelf],
  internal: [SETS.internal, SETS.internalSelf],
} as const;
export type Feature = keyof typeof FEATURE_SETS;
/** Features whose elements belong to a network (its bridge), not to one attachment. */
export const NETWORK_FEATURES: readonly Feature[] = ['isolation', 'internal'];

// No interval sets: adding to or deleting from one makes libnftables fetch all of its elements
// first, so an ADD would grow with the containers (docs/internals/speed.md). Hash sets and maps
// only; what depends on the subnet lives in a small chain per subnet (see render.ts).
const INET_SETS = `\
add map inet berth masq4 { type ipv4_addr : verdict; }
add map inet berth masq6 { type ipv6_addr : verdict; }
add map inet berth hostport4 { type inet_proto . inet_service : ipv4_addr . inet_service; }
add map inet berth hostport6 { type inet_proto . inet_service : ipv6_addr . inet_service; }
add map inet berth hostip4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
add map inet berth hostip6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }
add map inet berth pmsnat4 { type ipv4_addr : verdict; }
add map inet berth pmsnat6 { type ipv6_addr : verdict; }
add set inet berth isolated { type ifname; }
add set inet berth isolated_self { type ifname . ifname; }
add set inet berth internal { type ifname; }
add set inet berth internal_self { type ifname . ifname; }
add set inet berth layout_v4 { type inet_service; }
`;

// The output hook takes no symbolic "dstnat" priority in nft 1.0.6, hence -100 (= dstnat).
const INET_CHAINS = `\
add chain inet berth nat_prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet berth nat_output { type nat hook output priority -100; policy accept; }
add chain inet berth nat_postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet berth forward { type filter hook forward priority filter; policy accept; }
add chain inet berth hostports
flush chain inet berth nat_prerouting
flush chain inet berth nat_output
flush chain inet berth nat_postrouting
flush chain inet berth forward
flush chain inet berth hostports
`;

// A map lookup that misses ends the rule (no match), so the four DNAT rules try, in order, an
// exact host address and then any local address, for each family.
// Postrouting: a DNATed connection to a mapped container jumps to its subnet's chain, which
// masquerades it when it comes from 127.0.0.0/8 (needs route_localnet on the bridge) or from the
// subnet itself (hairpin: else replies would bypass the host's conntrack). ipMasq: a container
// source jumps to its subnet's chain, which masquerades unless the destination is in the subnet
// or multicast. A chain that ends without a verdict returns here; masquerade ends evaluation.
// Isolation drops forwarding between two isolated bridges, except connections to a published
// host port (DNATed): a published port is meant to be reachable from anywhere. An internal bridge
// gets nothing routed in or out, published ports included (as Docker's --internal); traffic
// within it (iif = oif, seen here only with br_netfilter) and to or from the host itself (input
// and output, not forward) stays.
const INET_RULES = `\
add rule inet berth nat_prerouting fib daddr type local jump hostports
add rule inet berth nat_output fib daddr type local jump hostports
add rule inet berth hostports dnat ip to ip daddr . meta l4proto . th dport map @hostip4
add rule inet berth hostports dnat ip to meta l4proto . th dport map @hostport4
add rule inet berth hostports dnat ip6 to ip6 daddr . meta l4proto . th dport map @hostip6
add rule inet berth hostports dnat ip6 to meta l4proto . th dport map @hostport6
add rule inet berth nat_postrouting ct status dnat ip daddr vmap @pmsnat4
add rule inet berth nat_postrouting ct status dnat ip6 daddr vmap @pmsnat6
add rule inet berth nat_postrouting ip saddr vmap @masq4
add rule inet berth nat_postrouting ip6 saddr vmap @masq6
add rule inet berth forward ct status ! dnat iifname @isolated oifname @isolated iifname . oifname != @isolated_self drop
add rule inet berth forward iifname @internal iifname . oifname != @internal_self drop
add rule inet berth forward oifname @internal iifname . oifname != @internal_self drop
`;

const BRIDGE_TABLE = `\
add table bridge berth
add set bridge berth spoofports { type ifname; }
add set bridge berth spoofok { type ifname . ether_addr; }
add chain bridge berth prerouting { type filter hook prerouting priority -300; policy accept; }
flush chain bridge berth prerouting
add rule bridge berth prerouting iifname @spoofports iifname . ether saddr != @spoofok drop
`;

/**
 * The commands that create Berth's tables, sets and chains if missing and (re)write the fixed
 * rules. Idempotent; never flushes a set. `bridge` adds the bridge-family table (macspoofchk).
 */
export function renderSchema(opts: { bridge?: boolean } = {}): string {
  return 'add table inet berth\n' + INET_SETS + INET_CHAINS + INET_RULES + (opts.bridge ? BRIDGE_TABLE : '');
}
