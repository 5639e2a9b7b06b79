import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeConntrackEntry, encodeConntrackDelete, encodeConntrackDump, isFlowOf } from '../../../kernel/conntrack';
import { decodeAttrs, encodeAttrs, ipToBytes } from '../../../kernel/rtnl-codec';

const be16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

/** An entry as ctnetlink dumps it: struct nfgenmsg, then CTA_TUPLE_ORIG {IP {src, dst}, PROTO {num, sport, dport}}, CTA_ZONE, CTA_ID. */
function dumped(family: 4 | 6, proto: number, dst: string, dport: number): Buffer {
  const [src, dstType] = family === 4 ? [1, 2] : [3, 4];
  const tuple = encodeAttrs([
    {
      type: 1,
      value: [
        { type: src, value: ipToBytes(family === 4 ? '192.0.2.9' : '2001:db8::9') },
        { type: dstType, value: ipToBytes(dst) },
      ],
    },
    {
      type: 2,
      value: [
        { type: 1, value: Buffer.from([proto]) },
        { type: 2, value: be16(40000) },
        { type: 3, value: be16(dport) },
      ],
    },
  ]);
  return Buffer.concat([
    Buffer.from([family === 4 ? 2 : 10, 0, 0, 0]),
    encodeAttrs([
      { type: 1, value: tuple },
      { type: 18, value: be16(0) },
      { type: 12, value: Buffer.from([0, 0, 0, 7]) },
    ]),
  ]);
}

test('encodeConntrackDump() asks ctnetlink (subsystem 1, IPCTNL_MSG_CT_GET) for a dump of one family', () => {
  const msg = encodeConntrackDump(6, 9);
  assert.is(msg.readUInt32LE(0), msg.length);
  assert.is(msg.readUInt16LE(4), (1 << 8) | 1);
  assert.is(msg.readUInt16LE(6), 0x301, 'NLM_F_REQUEST | NLM_F_DUMP');
  assert.is(msg.readUInt32LE(8), 9);
  assert.is(msg.readUInt8(16), 10, 'AF_INET6');
  assert.is(encodeConntrackDump(undefined, 1).readUInt8(16), 0, 'AF_UNSPEC: both families in one dump');
});

test('decodeConntrackEntry() reads protocol, original destination and port of IPv4 and IPv6 entries', () => {
  const v4 = decodeConntrackEntry(dumped(4, 17, '198.51.100.1', 8053))!;
  assert.equal(
    { family: v4.family, protocol: v4.protocol, dst: v4.dst, dstPort: v4.dstPort },
    { family: 4, protocol: 17, dst: '198.51.100.1', dstPort: 8053 },
  );
  const v6 = decodeConntrackEntry(dumped(6, 6, '2001:db8::1', 80))!;
  assert.equal(
    { family: v6.family, protocol: v6.protocol, dst: v6.dst, dstPort: v6.dstPort },
    { family: 6, protocol: 6, dst: '2001:db8::1', dstPort: 80 },
  );
  assert.is(decodeConntrackEntry(Buffer.from([2, 0, 0, 0])), undefined, 'no original tuple');
});

test('isFlowOf() matches UDP, the family and the port, and the destination only when given', () => {
  const e = decodeConntrackEntry(dumped(4, 17, '198.51.100.1', 8053))!;
  assert.ok(isFlowOf(e, { family: 4, port: 8053 }));
  assert.ok(isFlowOf(e, { family: 4, port: 8053, dst: '198.51.100.1' }));
  assert.not.ok(isFlowOf(e, { family: 4, port: 8053, dst: '198.51.100.2' }));
  assert.not.ok(isFlowOf(e, { family: 4, port: 8054 }));
  assert.not.ok(isFlowOf(e, { family: 6, port: 8053 }), 'another family');
  assert.not.ok(isFlowOf(decodeConntrackEntry(dumped(4, 6, '198.51.100.1', 8053))!, { family: 4, port: 8053 }), 'TCP is not flushed');
  assert.ok(
    isFlowOf(decodeConntrackEntry(dumped(6, 17, '2001:db8::1', 53))!, { family: 6, port: 53, dst: '2001:0db8::1' }),
    'addresses compared in canonical form',
  );
});

test('encodeConntrackDelete() names the entry by its original tuple (as dumped), zone and ID, and asks for an ACK', () => {
  const entry = decodeConntrackEntry(dumped(4, 17, '198.51.100.1', 8053))!;
  const msg = encodeConntrackDelete(entry, 3);
  assert.is(msg.readUInt16LE(4), (1 << 8) | 2, 'IPCTNL_MSG_CT_DELETE');
  assert.is(msg.readUInt16LE(6), 0x5, 'NLM_F_REQUEST | NLM_F_ACK');
  assert.is(msg.readUInt8(16), 2, 'AF_INET');
  const attrs = decodeAttrs(msg, 20);
  assert.ok(attrs.get(1)!.equals(entry.tuple));
  assert.ok(attrs.get(18)!.equals(be16(0)));
  assert.ok(attrs.get(12)!.equals(Buffer.from([0, 0, 0, 7])));
});

test.run();
