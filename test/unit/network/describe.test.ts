import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderCacheEntry } from '../../../cni/cache';
import { describeCacheEntry, describeContainer, renderTable } from '../../../network/describe';
import { hasNetnsCapabilities } from '../../../network/privilege';

test('renderTable() pads columns by two spaces and trims line ends', () => {
  assert.is(
    renderTable(
      ['NAME', 'SUBNETS', 'N'],
      [
        ['web', '10.89.0.0/24', '2'],
        ['database', '-', '0'],
      ],
    ),
    'NAME      SUBNETS       N\nweb       10.89.0.0/24  2\ndatabase  -             0',
  );
});

test("describeCacheEntry() shows a cached attachment: its own interface's MAC, addresses, port mappings", () => {
  const entry = renderCacheEntry(
    { networkName: 'web', containerId: 'c1', ifName: 'eth0' },
    {
      config: '{}',
      netns: '/run/netns/c1',
      capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
      result: {
        cniVersion: '1.1.0',
        interfaces: [
          { name: 'br0', mac: '02:00:00:00:00:01' },
          { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c1' },
        ],
        ips: [{ address: '10.89.0.2/24', gateway: '10.89.0.1', interface: 1 }],
      },
    },
  );
  assert.equal(describeCacheEntry(entry, false), {
    containerId: 'c1',
    ifName: 'eth0',
    netns: '/run/netns/c1',
    netnsExists: false,
    mac: '02:00:00:00:00:02',
    addresses: ['10.89.0.2/24'],
    interfaces: [
      { name: 'br0', mac: '02:00:00:00:00:01' },
      { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c1' },
    ],
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  });
});

test('describeCacheEntry() tolerates an entry without a result', () => {
  const entry = { kind: 'cniCacheV1' as const, containerId: 'c2', ifName: 'eth1', networkName: 'web', config: '' };
  assert.equal(describeCacheEntry(entry, true), {
    containerId: 'c2',
    ifName: 'eth1',
    netnsExists: true,
    addresses: [],
    interfaces: [],
    portMappings: [],
  });
});

test('describeContainer() names the netns the user gave, then the ID when it differs', () => {
  assert.is(describeContainer('netctl-fdc2ccf9d110', '/run/netns/nc-c1'), '"nc-c1" (id "netctl-fdc2ccf9d110")');
  assert.is(describeContainer('c1', '/run/netns/c1'), '"c1"');
  assert.is(describeContainer('c1', '/proc/42/ns/net'), '"/proc/42/ns/net" (id "c1")');
  assert.is(describeContainer('c1', undefined), '"c1"');
});

test('hasNetnsCapabilities() wants CAP_SYS_ADMIN and CAP_NET_ADMIN in CapEff', () => {
  assert.ok(hasNetnsCapabilities('Name:\tx\nCapEff:\t000001ffffffffff\n'));
  assert.ok(hasNetnsCapabilities('CapEff:\t0000000000201000\n'));
  assert.not.ok(hasNetnsCapabilities('CapEff:\t0000000000001000\n'), 'NET_ADMIN only');
  assert.not.ok(hasNetnsCapabilities('CapEff:\t0000000000000000\n'));
  assert.not.ok(hasNetnsCapabilities('Name:\tx\n'));
  assert.not.ok(hasNetnsCapabilities('CapEff:\t\n'));
  assert.not.ok(hasNetnsCapabilities('CapEff:\tzz1ffffffffff\n'));
  assert.not.ok(hasNetnsCapabilities('NoCapEff:\t000001ffffffffff\n'));
  assert.ok(hasNetnsCapabilities('CapEff:\t000001ffffffffff'), 'the last line');
});

test.run();
