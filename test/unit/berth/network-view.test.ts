import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIP } from '../../../cni/ip';
import { describeNetwork } from '../../../network/conflist';
import {
  inspectNetwork,
  lsFields,
  matchesNetworkFilters,
  parseNetworkFilters,
  rangeCidr,
  type NetworkEntry,
} from '../../../berth/network-view';

const raw = {
  cniVersion: '1.0.0',
  name: 'web',
  plugins: [
    {
      type: 'bridge',
      bridge: 'br-1',
      isGateway: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: '192.0.2.0/24', rangeStart: '192.0.2.128', rangeEnd: '192.0.2.254', gateway: '192.0.2.1' }]],
      },
    },
  ],
  berth: { created: '2026-12-06T00:00:00Z', internal: false, labels: { team: 'a' } },
};
const web: NetworkEntry = { name: 'web', id: 'ab'.repeat(32), driver: 'bridge', info: { ...describeNetwork(raw), raw } };
const host: NetworkEntry = { name: 'host', id: 'cd'.repeat(32), driver: 'host' };

test('rangeCidr() turns host-local bounds back into the --ip-range', () => {
  assert.is(rangeCidr(parseIP('192.0.2.128'), parseIP('192.0.2.254')), '192.0.2.128/25');
  assert.is(rangeCidr(parseIP('192.0.2.1'), parseIP('192.0.2.127')), '192.0.2.0/25');
  assert.is(rangeCidr(parseIP('2001:db8::1'), parseIP('2001:db8::ff')), '2001:db8::/120');
});

test('parseNetworkFilters() refuses unknown keys and values without "=", as Docker', () => {
  assert.equal(parseNetworkFilters(['Name=x', 'label=a=b'], ['name', 'label']), [
    ['name', 'x'],
    ['label', 'a=b'],
  ]);
  assert.throws(() => parseNetworkFilters(['colour=red'], ['name']), /^Invalid filter 'colour'$/);
  assert.throws(() => parseNetworkFilters(['name'], ['name']), /^bad format of filter \(expected name=value\)$/);
});

test('matchesNetworkFilters(): values of one key are alternatives, labels must all match', () => {
  const f = (...xs: string[]) => parseNetworkFilters(xs, ['name', 'id', 'driver', 'label', 'type', 'scope']);
  assert.ok(matchesNetworkFilters(web, f('name=we', 'name=zz')));
  assert.not.ok(matchesNetworkFilters(web, f('name=zz')));
  assert.ok(matchesNetworkFilters(web, f('label=team', 'label=team=a', 'driver=bridge', 'id=^abab')));
  assert.not.ok(matchesNetworkFilters(web, f('label=team', 'label=other')));
  assert.ok(matchesNetworkFilters(host, f('type=builtin')));
  assert.not.ok(matchesNetworkFilters(host, f('type=custom')));
  assert.throws(() => matchesNetworkFilters(host, f('type=odd')), /invalid filter: 'type'='odd'/);
});

test('matchesNetworkFilters(): dangling is no container attached, never a predefined network, as dockerd', () => {
  const f = (...xs: string[]) => parseNetworkFilters(xs, ['dangling']);
  assert.ok(matchesNetworkFilters(web, f('dangling=true'), false));
  assert.not.ok(matchesNetworkFilters(web, f('dangling=1'), true));
  assert.ok(matchesNetworkFilters(web, f('dangling=false'), true));
  assert.not.ok(matchesNetworkFilters(host, f('dangling=true'), false));
  assert.ok(matchesNetworkFilters(host, f('dangling=0'), false));
  assert.throws(
    () => matchesNetworkFilters(web, f('dangling=maybe')),
    /^invalid value for filter 'dangling', must be "true" \(or "1"\), or "false" \(or "0"\)$/,
  );
});

test('lsFields() and inspectNetwork() have the shape of docker network ls and inspect', () => {
  const row = lsFields(web, false);
  assert.equal(
    [row.ID, row.Name, row.Driver, row.Scope, row.IPv6, row.Internal, row.Labels, row.CreatedAt],
    ['abababababab', 'web', 'bridge', 'local', 'false', 'false', 'team=a', '2026-12-06 00:00:00 +0000 UTC'],
  );
  const attached = {
    kind: 'cniCacheV1' as const,
    containerId: 'c1',
    config: '',
    ifName: 'eth0',
    networkName: 'web',
    cniArgs: [['K8S_POD_NAME', 'db']] as Array<[string, string]>,
    result: { interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/x' }], ips: [{ address: '192.0.2.130/24' }] },
  };
  const shown = inspectNetwork(web, [attached as never]);
  assert.equal(shown.IPAM, {
    Driver: 'default',
    Options: {},
    Config: [{ Subnet: '192.0.2.0/24', IPRange: '192.0.2.128/25', Gateway: '192.0.2.1' }],
  });
  assert.equal(shown.Containers, {
    c1: { Name: 'db', EndpointID: '', MacAddress: '02:00:00:00:00:01', IPv4Address: '192.0.2.130/24', IPv6Address: '' },
  });
  assert.equal(inspectNetwork(host, []).IPAM, { Driver: 'default', Options: null, Config: [] });
});

test.run();
