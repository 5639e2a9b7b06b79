import { test } from 'uvu';
import * as assert from 'uvu/assert';
import portmapValidate from '../../../gen/portmap.js';
import { lenientString, NETCONF_KEYS, normaliseKeys, type KeySchema } from '../../../cni/keys';
import { BRIDGE_SCHEMA, parseBridgeConf, requestedMac } from '../../../bridge/config';
import { CniError } from '../../../cni/errors';
import { HOST_LOCAL_SCHEMA, parseHostLocalConf } from '../../../ipam/config';
import { PORTMAP_SCHEMA, parsePortMappings, parsePortmapConf } from '../../../portmap/config';
import { rejection } from '../../helpers/thrown';
import type { NetConf } from '../../../cni/types';

const MAPPING: KeySchema = { properties: { hostPort: {}, containerPort: {}, protocol: {}, hostIP: {} } };

test('normaliseKeys() renames Go field names (containerd 1.6) to the schema names', () => {
  assert.equal(normaliseKeys({ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }, MAPPING), {
    hostPort: 8080,
    containerPort: 80,
    protocol: 'tcp',
    hostIP: '',
  });
});

test('normaliseKeys() keeps exact and unknown keys as they are', () => {
  assert.equal(normaliseKeys({ hostPort: 1, podName: 'x', 'K8S-thing': 2 }, MAPPING), { hostPort: 1, podName: 'x', 'K8S-thing': 2 });
});

test('normaliseKeys() lets the later of two keys that differ only in case win, as Go does', () => {
  assert.equal(normaliseKeys({ hostPort: 1, HostPort: 2 }, MAPPING), { hostPort: 2 });
  assert.equal(normaliseKeys({ HOSTPORT: 2, hostPort: 1 }, MAPPING), { hostPort: 1 });
});

test('normaliseKeys() matches an exact property before a case-insensitive one, the first property on a tie', () => {
  const schema: KeySchema = { properties: { foo: {}, Foo: {} } };
  assert.equal(normaliseKeys({ Foo: 1 }, schema), { Foo: 1 });
  assert.equal(normaliseKeys({ FOO: 1 }, schema), { foo: 1 });
});

test('normaliseKeys() folds the Kelvin sign and the long s as Go does, and nothing else beyond ASCII', () => {
  const schema: KeySchema = { properties: { kind: {}, size: {}, i: {} } };
  assert.equal(normaliseKeys({ '\u212aind': 1, '\u017fize': 2, '\u0130': 3 }, schema), { kind: 1, size: 2, '\u0130': 3 });
});

test('normaliseKeys() follows items and local $refs, and leaves the input unchanged', () => {
  const schema: KeySchema = {
    definitions: { m: MAPPING },
    properties: { runtimeConfig: { properties: { portMappings: { items: { $ref: '#/definitions/m' } } } } },
  };
  const input = { RuntimeConfig: { PortMappings: [{ HostPort: 1 }] } };
  assert.equal(normaliseKeys(input, schema), { runtimeConfig: { portMappings: [{ hostPort: 1 }] } });
  assert.equal(input, { RuntimeConfig: { PortMappings: [{ HostPort: 1 }] } });
});

