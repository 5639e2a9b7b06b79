import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildConflist, describeNetwork, renderConflist, type NetworkInfo } from '../../../network/conflist';
import { NetctlError, UsageError } from '../../../network/errors';
import { parseLabels, planCreate, type CreateContext, type CreateRequest } from '../../../network/plan';
import { formatIP, formatPrefix, parsePrefix } from '../../../cni/ip';
import { parseSubnetArg, type TakenPrefix } from '../../../network/subnets';

const CREATED = '2026-01-02T03:04:05Z';

function req(extra: Partial<CreateRequest> = {}): CreateRequest {
  return {
    name: 'web',
    subnets: [],
    gateways: [],
    ipRanges: [],
    internal: false,
    isolate: false,
    masquerade: true,
    labels: [],
    subnetPool: '10.89.0.0/16',
    subnetSize: 24,
    created: CREATED,
    ...extra,
  };
}

function net(name: string, subnets: string[], bridge?: string): NetworkInfo & { file: string } {
  return {
    name,
    file: `/etc/cni/net.d/${name}.conflist`,
    driver: 'bridge',
    plugins: ['bridge'],
    bridge,
    subnets,
    gateways: [],
    internal: false,
    isolate: false,
    masquerade: true,
    labels: {},
    managed: true,
    firewallDirs: [],
  };
}

function ctx(networks: Array<NetworkInfo & { file: string }> = [], host: TakenPrefix[] = [], links: string[] = []): CreateContext {
  return { networks, hostPrefixes: host, hostHasLink: (n) => links.includes(n) };
}

const taken = (cidr: string, owner = 'a route') => ({ prefix: parsePrefix(cidr), owner });

function failure(fn: () => unknown): { kind: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.instance(err, NetctlError);
    return { kind: err instanceof UsageError ? 'usage' : 'failure', message: (err as Error).message };
  }
  throw new Error('expected a refusal');
}

test('renderConflist() writes the whole golden file for a dual-stack network', () => {
  const plan = planCreate(
    req({
      subnets: ['192.0.2.0/24', '2001:db8::/64'],
      gateways: ['192.0.2.254'],
      ipRanges: ['192.0.2.128/25'],
      mtu: 1400,
      isolate: true,
      labels: ['team=web', 'tier'],
      leaseDir: '/tmp/leases',
      firewallDir: '/tmp/fw',
    }),
    ctx(),
  );
  assert.is(
    renderConflist(plan),
    `${JSON.stringify(
      {
        cniVersion: '1.0.0',
        cniVersions: ['1.0.0', '1.1.0'],
        name: 'web',
        plugins: [
          {
            type: 'bridge',
            bridge: plan.bridge,
            isGateway: true,
            isDefaultGateway: true,
            ipMasq: true,
            hairpinMode: true,
            mtu: 1400,
            isolate: true,
            capabilities: { ips: true, mac: true },
            firewallDir: '/tmp/fw',
            ipam: {
              type: 'host-local',
              ranges: [
                [{ subnet: '192.0.2.0/24', rangeStart: '192.0.2.128', rangeEnd: '192.0.2.254', gateway: '192.0.2.254' }],
                [{ subnet: '2001:db8::/64', gateway: '2001:db8::1' }],
              ],
              dataDir: '/tmp/leases',
            },
          },
          { type: 'portmap', capabilities: { portMappings: true }, firewallDir: '/tmp/fw' },
        ],
        args: { podman_labels: { team: 'web', tier: '' } },
        berth: { created: CREATED, internal: false, labels: { team: 'web', tier: '' } },
      },
      null,
      2,
    )}\n`,
  );
});

test('buildConflist() --internal: no default route, no masquerade, gateway kept on the bridge, the internal drop', () => {
  const bridge = (buildConflist(planCreate(req({ internal: true }), ctx())).plugins as any[])[0];
  assert.is(bridge.isGateway, true);
  assert.is(bridge.isDefaultGateway, false);
  assert.is(bridge.ipMasq, false);
  assert.is(bridge.internal, true);
  assert.is(bridge.ipam.routes, undefined);
  assert.is((buildConflist(planCreate(req({}), ctx())).plugins as any[])[0].internal, undefined, 'not without --internal');
});

