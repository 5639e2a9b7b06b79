import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSchema } from '../../../firewall/layout';
import {
  attachmentTag, isolationElements, macSpoofElements, masqueradeElements, parseElementComment, parseTag, quoteIfname, renderGetElement, renderTransaction,
} from '../../../firewall/render';
import { elementsOfListing } from '../../../firewall/engine';

const ROOT = join(__dirname, '../../..');

test('pure firewall modules stay pure', async () => {
  for (const file of ['firewall/render.ts', 'firewall/layout.ts'])
    assert.not.match(await readFile(join(ROOT, file), 'utf8'), /kernel\/|node:fs|node:child_process/, file);
});

test('renderSchema() without the bridge table', () => {
  assert.fixture(renderSchema(), `add table inet berth
add set inet berth masq4 { type ipv4_addr; }
add set inet berth masq6 { type ipv6_addr; }
add set inet berth nomasq4 { type ipv4_addr . ipv4_addr; flags interval; }
add set inet berth nomasq6 { type ipv6_addr . ipv6_addr; flags interval; }
add map inet berth hostport4 { type inet_proto . inet_service : ipv4_addr . inet_service; }
add map inet berth hostport6 { type inet_proto . inet_service : ipv6_addr . inet_service; }
add map inet berth hostip4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
add map inet berth hostip6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }
add set inet berth pmsnat4 { type ipv4_addr . ipv4_addr; flags interval; }
add set inet berth pmsnat6 { type ipv6_addr . ipv6_addr; flags interval; }
add set inet berth isolated { type ifname; }
add set inet berth isolated_self { type ifname . ifname; }
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
add rule inet berth nat_prerouting fib daddr type local jump hostports
add rule inet berth nat_output fib daddr type local jump hostports
add rule inet berth hostports dnat ip to ip daddr . meta l4proto . th dport map @hostip4
add rule inet berth hostports dnat ip to meta l4proto . th dport map @hostport4
add rule inet berth hostports dnat ip6 to ip6 daddr . meta l4proto . th dport map @hostip6
add rule inet berth hostports dnat ip6 to meta l4proto . th dport map @hostport6
add rule inet berth nat_postrouting ct status dnat ip saddr . ip daddr @pmsnat4 masquerade
add rule inet berth nat_postrouting ct status dnat ip6 saddr . ip6 daddr @pmsnat6 masquerade
add rule inet berth nat_postrouting ip saddr @masq4 ip daddr != 224.0.0.0/4 ip saddr . ip daddr != @nomasq4 masquerade
add rule inet berth nat_postrouting ip6 saddr @masq6 ip6 daddr != ff00::/8 ip6 saddr . ip6 daddr != @nomasq6 masquerade
add rule inet berth forward iifname @isolated oifname @isolated iifname . oifname != @isolated_self drop
`);
});

test('renderSchema() adds the bridge table for macspoofchk', () => {
  assert.ok(renderSchema({ bridge: true }).endsWith(`add table bridge berth
add set bridge berth spoofports { type ifname; }
add set bridge berth spoofok { type ifname . ether_addr; }
add chain bridge berth prerouting { type filter hook prerouting priority -300; policy accept; }
flush chain bridge berth prerouting
add rule bridge berth prerouting iifname @spoofports iifname . ether saddr != @spoofok drop
`));
});

test('renderTransaction() masquerade of a dual-stack container, golden', () => {
  const tag = attachmentTag('web', 'c1', 'eth0');
  const els = masqueradeElements(['192.0.2.5/24', '2001:db8:0:0::5/64']);
  assert.fixture(renderTransaction({ deletes: [els[0]], adds: els, tag }), `delete element inet berth masq4 { 192.0.2.5 }
add element inet berth masq4 { 192.0.2.5 comment "web/c1/eth0" }
add element inet berth nomasq4 { 192.0.2.5 . 192.0.2.0/24 comment "web/c1/eth0" }
add element inet berth masq6 { 2001:db8::5 comment "web/c1/eth0" }
add element inet berth nomasq6 { 2001:db8::5 . 2001:db8::/64 comment "web/c1/eth0" }
`);
});

test('renderTransaction() macspoofchk and isolation elements, golden', () => {
  assert.fixture(renderTransaction({ adds: [...macSpoofElements('veth0123456789', '02:42:C0:00:02:05'), ...isolationElements('cni0')], tag: 'web/c1/eth0' }), `add element bridge berth spoofports { "veth0123456789" comment "web/c1/eth0" }
add element bridge berth spoofok { "veth0123456789" . 02:42:c0:00:02:05 comment "web/c1/eth0" }
add element inet berth isolated { "cni0" comment "web/c1/eth0" }
add element inet berth isolated_self { "cni0" . "cni0" comment "web/c1/eth0" }
`);
});

test('renderGetElement() reads one element back', () => {
  assert.is(renderGetElement({ set: 'spoofok', key: '"v" . 02:00:00:00:00:01' }), 'get element bridge berth spoofok { "v" . 02:00:00:00:00:01 }');
});

test('masqueradeElements() rejects an address without a prefix', () => {
  assert.throws(() => masqueradeElements(['192.0.2.5']), /"192\.0\.2\.5" is not a CIDR/);
});

test('macSpoofElements() rejects a malformed MAC', () => {
  assert.throws(() => macSpoofElements('veth1', '02:00:00:00:00'), /"02:00:00:00:00" is not a MAC address$/);
});

test('quoteIfname() refuses names nft cannot quote', () => {
  assert.throws(() => quoteIfname('a"b'), /is not an interface name nftables can match$/);
  assert.throws(() => quoteIfname('a-very-long-interface'), /is not an interface name/);
});

test('attachmentTag() names network, container and interface', () => {
  assert.is(attachmentTag('web', 'c1', 'eth0'), 'web/c1/eth0');
  assert.equal(parseTag('web/c1/eth0'), { network: 'web', containerId: 'c1', ifName: 'eth0' });
});

test('attachmentTag() hashes tags longer than 128 bytes, stably', () => {
  const id = 'a'.repeat(200);
  const tag = attachmentTag('web', id, 'eth0');
  assert.ok(tag.length <= 128);
  assert.match(tag, /^web\/~[0-9a-f]{16}$/);
  assert.is(attachmentTag('web', id, 'eth0'), tag);
  assert.is.not(attachmentTag('web', id, 'eth1'), tag);
  assert.is(parseTag(tag), undefined);
});

test('parseElementComment() reads the comment of get element output', () => {
  const out = `table inet berth {
\tmap hostport4 {
\t\ttype inet_proto . inet_service : ipv4_addr . inet_service
\t\telements = { tcp . 8080 comment "web/c1/eth0" : 192.0.2.5 . 80 }
\t}
}
`;
  assert.is(parseElementComment(out), 'web/c1/eth0');
  assert.is(parseElementComment('table inet berth {\n\tset masq4 {\n\t\telements = { 192.0.2.5 }\n\t}\n}\n'), '');
  assert.is(parseElementComment(''), undefined);
});

test('elementsOfListing() reads keys and comments of sets and maps', () => {
  const doc = { nftables: [{ metainfo: {} }, { map: { elem: [[{ elem: { val: { concat: ['tcp', 8080] }, comment: 'web/c1/eth0' } }, { concat: ['192.0.2.5', 80] }]] } }, { set: { elem: ['192.0.2.9', { elem: { val: '192.0.2.5', comment: 'x' } }] } }] };
  assert.equal(elementsOfListing(doc), [[{ concat: ['tcp', 8080] }, 'web/c1/eth0'], ['192.0.2.9', ''], ['192.0.2.5', 'x']]);
});

test.run();
