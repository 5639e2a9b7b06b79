import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetctlError, UsageError } from '../../../network/errors';
import {
  assignHostPorts,
  describeMapping,
  mappingsOf,
  parsePortRange,
  parsePortSpec,
  usedBySockets,
  type UsedPort,
} from '../../../network/ports';

const parsed: Array<[string, ReturnType<typeof parsePortSpec>]> = [
  ['80', { containerPort: 80, protocol: 'tcp' }],
  ['80/udp', { containerPort: 80, protocol: 'udp' }],
  ['8080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  ['8080:80/SCTP', { hostPort: 8080, containerPort: 80, protocol: 'sctp' }],
  ['127.0.0.1:8080:80', { hostIP: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  ['127.0.0.1::80/udp', { hostIP: '127.0.0.1', containerPort: 80, protocol: 'udp' }],
  ['0.0.0.0:8080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  ['[::1]:8080:80', { hostIP: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  ['[2001:DB8::1]::53/udp', { hostIP: '2001:db8::1', containerPort: 53, protocol: 'udp' }],
  // As Docker: host port 0 is any free port, an empty host address every address.
  ['0:80', { containerPort: 80, protocol: 'tcp' }],
  ['::80', { containerPort: 80, protocol: 'tcp' }],
  ['8082-8083:80', { hostPort: 8082, hostPortEnd: 8083, containerPort: 80, protocol: 'tcp' }],
  [':0:80/udp', { containerPort: 80, protocol: 'udp' }],
  ['000:80', { containerPort: 80, protocol: 'tcp' }],
  ['08080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  ['8082-8082:80', { hostPort: 8082, containerPort: 80, protocol: 'tcp' }],
];
for (const [spec, want] of parsed) test(`parsePortSpec() reads ${spec}`, () => assert.equal(parsePortSpec(spec), want));

const rejected: Array<[string, string]> = [
  ['', 'invalid port "": must be [[HOSTIP:]HOSTPORT:]CONTAINERPORT[/PROTOCOL]'],
  ['http', 'invalid port "http": container port "http" is not a number'],
  ['0', 'invalid port "0": container port 0 is outside 1-65535'],
  ['65536', 'invalid port "65536": container port 65536 is outside 1-65535'],
  ['70000:80', 'invalid port "70000:80": host port 70000 is outside 1-65535'],
  ['123456:80', 'invalid port "123456:80": host port "123456" is not a number'],
  ['8080:8x', 'invalid port "8080:8x": container port "8x" is not a number'],
  ['1-2-3:80', 'invalid port "1-2-3:80": host port "1-2-3" is not a number'],
  ['-3:80', 'invalid port "-3:80": host port "-3" is not a number'],
  ['3-:80', 'invalid port "3-:80": host port "3-" is not a number'],
  ['80/icmp', 'invalid port "80/icmp": protocol "icmp" is not tcp, udp or sctp'],
  [':80', 'invalid port ":80": must be [[HOSTIP:]HOSTPORT:]CONTAINERPORT[/PROTOCOL]'],
  ['1:2:3:4', 'invalid port "1:2:3:4": must be [[HOSTIP:]HOSTPORT:]CONTAINERPORT[/PROTOCOL]'],
  ['host:8080:80', 'invalid port "host:8080:80": host address "host" is not an IP address'],
  ['[::1:8080:80', 'invalid port "[::1:8080:80": unterminated "[" around the host address'],
];
for (const [spec, message] of rejected)
  test(`parsePortSpec() rejects ${JSON.stringify(spec)}`, () => {
    try {
      parsePortSpec(spec);
    } catch (err) {
      assert.instance(err, UsageError);
      assert.is((err as Error).message, message);
      return;
    }
    assert.unreachable('accepted');
  });

const used: UsedPort[] = [
  { protocol: 'tcp', port: 32768, owner: 'container "a" on network "web"' },
  { protocol: 'tcp', port: 32769, hostIP: '127.0.0.1', owner: 'a listening tcp socket on the host' },
];

test('assignHostPorts() gives each port without a host port the lowest free one of its protocol, as docker counts up', () => {
  const out = assignHostPorts([parsePortSpec('80'), parsePortSpec('443'), parsePortSpec('53/udp')], used, [32768, 32800]);
  assert.equal(out, [
    { hostPort: 32770, containerPort: 80, protocol: 'tcp' },
    { hostPort: 32771, containerPort: 443, protocol: 'tcp' },
    { hostPort: 32768, containerPort: 53, protocol: 'udp' },
  ]);
});

test('assignHostPorts() takes the first free port of a host range, whatever the ephemeral range', () => {
  const out = assignHostPorts([parsePortSpec('32767-32770:80'), parsePortSpec('32767-32770:81')], used, [40000, 40010]);
  assert.equal(
    out.map((m) => m.hostPort),
    [32767, 32770],
  );
  assert.throws(
    () => assignHostPorts([parsePortSpec('32768-32769:80')], used, [40000, 40010]),
    /^no free host port for 80\/tcp in 32768-32769$/,
  );
});

test('assignHostPorts() wraps around from its start and skips explicit ports of the same request', () => {
  const out = assignHostPorts([parsePortSpec('32772:1'), parsePortSpec('80'), parsePortSpec('81')], used, [32768, 32772], 32771);
  assert.equal(
    out.map((m) => m.hostPort),
    [32772, 32771, 32770],
  );
});

test('assignHostPorts() lets another host address take a port bound only to 127.0.0.1', () => {
  const out = assignHostPorts([parsePortSpec('192.0.2.1:32769:80')], used, [1, 65535]);
  assert.equal(out, [{ hostPort: 32769, containerPort: 80, protocol: 'tcp', hostIP: '192.0.2.1' }]);
});

test('assignHostPorts() refuses an explicit host port in use, naming its owner', () => {
  try {
    assignHostPorts([parsePortSpec('32768:80')], used, [1, 65535]);
    assert.unreachable('accepted');
  } catch (err) {
    assert.not.instance(err, UsageError);
    assert.instance(err, NetctlError);
    assert.is((err as Error).message, 'host port 32768/tcp is already in use by container "a" on network "web"');
  }
});

test('assignHostPorts() refuses the same host port twice in one request', () => {
  assert.throws(
    () => assignHostPorts([parsePortSpec('8080:80'), parsePortSpec('8080:81')], [], [1, 65535]),
    /^invalid ports: host port 8080\/tcp is published twice$/,
  );
});

test('assignHostPorts() fails cleanly when the range is full', () => {
  assert.throws(() => assignHostPorts([parsePortSpec('80')], used, [32768, 32768]), /^no free host port for 80\/tcp in 32768-32768$/);
});

test('usedBySockets() turns bound sockets into used host ports: an any-address holds every address, port 0 none', () => {
  const v6 = (text: number[]) => Uint8Array.from(text);
  assert.equal(
    usedBySockets([
      { protocol: 'tcp', family: 4, port: 8080, address: v6([127, 0, 0, 1, ...Array(12).fill(0)]) },
      { protocol: 'tcp', family: 4, port: 80, address: v6(Array(16).fill(0)) },
      { protocol: 'udp', family: 6, port: 53, address: v6([...Array(15).fill(0), 1]) },
      { protocol: 'udp', family: 6, port: 0, address: v6(Array(16).fill(0)) },
    ]),
    [
      { protocol: 'tcp', port: 8080, hostIP: '127.0.0.1', owner: 'a listening tcp socket on the host' },
      { protocol: 'tcp', port: 80, owner: 'a listening tcp socket on the host' },
      { protocol: 'udp', port: 53, hostIP: '::1', owner: 'a listening udp socket on the host' },
    ],
  );
});

test("parsePortRange() reads ip_local_port_range, Linux's default otherwise", () => {
  assert.equal(parsePortRange('1024\t2048\n'), [1024, 2048]);
  assert.equal(parsePortRange('junk'), [32768, 60999]);
  assert.equal(parsePortRange(undefined), [32768, 60999]);
});

test('describeMapping() prints as docker port does', () => {
  assert.is(describeMapping({ hostPort: 32768, containerPort: 80, protocol: 'tcp' }), '80/tcp -> 0.0.0.0:32768');
  assert.is(describeMapping({ hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '::1' }), '53/udp -> [::1]:53');
});

test("mappingsOf() reads cached capability args, tolerating other tools' shapes", () => {
  assert.equal(mappingsOf({ portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'UDP', hostIP: '' }, { hostPort: 'x' }, null] }), [
    { hostPort: 1, containerPort: 2, protocol: 'udp' },
  ]);
  assert.equal(mappingsOf(undefined), []);
});

test.run();