test('normaliseKeys() keeps __proto__ an ordinary key, as JSON.parse does', () => {
  const out = normaliseKeys(JSON.parse('{"__proto__": {"polluted": true}, "Name": "n"}'), NETCONF_KEYS) as Record<string, unknown>;
  assert.is(out.name, 'n');
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

const portmapConf = (runtimeConfig: Record<string, unknown>, extra: object = {}): NetConf => ({
  cniVersion: '1.0.0',
  name: 'web',
  type: 'portmap',
  runtimeConfig,
  ...extra,
});

test("parsePortMappings() takes containerd 1.6's spelling of runtimeConfig.portMappings", async () => {
  const conf = await parsePortmapConf(
    portmapConf({ portMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }] }),
    PORTMAP_SCHEMA,
  );
  assert.equal(parsePortMappings(conf), [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
});

test('parsePortmapConf() matches its own keys case-insensitively too (SNAT, MarkMasqBit)', async () => {
  const conf = await parsePortmapConf(portmapConf({}, { SNAT: false, MarkMasqBit: 13 }), PORTMAP_SCHEMA);
  assert.is(conf.snat, false);
  assert.is(conf.markMasqBit, 13);
});

test('parsePortmapConf() still names the problem when a Go-spelled key has a bad value', async () => {
  const config = portmapConf({ portMappings: [{ HostPort: 'x', ContainerPort: 80 }] });
  const err = await rejection(parsePortmapConf(config, PORTMAP_SCHEMA), CniError);
  assert.is(err.code, 7);
  assert.match(err.message, /\/runtimeConfig\/portMappings\/0\/hostPort must be integer/);
});

test('parseBridgeConf() and requestedMac() take Go spellings (IsGateway, runtimeConfig Mac, args cni MAC)', async () => {
  const conf = await parseBridgeConf(
    {
      cniVersion: '1.0.0',
      name: 'n',
      type: 'bridge',
      Bridge: 'br9',
      IsGateway: true,
      IPMasq: true,
      runtimeConfig: { Mac: '02:00:00:00:00:0A' },
    } as NetConf,
    BRIDGE_SCHEMA,
  );
  assert.equal([conf.bridge, conf.isGateway, conf.ipMasq], ['br9', true, true]);
  assert.is(requestedMac(conf, new Map()), '02:00:00:00:00:0a');
  const fromArgs = await parseBridgeConf(
    { cniVersion: '1.0.0', name: 'n', type: 'bridge', args: { CNI: { MAC: '02:00:00:00:00:0b' } } } as NetConf,
    BRIDGE_SCHEMA,
  );
  assert.is(requestedMac(fromArgs, new Map()), '02:00:00:00:00:0b');
});

test('parseHostLocalConf() takes Go spellings of ipam keys, ranges, ipRanges (go-cni) and ips', async () => {
  const conf = await parseHostLocalConf(
    {
      name: 'n',
      ipam: {
        Type: 'host-local',
        Ranges: [[{ Subnet: '192.0.2.0/24', RangeStart: '192.0.2.10', Gateway: '192.0.2.1' }]],
        DataDir: '/tmp/x',
        Routes: [{ Dst: '0.0.0.0/0' }],
      },
      runtimeConfig: { IPRanges: [[{ Subnet: '198.51.100.0/24' }]], IPs: ['198.51.100.7'] },
    },
    new Map(),
    HOST_LOCAL_SCHEMA,
  );
  assert.is(conf.dataDir, '/tmp/x');
  assert.equal(conf.routes, [{ dst: '0.0.0.0/0' }]);
  assert.is(conf.rangeSets.length, 2);
  assert.is(conf.requested.length, 1);
});

test('lenientString() reads the key normaliseKeys() would give, without copying the config', () => {
  const portmap = portmapValidate.schema as KeySchema;
  const configs: [string, KeySchema, string][] = [
    ['{"firewallDir":"/a"}', portmap, '/a'],
    ['{"FirewallDir":"/a"}', portmap, '/a'],
    ['{"firewallDir":"/a","FIREWALLDIR":"/b"}', portmap, '/b'],
    ['{"FIREWALLDIR":"/b","firewallDir":"/a"}', portmap, '/a'],
    ['{"firewallDir":""}', portmap, ''],
    ['{"firewallDir":7}', portmap, ''],
    ['{"__proto__":{"firewallDir":"/p"}}', portmap, ''],
    ['{"firewalldir":"/c"}', {}, ''],
    ['{"firewallDir":"/c"}', {}, '/c'],
  ];
  for (const [text, schema, want] of configs) {
    const config = JSON.parse(text) as object;
    const viaCopy = (normaliseKeys(config, schema) as Record<string, unknown>).firewallDir;
    assert.is(lenientString(config, schema, 'firewallDir') ?? '', want, text);
    assert.is(typeof viaCopy === 'string' ? viaCopy : '', want, `${text} (normaliseKeys)`);
  }
});

test.run();
