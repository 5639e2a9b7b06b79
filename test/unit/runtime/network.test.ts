import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkFixedAddress,
  expandPortRanges,
  planNetworking,
  portBindingsOf,
  parsePublish,
  requestsOf,
  type NetworkFlags,
} from '../../../runtime/network/plan';
import { renderNetworkSettings, portKeyOf, renderPortLines, renderPsPorts, type AttachmentInfo } from '../../../runtime/network/settings';
import { cniDirsOf } from '../../../runtime/network/dirs';
import type { ContainerRecord } from '../../../runtime/record';

const flags = (over: Partial<NetworkFlags> = {}): NetworkFlags => ({ networks: [], aliases: [], publish: [], publishAll: false, ...over });

test('expandPortRanges() expands host and container ranges pairwise', () => {
  assert.equal(expandPortRanges('8000-8001:80-81/udp'), ['8000:80/udp', '8001:81/udp']);
  assert.equal(expandPortRanges('192.0.2.1:7000-7001:70-71'), ['192.0.2.1:7000:70', '192.0.2.1:7001:71']);
  assert.equal(expandPortRanges('80-81'), ['80', '81']);
  assert.equal(expandPortRanges('8080:80'), ['8080:80']);
  assert.throws(() => expandPortRanges('8000-8002:80-81'), /invalid ranges specified for container and host Ports: 80-81 and 8000-8002/);
  assert.throws(() => expandPortRanges('81-80'), /start after end/);
});

test('parsePublish() and portBindingsOf(): a host range for one container port is one request, kept as docker writes it', () => {
  const reqs = parsePublish(['8082-8083:80', '127.0.0.1:9000-9005:90/udp', '7000-7000:70']);
  assert.equal(reqs, [
    { containerPort: 80, protocol: 'tcp', hostPort: 8082, hostPortEnd: 8083 },
    { containerPort: 90, protocol: 'udp', hostPort: 9000, hostPortEnd: 9005, hostIP: '127.0.0.1' },
    { containerPort: 70, protocol: 'tcp', hostPort: 7000 },
  ]);
  const bindings = portBindingsOf(reqs);
  assert.equal(bindings['80/tcp'], [{ HostIp: '', HostPort: '8082-8083' }]);
  assert.equal(requestsOf(bindings), reqs, 'read back for the start');
  assert.throws(() => parsePublish(['8083-8082:80']), /start after end/);
});

test('parsePublish() takes every -p form; /sctp is parsed and kept', () => {
  assert.equal(parsePublish(['8080:80', '53/udp', '192.0.2.1:9000:90/sctp', '[2001:db8::1]:443:443']), [
    { containerPort: 80, protocol: 'tcp', hostPort: 8080 },
    { containerPort: 53, protocol: 'udp' },
    { containerPort: 90, protocol: 'sctp', hostPort: 9000, hostIP: '192.0.2.1' },
    { containerPort: 443, protocol: 'tcp', hostPort: 443, hostIP: '2001:db8::1' },
  ]);
  assert.throws(() => parsePublish(['80/icmp']), /protocol "icmp" is not tcp, udp or sctp/);
  assert.throws(() => parsePublish(['70000:80']), /host port 70000 is outside 1-65535/);
});

test('portBindingsOf() and requestsOf() round-trip Docker PortBindings', () => {
  const reqs = parsePublish(['8080:80', '53/udp', '192.0.2.1::90/sctp']);
  const bindings = portBindingsOf(reqs);
  assert.equal(bindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
    '53/udp': [{ HostIp: '', HostPort: '' }],
    '90/sctp': [{ HostIp: '192.0.2.1', HostPort: '' }],
  });
  assert.equal(requestsOf(bindings), reqs);
});

test("checkFixedAddress(): a fixed address of a family needs a subnet of that family the user gave, as dockerd's", () => {
  const NO_SUBNET = /^user specified IP address is supported only when connecting to networks with user configured subnets$/;
  const dual = { subnets: ['10.89.0.0/24', 'fd00::/64'], pickedSubnets: ['fd00::/64'] };
  checkFixedAddress(dual, { IPv4Address: '10.89.0.5' });
  checkFixedAddress(dual, null);
  assert.throws(() => checkFixedAddress(dual, { IPv6Address: 'fd00::5' }), NO_SUBNET);
  assert.throws(
    () => checkFixedAddress({ subnets: ['10.89.0.0/24'], pickedSubnets: ['10.89.0.0/24'] }, { IPv4Address: '10.89.0.5' }),
    NO_SUBNET,
  );
  checkFixedAddress({ subnets: ['10.89.0.0/24'] }, { IPv4Address: '10.89.0.5' }); // another tool's network: taken as given
});

