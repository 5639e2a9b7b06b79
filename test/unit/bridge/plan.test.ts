import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeMacFrom, planAdd, routeGateway } from '../../../bridge/plan';
import type { BridgeConf } from '../../../bridge/config';

const base: BridgeConf = {
  cniVersion: '1.0.0',
  name: 'n',
  type: 'bridge',
  bridge: 'br0',
  isGateway: false,
  isDefaultGateway: false,
  forceAddress: false,
  ipMasq: false,
  hairpinMode: false,
  promiscMode: false,
  enabledad: false,
  macspoofchk: false,
  isolate: false,
  internal: false,
};

test('planAdd() computes the gateway as the first address when IPAM gave none', () => {
  const plan = planAdd({ ...base, isGateway: true }, { cniVersion: '1.0.0', ips: [{ address: '192.0.2.7/24' }] });
  assert.equal(plan.gateways, [{ family: 4, cidr: '192.0.2.1/24', gateway: '192.0.2.1' }]);
  assert.equal(plan.ips, [{ address: '192.0.2.7/24', gateway: '192.0.2.1', interface: 2 }]);
  assert.equal(plan.forwardFamilies, [4]);
});

test('planAdd() adds one default route per family for isDefaultGateway unless IPAM has one', () => {
  const plan = planAdd(
    { ...base, isGateway: true, isDefaultGateway: true },
    {
      cniVersion: '1.0.0',
      ips: [{ address: '192.0.2.7/24', gateway: '192.0.2.254' }, { address: '2001:db8::7/64' }],
      routes: [{ dst: '::/0', gw: '2001:db8::fe' }],
    },
  );
  assert.equal(plan.routes, [
    { dst: '::/0', gw: '2001:db8::fe' },
    { dst: '0.0.0.0/0', gw: '192.0.2.254' },
  ]);
  assert.equal(
    plan.gateways.map((g) => g.cidr),
    ['192.0.2.254/24', '2001:db8::1/64'],
  );
});

test('planAdd() without isGateway leaves the bridge without addresses and keeps IPAM gateways', () => {
  const plan = planAdd(base, { cniVersion: '1.0.0', ips: [{ address: '192.0.2.7/24', gateway: '192.0.2.1' }] });
  assert.equal(plan.gateways, []);
  assert.equal(plan.ips, [{ address: '192.0.2.7/24', gateway: '192.0.2.1', interface: 2 }]);
});

test('planAdd() for L2 only (no IPAM) plans nothing', () => {
  assert.equal(planAdd(base, undefined), { ips: [], routes: [], gateways: [], forwardFamilies: [] });
});

test('planAdd() refuses an IPAM address that is not a CIDR', () => {
  assert.throws(
    () => planAdd(base, { cniVersion: '1.0.0', ips: [{ address: '192.0.2.7' }] }),
    /IPAM returned an invalid address "192\.0\.2\.7"/,
  );
});

test('bridgeMacFrom() takes six random bytes and makes them unicast and locally administered', () => {
  assert.is(bridgeMacFrom(Uint8Array.from([0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99])), 'fe:ee:dd:cc:bb:aa');
  assert.is(bridgeMacFrom(Uint8Array.from([0x00, 0, 0, 0, 0, 1])), '02:00:00:00:00:01');
  assert.throws(() => bridgeMacFrom(Uint8Array.from([1, 2, 3])), /needs 6 random bytes/);
});

test('a route without gw is installed via the gateway of its family, as the reference does', () => {
  const ips = [
    { address: '10.88.0.2/24', gateway: '10.88.0.1', interface: 2 },
    { address: 'fd00::2/64', gateway: 'fd00::1', interface: 2 },
  ];
  assert.is(routeGateway({ dst: '0.0.0.0/0' }, ips), '10.88.0.1');
  assert.is(routeGateway({ dst: '::/0' }, ips), 'fd00::1');
  assert.is(routeGateway({ dst: '192.0.2.0/24', gw: '10.88.0.9' }, ips), '10.88.0.9', 'its own gw wins');
  assert.is(routeGateway({ dst: '::/0' }, [ips[0]]), undefined, 'no address of that family: a link route');
});

test.run();
