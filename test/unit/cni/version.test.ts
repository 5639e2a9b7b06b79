import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  compareVersions,
  convertResult,
  isSupportedVersion,
  negotiateVersion,
  parseResult,
  SUPPORTED_VERSIONS,
  type CniVersion,
} from '../../../cni/version';
import { CniError } from '../../../cni/errors';
import type { Result } from '../../../cni/types';

/** The same attachment in each version's shape, every field the version knows filled in. */
const V11: Result = {
  cniVersion: '1.1.0',
  interfaces: [
    { name: 'br0', mac: '02:00:00:00:00:01', mtu: 1500 },
    { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c1', mtu: 1400, socketPath: '/run/vhost.sock', pciID: '0000:00:1f.6' },
  ],
  ips: [
    { address: '192.0.2.5/24', gateway: '192.0.2.1', interface: 1 },
    { address: '2001:db8::5/64', gateway: '2001:db8::1', interface: 1 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '192.0.2.1', mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 }, { dst: '::/0' }],
  dns: { nameservers: ['192.0.2.53'], domain: 'example.org', search: ['example.org'], options: ['ndots:2'] },
};
const V10: Result = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'br0', mac: '02:00:00:00:00:01' },
    { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c1' },
  ],
  ips: [
    { address: '192.0.2.5/24', gateway: '192.0.2.1', interface: 1 },
    { address: '2001:db8::5/64', gateway: '2001:db8::1', interface: 1 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '192.0.2.1' }, { dst: '::/0' }],
  dns: V11.dns,
};
const legacy = (v: string): Result => ({
  ...V10,
  cniVersion: v,
  ips: [
    { version: '4', address: '192.0.2.5/24', gateway: '192.0.2.1', interface: 1 },
    { version: '6', address: '2001:db8::5/64', gateway: '2001:db8::1', interface: 1 },
  ],
});

function shapeOf(v: CniVersion): Result {
  if (v === '1.1.0') return V11;
  if (v === '1.0.0') return V10;
  return legacy(v);
}

/** Converting from `from` to `to`: the 1.1.0 fields survive only when both speak 1.1.0. */
function expected(from: CniVersion, to: CniVersion): Result {
  if (to === '1.1.0' && from !== '1.1.0') return { ...V10, cniVersion: '1.1.0' };
  return shapeOf(to);
}

for (const from of SUPPORTED_VERSIONS)
  for (const to of SUPPORTED_VERSIONS)
    test(`convertResult() turns a ${from} result into the ${to} shape`, () => {
      assert.equal(convertResult(parseResult(structuredClone(shapeOf(from))), to), expected(from, to));
      assert.equal(convertResult(structuredClone(shapeOf(from)), to), expected(from, to));
    });

test('convertResult() drops 1.1.0 fields below 1.1.0 and keeps them at 1.1.0', () => {
  for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const) {
    const out = convertResult(V11, v);
    assert.equal(
      out.interfaces?.map((i) => Object.keys(i)),
      [
        ['name', 'mac'],
        ['name', 'mac', 'sandbox'],
      ],
      v,
    );
    assert.equal(
      out.routes?.map((r) => Object.keys(r)),
      [['dst', 'gw'], ['dst']],
      v,
    );
  }
  assert.equal(convertResult(V11, '1.1.0'), V11);
});

test('convertResult() adds ips[].version below 1.0.0 from the address family, drops it from 1.0.0', () => {
  const r: Result = {
    cniVersion: '1.0.0',
    ips: [{ address: '192.0.2.5/24' }, { address: '::ffff:192.0.2.5/128' }, { address: '2001:db8::1/64', version: '4' }],
  };
  assert.equal(convertResult(r, '0.3.0').ips, [
    { address: '192.0.2.5/24', version: '4' },
    { address: '::ffff:192.0.2.5/128', version: '6' },
    { address: '2001:db8::1/64', version: '6' },
  ]);
  assert.equal(convertResult(r, '1.0.0').ips, [
    { address: '192.0.2.5/24' },
    { address: '::ffff:192.0.2.5/128' },
    { address: '2001:db8::1/64' },
  ]);
});

