import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSchema } from '../../../firewall/layout';
import {
  attachmentTag,
  elementQuery,
  encodeKey,
  isolationElements,
  macSpoofElements,
  masqueradeChains,
  masqueradeElements,
  parseTag,
  quoteIfname,
  renderTransaction,
  subnetChain,
} from '../../../firewall/render';
import { parseElementComment } from '../../../kernel/nft';
import { commentOfReply, encodeElementBatch, encodeGetSetElem } from '../../../kernel/nf-codec';
import { parsePrefix } from '../../../cni/ip';
import { elementsOfListing } from '../../../firewall/gc';

test('renderSchema() without the bridge table', () => {
  assert.fixture(
    renderSchema(),
    `add table inet berth
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
add rule inet berth nat_postrouting ct status dnat ip daddr vmap @pmsnat4
add rule inet berth nat_postrouting ct status dnat ip6 daddr vmap @pmsnat6
add rule inet berth nat_postrouting ip saddr vmap @masq4
add rule inet berth nat_postrouting ip6 saddr vmap @masq6
add rule inet berth forward ct status ! dnat iifname @isolated oifname @isolated iifname . oifname != @isolated_self drop
add rule inet berth forward iifname @internal iifname . oifname != @internal_self drop
add rule inet berth forward oifname @internal iifname . oifname != @internal_self drop
`,
  );
});

test('renderSchema() adds the bridge table for macspoofchk', () => {
  assert.ok(
    renderSchema({ bridge: true }).endsWith(`add table bridge berth
add set bridge berth spoofports { type ifname; }
add set bridge berth spoofok { type ifname . ether_addr; }
add chain bridge berth prerouting { type filter hook prerouting priority -300; policy accept; }
flush chain bridge berth prerouting
add rule bridge berth prerouting iifname @spoofports iifname . ether saddr != @spoofok drop
`),
  );
});

test('renderTransaction() masquerade of a dual-stack container, golden', () => {
  const tag = attachmentTag('web', 'c1', 'eth0');
  const addresses = ['192.0.2.5/24', '2001:db8:0:0::5/64'];
  const els = masqueradeElements(addresses);
  assert.fixture(
    masqueradeChains(addresses) + renderTransaction({ deletes: [els[0]], adds: els, tag }),
    `add chain inet berth mq4_c0000200_24
flush chain inet berth mq4_c0000200_24
add rule inet berth mq4_c0000200_24 ip daddr != { 192.0.2.0/24, 224.0.0.0/4 } masquerade
add chain inet berth mq6_20010db8000000000000000000000000_64
flush chain inet berth mq6_20010db8000000000000000000000000_64
add rule inet berth mq6_20010db8000000000000000000000000_64 ip6 daddr != { 2001:db8::/64, ff00::/8 } masquerade
delete element inet berth masq4 { 192.0.2.5 }
add element inet berth masq4 { 192.0.2.5 comment "web/c1/eth0" : jump mq4_c0000200_24 }
add element inet berth masq6 { 2001:db8::5 comment "web/c1/eth0" : jump mq6_20010db8000000000000000000000000_64 }
`,
  );
});

test('masqueradeChains() renders one chain per subnet', () => {
  assert.is(masqueradeChains(['192.0.2.5/24', '192.0.2.6/24']).match(/add chain/g)?.length, 1);
  assert.is(subnetChain('pm', parsePrefix('198.51.100.7/25')), 'pm4_c6336400_25');
});

test('encodeKey() lays out fields as the kernel stores them', () => {
  assert.is(encodeKey([{ ip: '192.0.2.5' }]).toString('hex'), 'c0000205');
  assert.is(encodeKey([{ proto: 'udp' }, { port: 8080 }]).toString('hex'), '11000000' + '1f900000');
  assert.is(
    encodeKey([{ ip: '2001:db8::1' }, { proto: 'tcp' }, { port: 80 }]).toString('hex'),
    '20010db8000000000000000000000001' + '06000000' + '00500000',
  );
  assert.is(encodeKey([{ ifname: 'br0' }]).toString('hex'), '62723000000000000000000000000000');
  assert.is(
    encodeKey([{ ifname: 'v' }, { mac: '02:00:00:00:00:0A' }]).toString('hex'),
    '76000000000000000000000000000000' + '02000000000a' + '0000',
  );
});

test('elementQuery() gives family, set, text and bytes', () => {
  const [el] = masqueradeElements(['192.0.2.5/24']);
  assert.equal(elementQuery(el), {
    family: 'inet',
    table: 'berth',
    set: 'masq4',
    keyText: '192.0.2.5',
    keyBytes: Buffer.from([192, 0, 2, 5]),
  });
});

test('encodeGetSetElem() and commentOfReply() speak NFT_MSG_GETSETELEM', () => {
  const req = encodeGetSetElem(1, 'berth', 'masq4', Buffer.from([10, 100, 0, 5]), 1);
  assert.is(
    req.toString('hex'),
    '400000000d0a0100010000000000000001000000' +
      '0a00010062657274680000000a0002006d61737134000000' +
      '14000380100001800c00018008000100' +
      '0a640005',
  );
  const reply = Buffer.from(
    '540000000c0a0000010000006c3d0000010001d30a00010062657274680000000a0002006d6173713400000028000300240001000c000100080001000a64000512000600000c6269672f63352f65746830000000',
    'hex',
  );
  assert.is(commentOfReply(reply.subarray(16)), 'big/c5/eth0'); // the payload, after the netlink header
});

