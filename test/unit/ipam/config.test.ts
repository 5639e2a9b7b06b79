import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { CniError, ErrCode } from '../../../cni/errors';
import { formatIP } from '../../../cni/ip';
import { HOST_LOCAL_SCHEMA, parseCniArgsIPs, parseHostLocalConf, parseResolvConf, type HostLocalInput } from '../../../ipam/config';
import { describeRangeSet } from '../../../ipam/range';
import { rejection, thrownBy } from '../../helpers/thrown';

const input = (ipam: object, extra: Partial<HostLocalInput> = {}): HostLocalInput => ({
  name: 'net1',
  ipam: { type: 'host-local', ...ipam },
  ...extra,
});
const parse = (i: HostLocalInput, args: Record<string, string> = {}) =>
  parseHostLocalConf(i, new Map(Object.entries(args)), HOST_LOCAL_SCHEMA);

function rejects(fn: () => unknown, code: number, message: string): void {
  const err = thrownBy(fn, CniError);
  assert.is(err.message, message);
  assert.is(err.code, code);
}

test('parseHostLocalConf() reads ranges, routes, dataDir and resolvConf', async () => {
  const c = await parse(
    input({
      ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: '2001:db8::1' }],
      dataDir: '/tmp/x',
      resolvConf: '/etc/resolv.conf',
    }),
  );
  assert.is(c.network, 'net1');
  assert.is(c.dataDir, '/tmp/x');
  assert.is(c.resolvConf, '/etc/resolv.conf');
  assert.equal(c.rangeSets.map(describeRangeSet), ['192.0.2.1-192.0.2.254', '2001:db8::1-2001:db8::ffff:ffff:ffff:fffe']);
  assert.equal(c.routes, [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: '2001:db8::1' }]);
  assert.equal(c.requested, []);
});

test('parseHostLocalConf() defaults dataDir to /var/lib/cni/networks, also for ""', async () => {
  assert.is((await parse(input({ subnet: '192.0.2.0/24' }))).dataDir, '/var/lib/cni/networks');
  assert.is((await parse(input({ subnet: '192.0.2.0/24', dataDir: '' }))).dataDir, '/var/lib/cni/networks');
});

test('parseHostLocalConf() ignores rangeStart, rangeEnd and gateway without a top-level subnet, as the reference', async () => {
  const c = await parse(input({ rangeStart: '192.0.2.5', gateway: '192.0.2.9', ranges: [[{ subnet: '198.51.100.0/24' }]] }));
  assert.equal(c.rangeSets.map(describeRangeSet), ['198.51.100.1-198.51.100.254']);
});

test('parseHostLocalConf() prepends the legacy range, and runtimeConfig.ipRanges before both', async () => {
  const c = await parse(
    input(
      { subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', ranges: [[{ subnet: '2001:db8::/64' }]] },
      {
        runtimeConfig: { ipRanges: [[{ subnet: '198.51.100.0/24' }]] },
      },
    ),
  );
  assert.equal(c.rangeSets.map(describeRangeSet), [
    '198.51.100.1-198.51.100.254',
    '192.0.2.10-192.0.2.254',
    '2001:db8::1-2001:db8::ffff:ffff:ffff:fffe',
  ]);
});

test('parseHostLocalConf() collects requested addresses; args.cni.ips beats CNI_ARGS IP=', async () => {
  const ips = (c: Awaited<ReturnType<typeof parse>>) => c.requested.map((r) => formatIP(r));
  assert.equal(ips(await parse(input({ subnet: '192.0.2.0/24' }), { IP: '192.0.2.9' })), ['192.0.2.9']);
  assert.equal(ips(await parse(input({ subnet: '192.0.2.0/24' }, { args: { cni: { ips: ['192.0.2.7'] } } }), { IP: '192.0.2.9' })), [
    '192.0.2.7',
  ]);
  assert.equal(
    ips(
      await parse(
        input(
          { ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]] },
          { runtimeConfig: { ips: ['2001:db8::5/64', '192.0.2.7'] }, args: { cni: { ips: ['192.0.2.7'] } } },
        ),
      ),
    ),
    ['2001:db8::5', '192.0.2.7'],
  );
  assert.equal(
    ips(await parse(input({ subnet: '192.0.2.0/24' }), { IP: '192.0.2.9,2001:db8::9', IgnoreUnknown: '1', K8S_POD_NAME: 'p' })),
    ['192.0.2.9', '2001:db8::9'],
  );
  assert.equal(ips(await parse(input({ subnet: '192.0.2.0/24' }), { IP: '::ffff:192.0.2.9' })), ['192.0.2.9']);
});