test('planNetworking(): bridge by default, several networks in order, special modes alone', () => {
  assert.equal(
    planNetworking(flags()).endpoints.map((e) => e.name),
    ['bridge'],
  );
  const two = planNetworking(flags({ networks: ['front', 'back'], ip: '192.0.2.5', aliases: ['web'], mac: '02:00:00:00:00:01' }));
  assert.equal(two.mode, 'front');
  assert.equal(two.endpoints, [
    { name: 'front', config: { IPAMConfig: { IPv4Address: '192.0.2.5' }, Aliases: ['web'], MacAddress: '02:00:00:00:00:01' } },
    { name: 'back', config: { IPAMConfig: null, Aliases: null, MacAddress: '' } },
  ]);
  assert.equal(planNetworking(flags({ networks: ['none'] })).endpoints, []);
  assert.equal(planNetworking(flags({ networks: ['host'], publish: ['80'] })).portBindings, {});
  assert.throws(
    () => planNetworking(flags({ networks: ['host', 'front'] })),
    /cannot attach both user-defined and non-user-defined network-modes/,
  );
  assert.throws(() => planNetworking(flags({ ip: '192.0.2.5' })), /user specified IP address is supported on user defined networks only/);
  assert.throws(
    () => planNetworking(flags({ aliases: ['x'] })),
    /network-scoped alias is supported only for containers in user defined networks/,
  );
  assert.throws(
    () => planNetworking(flags({ networks: ['container:db'], publish: ['80'] })),
    /conflicting options: port publishing and the container type network mode/,
  );
  for (const mac of ['zz', '02:42:ac:11:00', '02:42:ac:11:00:99:aa', '02:42-ac:11:00:99'])
    assert.throws(() => planNetworking(flags({ mac })), new RegExp(`^${mac} is not a valid mac address$`), mac);
  assert.is(planNetworking(flags({ mac: '02-42-AC-11-00-99' })).endpoints[0].config.MacAddress, '02-42-AC-11-00-99');
});

test('cniDirsOf() has netctl defaults: CNI_CONF_DIR, /var/lib/cni, CNI_PATH or its own dir then /opt/cni/bin', () => {
  assert.equal(cniDirsOf({}, {}, '/usr/lib/berth'), {
    configDir: '/etc/cni/net.d',
    cacheDir: '/var/lib/cni',
    cniPath: ['/usr/lib/berth', '/opt/cni/bin'],
  });
  assert.equal(cniDirsOf({}, { CNI_CONF_DIR: '/c', CNI_PATH: '/a:/b' }, undefined), {
    configDir: '/c',
    cacheDir: '/var/lib/cni',
    cniPath: ['/a', '/b'],
  });
  assert.equal(cniDirsOf({ cniConfigDir: '/x', cniCacheDir: '/y', cniPath: '/z' }, { CNI_CONF_DIR: '/c' }, '/s'), {
    configDir: '/x',
    cacheDir: '/y',
    cniPath: ['/z'],
  });
});

const ID = 'c'.repeat(64);
const rec = {
  Id: ID,
  Name: 'web',
  Config: { ExposedPorts: { '80/tcp': {}, '443/tcp': {} } },
  HostConfig: { NetworkMode: 'front', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
  NetworkingConfig: { EndpointsConfig: { front: { IPAMConfig: null, Aliases: ['www'], MacAddress: '' } } },
} as unknown as ContainerRecord;
const attachments: AttachmentInfo[] = [
  {
    network: 'front',
    ifName: 'eth0',
    mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    result: {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'br0' }, { name: 'veth1' }, { name: 'eth0', mac: '02:00:00:00:00:07', sandbox: '/ns' }],
      ips: [{ address: '192.0.2.7/24', gateway: '192.0.2.1', interface: 2 }],
    },
  },
];