test('buildConflist() --no-masquerade keeps the default route', () => {
  const bridge = (buildConflist(planCreate(req({ masquerade: false }), ctx())).plugins as any[])[0];
  assert.is(bridge.isDefaultGateway, true);
  assert.is(bridge.ipMasq, false);
  assert.not.ok('isolate' in bridge);
});

test('buildConflist() --dns adds dnsname after portmap with the aliases capability; none without', () => {
  const types = (dns?: boolean) => (buildConflist(planCreate(req({ dns }), ctx())).plugins as any[]).map((p) => p.type);
  assert.equal(types(true), ['bridge', 'portmap', 'dnsname']);
  assert.equal(types(), ['bridge', 'portmap']);
  assert.equal((buildConflist(planCreate(req({ dns: true }), ctx())).plugins as any[])[2], {
    type: 'dnsname',
    domainName: 'dns.podman',
    capabilities: { aliases: true },
  });
});

test('describeNetwork() reads back what renderConflist() wrote', () => {
  const plan = planCreate(req({ subnets: ['192.0.2.0/24'], labels: ['a=b'], internal: true, leaseDir: '/x' }), ctx());
  const info = describeNetwork(JSON.parse(renderConflist(plan)));
  assert.equal(info, {
    name: 'web',
    driver: 'bridge',
    plugins: ['bridge', 'portmap'],
    bridge: plan.bridge,
    subnets: ['192.0.2.0/24'],
    gateways: ['192.0.2.1'],
    ipamType: 'host-local',
    leaseDir: '/x',
    firewallDirs: ['/run/berth/firewall'],
    internal: true,
    isolate: false,
    masquerade: false,
    labels: { a: 'b' },
    created: CREATED,
    managed: true,
  });
});

test("describeNetwork() reads another tool's conflist: legacy subnet, default bridge and lease dir, podman labels", () => {
  const info = describeNetwork({
    cniVersion: '0.4.0',
    name: 'podman',
    args: { podman_labels: { x: 'y' } },
    plugins: [{ type: 'bridge', isGateway: false, ipam: { type: 'host-local', subnet: '10.88.0.0/16' } }, { type: 'portmap' }],
  });
  assert.is(info.bridge, 'cni0');
  assert.equal(info.subnets, ['10.88.0.0/16']);
  assert.is(info.leaseDir, '/var/lib/cni/networks');
  assert.is(info.internal, true);
  assert.is(info.managed, false);
  assert.equal(info.labels, { x: 'y' });
});

test('planCreate() picks the first /24 of the pool that no network, route or address uses', () => {
  const plan = planCreate(req(), ctx([net('a', ['10.89.0.0/24'])], [taken('10.89.1.0/24'), taken('10.89.2.7/32')]));
  assert.is(plan.ranges.length, 1);
  assert.is(`${plan.ranges[0].subnet.ip.value}`, `${parseSubnetArg('10.89.3.0/24').ip.value}`);
});