const rejected: Array<[string, HostLocalInput, Record<string, string>, number, string]> = [
  ['no ipam', { name: 'n' }, {}, 7, 'invalid host-local configuration: the network configuration has no "ipam" key'],
  ['no ranges', input({}), {}, 7, 'invalid host-local configuration: no IP ranges: set "ranges" or "subnet"'],
  [
    'host bits',
    input({ subnet: '192.0.2.1/24' }),
    {},
    7,
    'invalid host-local configuration: range set 0: subnet "192.0.2.1/24" has host bits set: network address is 192.0.2.0',
  ],
  [
    'a /31',
    input({ subnet: '192.0.2.0/31' }),
    {},
    7,
    'invalid host-local configuration: range set 0: subnet "192.0.2.0/31" is too small to allocate from',
  ],
  [
    'a /128',
    input({ ranges: [[{ subnet: '2001:db8::/128' }]] }),
    {},
    7,
    'invalid host-local configuration: range set 0: subnet "2001:db8::/128" is too small to allocate from',
  ],
  [
    'invalid CIDR',
    input({ subnet: '192.0.2.0/24x' }),
    {},
    7,
    'invalid host-local configuration: range set 0: subnet "192.0.2.0/24x" is not a CIDR (address/prefix length)',
  ],
  [
    'range outside subnet',
    input({ subnet: '192.0.2.0/24', rangeEnd: '198.51.100.9' }),
    {},
    7,
    'invalid host-local configuration: range set 0: rangeEnd "198.51.100.9" is not in subnet "192.0.2.0/24"',
  ],
  [
    'overlapping sets',
    input({ ranges: [[{ subnet: '192.0.2.0/24' }], [{ subnet: '192.0.2.0/24', rangeStart: '192.0.2.200' }]] }),
    {},
    7,
    'invalid host-local configuration: range sets 0 and 1 overlap: 192.0.2.1-192.0.2.254 and 192.0.2.200-192.0.2.254',
  ],
  [
    'range without subnet',
    input({ ranges: [[{ rangeStart: '192.0.2.5' }]] }),
    {},
    7,
    "invalid host-local configuration: /ipam/ranges/0/0 must have required property 'subnet'",
  ],
  ['subnet not a string', input({ subnet: 24 }), {}, 7, 'invalid host-local configuration: /ipam/subnet must be string'],
  [
    'bad route',
    input({ subnet: '192.0.2.0/24', routes: [{ dst: '0.0.0.0' }] }),
    {},
    7,
    'invalid host-local configuration: route dst "0.0.0.0" is not a CIDR',
  ],
  [
    'bad route gw',
    input({ subnet: '192.0.2.0/24', routes: [{ dst: '0.0.0.0/0', gw: 'x' }] }),
    {},
    7,
    'invalid host-local configuration: route gw "x" is not an IP address',
  ],
  [
    'bad args.cni.ips',
    input({ subnet: '192.0.2.0/24' }, { args: { cni: { ips: ['192.0.2'] } } }),
    {},
    7,
    'invalid host-local configuration: args.cni.ips: "192.0.2" is not an IP address',
  ],
  [
    'bad runtimeConfig.ips',
    input({ subnet: '192.0.2.0/24' }, { runtimeConfig: { ips: ['x'] } }),
    {},
    7,
    'invalid host-local configuration: runtimeConfig.ips: "x" is not an IP address',
  ],
  ['bad CNI_ARGS IP', input({ subnet: '192.0.2.0/24' }), { IP: '192.0.2.300' }, 4, 'invalid CNI_ARGS IP "192.0.2.300": not an IP address'],
  ['unknown CNI_ARGS key', input({ subnet: '192.0.2.0/24' }), { K8S_POD_NAME: 'p' }, 4, 'invalid CNI_ARGS: unknown key "K8S_POD_NAME"'],
];
for (const [what, i, args, code, message] of rejected)
  test(`parseHostLocalConf() rejects ${what} with code ${code}`, async () => {
    const err = await rejection(parse(i, args), CniError);
    assert.is(err.message, message);
    assert.is(err.code, code);
  });

test('parseCniArgsIPs() takes IgnoreUnknown=true in any case, and knows MAC=', () => {
  assert.equal(
    parseCniArgsIPs(
      new Map([
        ['IgnoreUnknown', 'TRUE'],
        ['FOO', 'x'],
      ]),
    ),
    [],
  );
  assert.equal(parseCniArgsIPs(new Map([['MAC', '02:00:00:00:00:01']])), []);
  rejects(
    () =>
      parseCniArgsIPs(
        new Map([
          ['IgnoreUnknown', '0'],
          ['FOO', 'x'],
        ]),
      ),
    ErrCode.InvalidEnvironment,
    'invalid CNI_ARGS: unknown key "FOO"',
  );
});

test('parseResolvConf() reads nameservers, domain, search and options, skipping comments', () => {
  const text = [
    '# generated',
    '; also a comment',
    'nameserver 192.0.2.53',
    'nameserver   2001:db8::53 ',
    '',
    'domain example.com',
    'search example.com example.net',
    'search example.org',
    'options ndots:5 edns0',
    'options rotate',
    'nameserver',
    'sortlist 192.0.2.0/24',
  ].join('\n');
  assert.equal(parseResolvConf(text), {
    nameservers: ['192.0.2.53', '2001:db8::53'],
    domain: 'example.com',
    search: ['example.com', 'example.net', 'example.org'],
    options: ['ndots:5', 'edns0', 'rotate'],
  });
  assert.equal(parseResolvConf('\t\n'), {});
});

test('pure ipam modules import neither kernel/ nor node:fs nor node:child_process', async () => {
  for (const file of ['ipam/range.ts', 'ipam/allocator.ts', 'ipam/config.ts', 'ipam/store.ts'])
    assert.not.match(await readFile(file, 'utf8'), /kernel\/|node:fs|node:child_process/, file);
});

test.run();
