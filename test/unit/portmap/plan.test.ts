import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PORTMAP_SCHEMA, parsePortMappings, parsePortmapConf } from '../../../portmap/config';
import { containerAddrs, udpFlushes, hostInterfaceOf, portmapChains, portmapElements } from '../../../portmap/plan';
import { renderTransaction } from '../../../firewall/render';
import { bridgeResult, netConf } from '../../helpers/cni-results';
import { rejection, thrownBy } from '../../helpers/thrown';
import { CniError } from '../../../cni/errors';

const conf = (extra: object = {}) => netConf('portmap', extra);
/** The port mappings of a runtimeConfig holding `portMappings`. */
const mappingsOf = (...portMappings: object[]) => parsePortMappings(conf({ runtimeConfig: { portMappings } }));
const prev = bridgeResult([
  { address: '192.0.2.5/24', gateway: '192.0.2.1', interface: 2 },
  { address: '2001:db8::5/64', interface: 2 },
  { address: '192.0.2.6/24', interface: 2 },
]);

test('containerAddrs() takes the first address of each family; hostInterfaceOf() the bridge', () => {
  const a = containerAddrs(prev);
  assert.is(a.v4?.length, 24);
  assert.is(a.v6?.length, 64);
  assert.is(hostInterfaceOf(prev), 'cni0');
});