test('renderNetworkSettings() shows each network as Docker does; top-level fields only for bridge', () => {
  const s = renderNetworkSettings(rec, attachments, '/run/berth/netns/x');
  const front = s.Networks.front as Record<string, unknown>;
  assert.equal(
    [front.IPAddress, front.IPPrefixLen, front.Gateway, front.MacAddress, front.Aliases],
    ['192.0.2.7', 24, '192.0.2.1', '02:00:00:00:00:07', ['www', 'cccccccccccc']],
  );
  assert.match(front.NetworkID as string, /^[0-9a-f]{64}$/);
  assert.equal([s.IPAddress, s.SandboxKey], ['', '/run/berth/netns/x']);
  assert.equal(s.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': null });
  const stopped = renderNetworkSettings(rec, [], '');
  assert.equal([stopped.Ports, stopped.Networks], [{}, {}]);
  const onBridge = renderNetworkSettings(rec, [{ ...attachments[0], network: 'bridge' }], '/ns');
  assert.equal(
    [onBridge.IPAddress, onBridge.Gateway, (onBridge.Networks.bridge as { Aliases: unknown }).Aliases],
    ['192.0.2.7', '192.0.2.1', null],
  );
  assert.equal(renderNetworkSettings({ ...rec, HostConfig: { ...rec.HostConfig, NetworkMode: 'none' } }, [], '').Networks, { none: {} });
});

test('renderPsPorts() and renderPortLines() print as docker ps and docker port', () => {
  // docker 20.10's DisplayablePorts: groups (and exposed-only ports) first, then other mappings
  assert.is(renderPsPorts(rec, attachments), '443/tcp, 0.0.0.0:8080->80/tcp');
  const same = (hostPort: number, protocol: 'tcp' | 'udp' = 'tcp') => ({ hostPort, containerPort: hostPort, protocol });
  const ranged: AttachmentInfo[] = [
    {
      ...attachments[0],
      mappings: [
        same(7002),
        same(7000),
        same(7001),
        same(6000, 'udp'),
        same(7004),
        { hostPort: 9000, containerPort: 90, protocol: 'udp' as const },
      ],
    },
  ];
  const bare = { ...rec, Config: { ExposedPorts: { '80/tcp': {}, '81/tcp': {}, '53/udp': {} } } } as unknown as ContainerRecord;
  assert.is(
    renderPsPorts(bare, ranged),
    // a group cut by a gap is written at once; the others at the end, in the order their keys appeared
    '0.0.0.0:7000-7002->7000-7002/tcp, 53/udp, 80-81/tcp, 0.0.0.0:6000->6000/udp, 0.0.0.0:7004->7004/tcp, 0.0.0.0:9000->90/udp',
  );
  assert.equal(renderPortLines(rec, attachments), ['80/tcp -> 0.0.0.0:8080']);
  assert.equal(renderPortLines(rec, attachments, '80'), ['0.0.0.0:8080']);
  assert.throws(() => renderPortLines(rec, attachments, '81/udp'), /No public port '81\/udp' published for web/);
  assert.throws(
    () => renderPortLines(rec, attachments, '81', 'abc123'),
    /^No public port '81\/tcp' published for abc123$/,
    'the ref as given',
  );
});

test("portKeyOf reads docker port's PORT[/PROTO] as nat.NewPort does, with Go's errors", () => {
  assert.is(portKeyOf('80'), '80/tcp');
  assert.is(portKeyOf('53/udp'), '53/udp');
  assert.is(portKeyOf('80/abc'), '80/abc', 'any protocol is looked up');
  assert.is(portKeyOf('80-81'), '80-81/tcp');
  const fails = (arg: string, message: string) =>
    assert.throws(
      () => portKeyOf(arg),
      (err: Error) => err.message === message,
      arg,
    );
  fails('abc', 'strconv.ParseUint: parsing "abc": invalid syntax');
  fails('abc/tcp', 'strconv.ParseUint: parsing "abc": invalid syntax');
  fails('80/', 'strconv.ParseUint: parsing "80/": invalid syntax');
  fails('70000', 'strconv.ParseUint: parsing "70000": value out of range');
  fails('-1', 'strconv.ParseUint: parsing "": invalid syntax');
  fails('81-80', 'Invalid range specified for the Port: 81-80');
  fails('/udp', 'Empty string specified for ports.');
});

test.run();