test('planCreate() --ipv6 adds a free /64 of the IPv6 pool, with or without an IPv4 subnet given', () => {
  const plan = planCreate(req({ ipv6: true }), ctx([net('a', ['fd89:b3e7:4a00::/64'])], [taken('fd89:b3e7:4a00:1::/64')]));
  assert.equal(
    plan.ranges.map((r) => formatPrefix(r.subnet)),
    ['10.89.0.0/24', 'fd89:b3e7:4a00:2::/64'],
  );
  assert.is(formatIP(plan.ranges[1].gateway), 'fd89:b3e7:4a00:2::1');
  const given = planCreate(req({ ipv6: true, subnets: ['192.0.2.0/24'], subnetPool6: '2001:db8::/56' }), ctx());
  assert.equal(
    given.ranges.map((r) => formatPrefix(r.subnet)),
    ['192.0.2.0/24', '2001:db8::/64'],
  );
  const both = planCreate(req({ ipv6: true, subnets: ['2001:db8:1::/64'] }), ctx());
  assert.equal(
    both.ranges.map((r) => formatPrefix(r.subnet)),
    ['2001:db8:1::/64'],
  );
  // What was picked is recorded (dockerd refuses a fixed address there), and read back.
  assert.equal(
    [plan.pickedSubnets, given.pickedSubnets, both.pickedSubnets],
    [['10.89.0.0/24', 'fd89:b3e7:4a00:2::/64'], ['2001:db8::/64'], undefined],
  );
  assert.equal(describeNetwork(buildConflist(given)).pickedSubnets, ['2001:db8::/64']);
  assert.is(describeNetwork(buildConflist(both)).pickedSubnets, undefined);
});

test('planCreate() honours --subnet-pool and --subnet-size', () => {
  const plan = planCreate(req({ subnetPool: '172.30.0.0/16', subnetSize: 20 }), ctx([net('a', ['172.30.0.0/24'])]));
  assert.is(`${plan.ranges[0].subnet.ip.value}`, `${parseSubnetArg('172.30.16.0/20').ip.value}`);
  assert.is(plan.ranges[0].subnet.length, 20);
});

test('planCreate() derives the bridge name br-<12 hex>, 15 characters', () => {
  const plan = planCreate(req(), ctx());
  assert.match(plan.bridge, /^br-[0-9a-f]{12}$/);
  assert.is(plan.bridge.length, 15);
  assert.is(planCreate(req({ bridge: 'mybr0' }), ctx()).bridge, 'mybr0');
});