test('portmapElements() dual stack, any address, hostIP v4, snat: golden transaction', () => {
  const mappings = mappingsOf(
    { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
    { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '198.51.100.1' },
    { hostPort: 9000, containerPort: 9000, protocol: 'sctp', hostIP: '2001:DB8:0::1' },
  );
  const script = renderTransaction({ adds: portmapElements(mappings, containerAddrs(prev), { snat: true }), tag: 'web/c1/eth0' });
  assert.fixture(
    script,
    `add element inet berth hostport4 { tcp . 8080 comment "web/c1/eth0" : 192.0.2.5 . 80 }
add element inet berth hostport6 { tcp . 8080 comment "web/c1/eth0" : 2001:db8::5 . 80 }
add element inet berth hostip4 { 198.51.100.1 . udp . 5353 comment "web/c1/eth0" : 192.0.2.5 . 53 }
add element inet berth hostip6 { 2001:db8::1 . sctp . 9000 comment "web/c1/eth0" : 2001:db8::5 . 9000 }
add element inet berth pmsnat4 { 192.0.2.5 comment "web/c1/eth0" : jump pm4_c0000200_24 }
add element inet berth pmsnat6 { 2001:db8::5 comment "web/c1/eth0" : jump pm6_20010db8000000000000000000000000_64 }
`,
  );
  assert.fixture(
    portmapChains(portmapElements(mappings, containerAddrs(prev), { snat: true }), containerAddrs(prev)),
    `add chain inet berth pm4_c0000200_24
flush chain inet berth pm4_c0000200_24
add rule inet berth pm4_c0000200_24 ip saddr { 127.0.0.0/8, 192.0.2.0/24 } masquerade
add chain inet berth pm6_20010db8000000000000000000000000_64
flush chain inet berth pm6_20010db8000000000000000000000000_64
add rule inet berth pm6_20010db8000000000000000000000000_64 ip6 saddr 2001:db8::/64 masquerade
`,
  );
});

test('parsePortMappings() drops an entry equal to an earlier one, and only such an entry', () => {
  const mappings = mappingsOf(
    { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
    { hostPort: 8080, containerPort: 80 },
    { hostPort: 8080, containerPort: 80, protocol: 'udp' },
    { hostPort: 8080, containerPort: 81 },
    { hostPort: 8080, containerPort: 80, hostIP: '2001:DB8::1' },
    { hostPort: 8080, containerPort: 80, hostIP: '2001:db8::1' },
  );
  assert.equal(
    mappings.map((m) => `${m.hostIP ?? ''}/${m.hostPort}/${m.protocol}/${m.containerPort}`),
    ['/8080/tcp/80', '/8080/udp/80', '/8080/tcp/81', '2001:db8::1/8080/tcp/80'],
  );
});

test('portmapElements() without snat, "0.0.0.0" meaning any IPv4 address only', () => {
  const mappings = mappingsOf({ hostPort: 80, containerPort: 8080, hostIP: '0.0.0.0' });
  assert.fixture(
    renderTransaction({ adds: portmapElements(mappings, containerAddrs(prev), { snat: false }), tag: 't' }),
    'add element inet berth hostport4 { tcp . 80 comment "t" : 192.0.2.5 . 8080 }\n',
  );
});

test('portmapElements() marks DNAT elements exclusive and names them', () => {
  const [el] = portmapElements([{ hostPort: 80, containerPort: 80, protocol: 'tcp', hostIP: '198.51.100.1' }], containerAddrs(prev), {
    snat: true,
  });
  assert.is(el.exclusive, true);
  assert.is(el.what, 'host port 80/tcp on 198.51.100.1');
});

test('udpFlushes() flushes UDP mappings per family, with the hostIP as destination', () => {
  const mappings = mappingsOf(
    { hostPort: 53, containerPort: 53, protocol: 'udp' },
    { hostPort: 54, containerPort: 53, protocol: 'udp', hostIP: '198.51.100.1' },
    { hostPort: 55, containerPort: 53, protocol: 'udp', hostIP: '0.0.0.0' },
    { hostPort: 80, containerPort: 80 },
  );
  assert.equal(udpFlushes(mappings, { v4: true, v6: true }), [
    { family: 4, port: 53 },
    { family: 6, port: 53 },
    { family: 4, port: 54, dst: '198.51.100.1' },
    { family: 4, port: 55 },
  ]);
  assert.equal(udpFlushes(mappings, { v4: false, v6: true }), [{ family: 6, port: 53 }], 'only the families the container has');
});

const rejected: Array<[object, number, RegExp]> = [
  [{ hostPort: 0, containerPort: 80 }, 7, /^invalid port mapping 0: hostPort 0 is outside 1-65535$/],
  [{ hostPort: 65536, containerPort: 80 }, 7, /hostPort 65536 is outside 1-65535$/],
  [{ hostPort: 80, containerPort: -1 }, 7, /containerPort -1 is outside 1-65535$/],
  [{ hostPort: 80, containerPort: 80, protocol: 'icmp' }, 7, /protocol "icmp" is not tcp, udp or sctp$/],
  [{ hostPort: 80, containerPort: 80, hostIP: '10.0.0.256' }, 7, /hostIP "10\.0\.0\.256" is not an IP address$/],
];
for (const [m, code, msg] of rejected)
  test(`parsePortMappings() rejects ${JSON.stringify(m)}`, () => {
    const err = thrownBy(() => mappingsOf(m), CniError);
    assert.is(err.code, code);
    assert.match(err.message, msg);
  });

test('parsePortmapConf() defaults snat to true and accepts markMasqBit', async () => {
  const c = await parsePortmapConf(conf({ markMasqBit: 13 }), PORTMAP_SCHEMA);
  assert.is(c.snat, true);
});

const badConf: Array<[object, number, RegExp]> = [
  [{ markMasqBit: 32 }, 7, /\/markMasqBit must be <= 31$/],
  [{ markMasqBit: 13, externalSetMarkChain: 'KUBE-MARK-MASQ' }, 7, /"markMasqBit" and "externalSetMarkChain" cannot both be set$/],
  [{ externalSetMarkChain: 'KUBE-MARK-MASQ' }, 2, /^portmap "externalSetMarkChain" "KUBE-MARK-MASQ" is not supported: /],
  [
    { conditionsV4: ['-s', '192.0.2.0/24'] },
    2,
    /^portmap "conditionsV4" is not supported: iptables match arguments \["-s","192\.0\.2\.0\/24"\] cannot be applied to nftables$/,
  ],
  [{ snat: 'yes' }, 7, /\/snat must be boolean$/],
];
for (const [extra, code, msg] of badConf)
  test(`parsePortmapConf() rejects ${JSON.stringify(extra)} with code ${code}`, async () => {
    const err = await rejection(parsePortmapConf(conf(extra), PORTMAP_SCHEMA), CniError);
    assert.is(err.code, code);
    assert.match(err.message, msg);
  });

test('parsePortmapConf() accepts empty conditions', async () => {
  await parsePortmapConf(conf({ conditionsV4: [], conditionsV6: [] }), PORTMAP_SCHEMA);
});

test.run();
