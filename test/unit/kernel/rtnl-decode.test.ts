import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IFLA, IFLA_BR_VLAN_FILTERING, IFLA_INFO, encodeAttrs, ifinfomsg, macToBytes, str, u32, u8 } from '../../../kernel/rtnl-codec';
import { decodeLink } from '../../../kernel/rtnl-decode';

/** An RTM_NEWLINK payload as the kernel sends it: attributes LinkInfo reads among others it skips. */
function newlink(index: number, flags: number, attrs: Parameters<typeof encodeAttrs>[0]): Buffer {
  return Buffer.concat([ifinfomsg({ index, flags }), encodeAttrs(attrs)]);
}

test('decodeLink() reads a veth: name, MAC, MTU, master, peer, kind; skips the rest', () => {
  const link = decodeLink(
    newlink(7, 0x1 | 0x100, [
      { type: IFLA.IFNAME, value: str('veth1234') },
      { type: 13, value: u32(1000) }, // IFLA_TXQLEN: not read
      { type: IFLA.MTU, value: u32(1450) },
      { type: IFLA.LINKINFO, value: [{ type: IFLA_INFO.KIND, value: str('veth') }] },
      { type: IFLA.LINK_NETNSID, value: u32(0) },
      { type: IFLA.LINK, value: u32(2) },
      { type: IFLA.MASTER, value: u32(3) },
      { type: IFLA.ADDRESS, value: macToBytes('0a:b0:00:1f:ff:09') },
      { type: 2, value: macToBytes('ff:ff:ff:ff:ff:ff') }, // IFLA_BROADCAST: not the MAC
    ]),
  );
  assert.equal(link, {
    index: 7,
    name: 'veth1234',
    kind: 'veth',
    mac: '0a:b0:00:1f:ff:09',
    mtu: 1450,
    isUp: true,
    isPromisc: true,
    master: 3,
    link: 2,
    linkNetnsId: 0,
    vlanFiltering: undefined,
  });
});

test("decodeLink() reads a bridge's VLAN filtering, and a device without kind or address", () => {
  const data = (on: number) => [{ type: IFLA_INFO.DATA, value: [{ type: IFLA_BR_VLAN_FILTERING, value: u8(on) }] }];
  const bridge = (on: number) =>
    newlink(4, 0, [
      { type: IFLA.IFNAME, value: str('cni0') },
      { type: IFLA.LINKINFO, value: [{ type: IFLA_INFO.KIND, value: str('bridge') }, ...data(on)] },
    ]);
  assert.is(decodeLink(bridge(1)).vlanFiltering, true);
  assert.is(decodeLink(bridge(0)).vlanFiltering, false);
  const lo = decodeLink(newlink(1, 0x1, [{ type: IFLA.IFNAME, value: str('lo') }]));
  assert.equal([lo.name, lo.kind, lo.mac, lo.mtu, lo.isUp, lo.isPromisc], ['lo', undefined, '', 0, true, false]);
});

test.run();