const refusals: Array<[string, Partial<CreateRequest>, CreateContext | undefined, string, string]> = [
  ['an invalid name', { name: '-web' }, undefined, 'usage', 'invalid network name "-web": must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$'],
  ['a name with a slash', { name: 'a/b' }, undefined, 'usage', 'invalid network name "a/b": must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$'],
  [
    'a name already taken',
    {},
    ctx([net('web', ['10.1.0.0/24'])]),
    'failure',
    'cannot create network "web": a network of that name already exists in "/etc/cni/net.d/web.conflist"',
  ],
  [
    'a bridge already used by a network',
    { bridge: 'br0' },
    ctx([net('other', ['10.1.0.0/24'], 'br0')]),
    'failure',
    'cannot create network "web": bridge "br0" is already used by network "other"',
  ],
  [
    'a bridge that exists on the host',
    { bridge: 'eth0' },
    ctx([], [], ['eth0']),
    'failure',
    'cannot create network "web": bridge "eth0" already exists on the host',
  ],
  [
    'a bridge name over 15 bytes',
    { bridge: 'a-very-long-bridge' },
    undefined,
    'usage',
    'invalid bridge name "a-very-long-bridge": is longer than 15 bytes',
  ],
  [
    'an overlapping subnet',
    { subnets: ['10.1.0.0/24'] },
    ctx([net('other', ['10.1.0.0/16'])]),
    'failure',
    'cannot create network "web": subnet "10.1.0.0/24" overlaps subnet "10.1.0.0/16" of network "other"',
  ],
  [
    'a subnet that is not a CIDR',
    { subnets: ['10.1.0.0'] },
    undefined,
    'usage',
    'invalid subnet "10.1.0.0": not a CIDR such as "10.89.0.0/24"',
  ],
  [
    'a subnet with host bits',
    { subnets: ['10.1.0.5/24'] },
    undefined,
    'usage',
    'invalid subnet "10.1.0.5/24": host bits set, the network address is 10.1.0.0',
  ],
  ['a /31', { subnets: ['10.1.0.0/31'] }, undefined, 'usage', 'invalid subnet "10.1.0.0/31": too small for a gateway and a container'],
  [
    'two IPv4 subnets',
    { subnets: ['10.1.0.0/24', '10.2.0.0/24'] },
    undefined,
    'usage',
    'invalid subnets "10.1.0.0/24,10.2.0.0/24": at most one IPv4 subnet per network',
  ],
  [
    'a gateway outside the subnet',
    { subnets: ['192.0.2.0/24'], gateways: ['198.51.100.1'] },
    undefined,
    'usage',
    'invalid gateway "198.51.100.1": outside subnet "192.0.2.0/24"',
  ],
  [
    'a gateway on the network address',
    { subnets: ['192.0.2.0/24'], gateways: ['192.0.2.0'] },
    undefined,
    'usage',
    'invalid gateway "192.0.2.0": outside subnet "192.0.2.0/24"',
  ],
  [
    'a gateway on the broadcast address',
    { subnets: ['192.0.2.0/24'], gateways: ['192.0.2.255'] },
    undefined,
    'usage',
    'invalid gateway "192.0.2.255": outside subnet "192.0.2.0/24"',
  ],
  [
    'an IPv6 gateway without an IPv6 subnet',
    { subnets: ['192.0.2.0/24'], gateways: ['2001:db8::1'] },
    undefined,
    'usage',
    'invalid gateway "2001:db8::1": the network has no IPv6 subnet',
  ],
  [
    'a gateway that is not an address',
    { subnets: ['192.0.2.0/24'], gateways: ['gw'] },
    undefined,
    'usage',
    'invalid gateway "gw": not an IP address',
  ],
  [
    'an ip range outside the subnet',
    { subnets: ['192.0.2.0/24'], ipRanges: ['198.51.100.0/25'] },
    undefined,
    'usage',
    'invalid ip range "198.51.100.0/25": not inside subnet "192.0.2.0/24"',
  ],
  ['a relative firewall dir', { firewallDir: 'fw' }, undefined, 'usage', 'invalid firewall dir "fw": must be an absolute path'],
  ['an mtu out of range', { mtu: 50 }, undefined, 'usage', 'invalid mtu "50": must be an integer from 68 to 65535'],
  [
    'a label without a key',
    { labels: ['=x'] },
    undefined,
    'usage',
    'invalid label "=x": must be KEY=VALUE with a non-empty key without whitespace',
  ],
  [
    'an exhausted pool',
    { subnetPool: '10.89.0.0/23' },
    ctx([net('a', ['10.89.0.0/24']), net('b', ['10.89.1.0/24'])]),
    'failure',
    'cannot create network "web": no free /24 left in subnet pool "10.89.0.0/23"',
  ],
  [
    'a pool used by the host',
    { subnetPool: '10.89.0.0/24' },
    ctx([], [taken('10.0.0.0/8')]),
    'failure',
    'cannot create network "web": no free /24 left in subnet pool "10.89.0.0/24"',
  ],
  [
    'an IPv4 IPv6 pool',
    { ipv6: true, subnetPool6: '10.0.0.0/8' },
    undefined,
    'usage',
    'invalid IPv6 subnet pool "10.0.0.0/8": must be an IPv6 prefix of /64 or shorter',
  ],
  [
    'a subnet size smaller than the pool',
    { subnetPool: '10.89.0.0/16', subnetSize: 8 },
    undefined,
    'usage',
    'invalid subnet size "8": must be from 16 to 30 for pool "10.89.0.0/16"',
  ],
];
for (const [what, extra, context, kind, message] of refusals)
  test(`planCreate() refuses ${what}`, () =>
    assert.equal(
      failure(() => planCreate(req(extra), context ?? ctx())),
      { kind, message },
    ));

test('parseLabels() takes KEY=VALUE, KEY alone, and "=" inside values', () => {
  assert.equal(parseLabels(['a=b', 'c', 'd=e=f']), { a: 'b', c: '', d: 'e=f' });
});

test.run();
