import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToIp, bytesToMac, decodeAttrs, encodeAttrs, ipToBytes, macToBytes, nlmsg, str, u32, u8 } from '../../../kernel/rtnl-codec';
import { addAddrMessage, broadcastOf } from '../../../kernel/rtnl-requests';

const ips: Array<[string, string]> = [
  ['192.0.2.1', 'c0000201'],
  ['2001:db8::1', '20010db8000000000000000000000001'],
  ['::', '00000000000000000000000000000000'],
  ['::1', '00000000000000000000000000000001'],
  ['fe80::1:2', 'fe800000000000000000000000010002'],
  ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
];
for (const [text, hex] of ips) test(`ipToBytes() packs ${text}`, () => assert.is(ipToBytes(text).toString('hex'), hex));

for (const [text, canonical] of [
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
  ['192.0.2.1', '192.0.2.1'],
  ['fe80::1', 'fe80::1'],
])
  test(`bytesToIp() prints ${text} as ${canonical} (RFC 5952)`, () => assert.is(bytesToIp(ipToBytes(text)), canonical));

test('macToBytes() and bytesToMac() round-trip', () => {
  assert.is(bytesToMac(macToBytes('02:ab:00:10:ff:09')), '02:ab:00:10:ff:09');
});

test('broadcastOf() computes IPv4 broadcast and skips /31, /32 and IPv6', () => {
  assert.is(broadcastOf('192.0.2.5', 24), '192.0.2.255');
  assert.is(broadcastOf('10.1.2.3', 8), '10.255.255.255');
  assert.is(broadcastOf('10.1.2.3', 0), '255.255.255.255');
  assert.is(broadcastOf('192.0.2.5', 31), undefined);
  assert.is(broadcastOf('2001:db8::1', 64), undefined);
});

test('encodeAttrs() pads to 4 bytes and decodeAttrs() reads nested attributes back', () => {
  const buf = encodeAttrs([
    { type: 3, value: str('eth0') },
    { type: 18, value: [{ type: 1, value: str('veth') }] },
    { type: 4, value: u32(1500) },
  ]);
  assert.is(buf.length % 4, 0);
  const attrs = decodeAttrs(buf);
  assert.is(attrs.get(3)!.toString(), 'eth0\0');
  assert.is(decodeAttrs(attrs.get(18)!).get(1)!.toString(), 'veth\0');
  assert.is(attrs.get(4)!.readUInt32LE(0), 1500);
});

test('addAddrMessage() writes local, address, the IPv4 broadcast and the flags', () => {
  const hex = (cidr: string, noDad: boolean) => addAddrMessage(3, cidr, { noDad }).toString('hex');
  assert.is(hex('192.0.2.5/24', true), '021882000300000008000200c000020508000100c000020508000400c00002ff0800080082000000');
  assert.is(hex('10.0.0.1/32', false), '0220800003000000080002000a000001080001000a0000010800080080000000');
  assert.is(
    hex('2001:db8::5/64', false),
    '0a408000030000001400020020010db80000000000000000000000051400010020010db80000000000000000000000050800080080000000',
  );
});

test('encodeAttrs() and nlmsg() write these bytes: lengths, NLA_F_NESTED, zero padding, the header', () => {
  const attrs = encodeAttrs([
    { type: 3, value: str('ab') },
    {
      type: 18,
      value: [
        { type: 1, value: str('veth') },
        { type: 2, value: [{ type: 1, value: u8(7) }] },
      ],
    },
    { type: 4, value: u32(1500) },
  ]);
  const body = '07000300616200001c0012800900010076657468000000000c000280050001000700000008000400dc050000';
  assert.is(attrs.toString('hex'), body);
  assert.is(nlmsg(16, 0x605, 9, attrs).toString('hex'), `3c000000100005060900000000000000${body}`);
});

test.run();