test('renderTransaction() macspoofchk and isolation elements, golden', () => {
  assert.fixture(
    renderTransaction({
      adds: [...macSpoofElements('veth0123456789', '02:42:C0:00:02:05'), ...isolationElements('cni0')],
      tag: 'web/c1/eth0',
    }),
    `add element bridge berth spoofports { "veth0123456789" comment "web/c1/eth0" }
add element bridge berth spoofok { "veth0123456789" . 02:42:c0:00:02:05 comment "web/c1/eth0" }
add element inet berth isolated { "cni0" comment "web/c1/eth0" }
add element inet berth isolated_self { "cni0" . "cni0" comment "web/c1/eth0" }
`,
  );
});

test('encodeElementBatch() frames deletes and adds between BATCH_BEGIN and BATCH_END, one ack each', () => {
  const { msg, acks } = encodeElementBatch(
    {
      guard: { family: 1, table: 'berth', set: 'layout_v4' },
      del: [{ family: 1, table: 'berth', set: 'masq4', key: Buffer.from([192, 0, 2, 5]) }],
      add: [
        {
          family: 1,
          table: 'berth',
          set: 'masq4',
          key: Buffer.from([192, 0, 2, 5]),
          data: { jump: 'mq4_c0000200_24' },
          comment: 'web/c1/eth0',
        },
      ],
    },
    100,
  );
  assert.is(acks, 3);
  const types: string[] = [];
  for (let at = 0; at < msg.length; at += msg.readUInt32LE(at))
    types.push(`${msg.readUInt16LE(at + 4).toString(16)}/${msg.readUInt16LE(at + 6).toString(16)}/${msg.readUInt32LE(at + 8)}`);
  assert.equal(types, ['10/1/100', 'a0e/5/101', 'a0e/5/102', 'a0c/405/103', '11/1/104']);
  assert.ok(msg.includes(Buffer.from('mq4_c0000200_24\0')));
  assert.ok(msg.includes(Buffer.from([0, 12, ...Buffer.from('web/c1/eth0'), 0])));
});

test('encodeElementBatch() adds new-only elements in their own message, with NLM_F_EXCL', () => {
  const op = (set: string, last: number, mustBeNew?: boolean) => ({
    family: 1,
    table: 'berth',
    set,
    key: Buffer.from([192, 0, 2, last]),
    comment: 'web/c1/eth0',
    ...(mustBeNew && { mustBeNew }),
  });
  const { msg, acks } = encodeElementBatch(
    { del: [], add: [op('isolated', 1), op('masq4', 5, true), op('masq4', 6, true), op('masq4', 7)] },
    1,
  );
  assert.is(acks, 3);
  const flags: string[] = [];
  for (let at = 0; at < msg.length; at += msg.readUInt32LE(at)) flags.push(msg.readUInt16LE(at + 6).toString(16));
  assert.equal(flags, ['1', '405', '605', '405', '1']);
});

test('encodeElementBatch() sends the elements of one set in one message, split below 64 KiB', () => {
  const op = (set: string, i: number) => ({
    family: 1,
    table: 'berth',
    set,
    key: Buffer.from([6, 0, i >> 8, i & 0xff]),
    data: Buffer.alloc(8),
    comment: `web/${'c'.repeat(64)}/eth0`,
  });
  const add = Array.from({ length: 1500 }, (_, i) => [op('hostport4', i), op('hostport6', i)]).flat();
  const { msg, acks } = encodeElementBatch({ del: add.slice(0, 2), add }, 1);
  const lists: { type: number; elems: number }[] = [];
  for (let at = 0; at < msg.length; at += msg.readUInt32LE(at)) {
    const type = msg.readUInt16LE(at + 4);
    if (type === 0x10 || type === 0x11) continue;
    let elems = 0;
    const end = at + msg.readUInt32LE(at);
    for (let a = at + 20; a < end; a += (msg.readUInt16LE(a) + 3) & ~3) {
      if ((msg.readUInt16LE(a + 2) & 0x3fff) !== 3) continue; // NFTA_SET_ELEM_LIST_ELEMENTS
      assert.ok(msg.readUInt16LE(a) <= 0xffff);
      for (let e = a + 4; e < a + msg.readUInt16LE(a); e += (msg.readUInt16LE(e) + 3) & ~3) elems += 1;
    }
    lists.push({ type, elems });
  }
  assert.is(acks, lists.length);
  assert.equal(lists.slice(0, 2), [
    { type: 0xa0e, elems: 1 },
    { type: 0xa0e, elems: 1 },
  ]); // one delete per set
  const adds = lists.slice(2);
  assert.ok(adds.every((l) => l.type === 0xa0c));
  assert.is(
    adds.reduce((sum, l) => sum + l.elems, 0),
    3000,
  );
  assert.ok(adds.length >= 4 && adds.length <= 8, `${adds.length} messages`); // ~160 bytes an element: 2-3 per set
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
  for (const bad of ['', 'a\\b', 'a b', 'a\u007f', 'é'])
    assert.throws(() => quoteIfname(bad), /is not an interface name/, JSON.stringify(bad));
  assert.is(quoteIfname('!~eth0'), '"!~eth0"');
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
  const doc = {
    nftables: [
      { metainfo: {} },
      { map: { elem: [[{ elem: { val: { concat: ['tcp', 8080] }, comment: 'web/c1/eth0' } }, { concat: ['192.0.2.5', 80] }]] } },
      { set: { elem: ['192.0.2.9', { elem: { val: '192.0.2.5', comment: 'x' } }] } },
    ],
  };
  assert.equal(elementsOfListing(doc), [
    [{ concat: ['tcp', 8080] }, 'web/c1/eth0'],
    ['192.0.2.9', ''],
    ['192.0.2.5', 'x'],
  ]);
});

test.run();