test('convertResult() of an empty result is just the version', () => {
  for (const v of SUPPORTED_VERSIONS) assert.equal(convertResult({ cniVersion: '1.1.0' }, v), { cniVersion: v });
});

test('parseResult() keeps the cniVersion it was given and refuses what is not a result', () => {
  assert.is(parseResult({ cniVersion: '0.4.0', ips: [] }).cniVersion, '0.4.0');
  assert.is(parseResult({}).cniVersion, '1.1.0');
  const rejected: Array<[unknown, string]> = [
    [null, 'prevResult is not a CNI result object'],
    [[], 'prevResult is not a CNI result object'],
    ['x', 'prevResult is not a CNI result object'],
    [{ ips: {} }, 'prevResult.ips is not a list'],
    [{ interfaces: 1 }, 'prevResult.interfaces is not a list'],
    [{ routes: 'r' }, 'prevResult.routes is not a list'],
    [{ ips: [{}] }, 'prevResult.ips has an entry without an address'],
    [{ ips: [null] }, 'prevResult.ips has an entry without an address'],
    [{ interfaces: [null] }, 'prevResult.interfaces has an entry without a name'],
    [{ interfaces: [{ mac: 'x' }] }, 'prevResult.interfaces has an entry without a name'],
    [{ routes: [[]] }, 'prevResult.routes has an entry without a destination'],
    [{ routes: [{ gw: '192.0.2.1' }] }, 'prevResult.routes has an entry without a destination'],
    [{ dns: 'x' }, 'prevResult.dns is not an object'],
    [{ dns: [] }, 'prevResult.dns is not an object'],
  ];
  for (const [raw, msg] of rejected)
    assert.throws(
      () => parseResult(raw),
      (e: CniError) => e instanceof CniError && e.code === 7 && e.message === msg,
      msg,
    );
});

test('negotiateVersion() takes a supported cniVersion as is', () => {
  for (const v of SUPPORTED_VERSIONS) assert.is(negotiateVersion({ cniVersion: v }), v);
});

test("negotiateVersion() picks the highest supported entry of 1.1's cniVersions when cniVersion is absent", () => {
  assert.is(negotiateVersion({ cniVersions: ['0.3.1', '1.0.0', '0.4.0'] }), '1.0.0');
  assert.is(negotiateVersion({ cniVersions: ['2.0.0', '1.1.0', '0.1.0'] }), '1.1.0');
  assert.is(negotiateVersion({ cniVersion: '', cniVersions: ['0.4.0', 7] }), '0.4.0');
  assert.is(negotiateVersion({ cniVersion: '0.4.0', cniVersions: ['1.1.0'] }), '0.4.0'); // a plugin gets the runtime's choice
});

const refused: Array<[object, string]> = [
  [{ cniVersion: '0.2.0' }, '"0.2.0"'],
  [{ cniVersion: '1.2.0' }, '"1.2.0"'],
  [{ cniVersion: 'latest' }, '"latest"'],
  [{ cniVersion: 1 }, '1'],
  [{}, '"0.1.0"'],
  [{ cniVersion: '' }, '"0.1.0"'],
  [{ cniVersions: [] }, '"0.1.0"'],
  [{ cniVersions: ['9.0.0', '0.2.0'] }, '"9.0.0"'],
];
for (const [conf, shown] of refused)
  test(`negotiateVersion() refuses ${JSON.stringify(conf)} with code 1`, () => {
    try {
      negotiateVersion(conf);
      assert.unreachable();
    } catch (err) {
      assert.equal((err as CniError).toResult('1.1.0'), {
        cniVersion: '1.1.0',
        code: 1,
        msg: `incompatible CNI version ${shown}`,
        details: 'supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0',
      });
    }
  });

test('compareVersions() compares numerically, part by part', () => {
  assert.ok(compareVersions('0.10.0', '0.4.0') > 0);
  assert.ok(compareVersions('0.3.1', '0.4.0') < 0);
  assert.is(compareVersions('1.0', '1.0.0'), 0);
  assert.ok(compareVersions('1.1.0', '1.0.0') > 0);
  assert.ok(isSupportedVersion('0.3.0') && !isSupportedVersion('0.2.0') && !isSupportedVersion(undefined));
});

test.run();
