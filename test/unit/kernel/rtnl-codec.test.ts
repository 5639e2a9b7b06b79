import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToIp, bytesToMac, decodeAttrs, encodeAttrs, ipToBytes, macToBytes, str, u32 } from '../../../kernel/rtnl-codec';
import { broadcastOf } from '../../../kernel/rtnl-requests';

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

test.run();
