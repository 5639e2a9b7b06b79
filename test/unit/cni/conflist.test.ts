import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildGcConfig,
  buildPluginConfig,
  buildStatusConfig,
  parseConfList,
  selectListVersion,
  selectRuntimeConfig,
  validateRuntimeConf,
} from '../../../cni/conflist';
import { CniError } from '../../../cni/errors';
import { isSupportedVersion } from '../../../cni/version';
import { Gen, prng } from '../../helpers/prng';

function codeOf(fn: () => unknown): { code: number; msg: string } {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CniError);
    return { code: (err as CniError).code, msg: (err as CniError).message };
  }
  throw new Error('expected a CniError');
}

const LIST = JSON.stringify({
  cniVersion: '1.0.0',
  name: 'web',
  plugins: [
    { type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true, ips: false } },
  ],
});

test('parseConfList() reads name, version, flags and plugins, keeping the text', () => {
  const list = parseConfList(LIST);
  assert.equal(
    { ...list, bytes: undefined },
    {
      name: 'web',
      cniVersion: '1.0.0',
      disableCheck: false,
      disableGC: false,
      bytes: undefined,
      plugins: [
        { type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } },
        { type: 'portmap', capabilities: { portMappings: true, ips: false } },
      ],
    },
  );
  assert.is(list.bytes, LIST);
});

test('parseConfList() reads disableCheck and disableGC as booleans or "true"/"false" text', () => {
  const list = parseConfList(
    JSON.stringify({ cniVersion: '1.1.0', name: 'n', disableCheck: 'True', disableGC: true, plugins: [{ type: 'x' }] }),
  );
  assert.is(list.disableCheck, true);
  assert.is(list.disableGC, true);
  assert.equal(
    codeOf(() => parseConfList(JSON.stringify({ cniVersion: '1.1.0', name: 'n', disableGC: 'yes', plugins: [{ type: 'x' }] }))),
    { code: 7, msg: 'invalid network configuration list: "disableGC" must be a boolean, got "yes"' },
  );
});

test('parseConfList() turns a single-plugin .conf into a list of one', () => {
  const list = parseConfList(JSON.stringify({ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }));
  assert.equal(list.plugins, [{ cniVersion: '0.4.0', name: 'lo', type: 'loopback' }]);
});

const rejected: Array<[string, string, number, string]> = [
  ['not JSON', '{', 6, 'cannot decode network configuration list: not valid JSON'],
  ['an array', '[]', 6, 'cannot decode network configuration list: not a JSON object'],
  ['no name', '{"cniVersion":"1.0.0","plugins":[{"type":"x"}]}', 7, 'invalid network configuration list: "name" is required'],
  [
    'a name with a slash',
    '{"cniVersion":"1.0.0","name":"a/b","plugins":[{"type":"x"}]}',
    7,
    'invalid network name "a/b": must match ^[A-Za-z0-9][A-Za-z0-9_.\\-]*$',
  ],
  ['no plugins', '{"cniVersion":"1.0.0","name":"n"}', 7, 'invalid network configuration list: "plugins" must be a list'],
  ['empty plugins', '{"cniVersion":"1.0.0","name":"n","plugins":[]}', 7, 'invalid network configuration list: "plugins" is empty'],
  [
    'a plugin without type',
    '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"x"},{}]}',
    7,
    'invalid network configuration list: plugins[1] has no "type"',
  ],
  [
    'a plugin type with a slash',
    '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../x"}]}',
    7,
    'invalid network configuration list: plugins[0] has an invalid type "../x"',
  ],
  [
    'a plugin that is not an object',
    '{"cniVersion":"1.0.0","name":"n","plugins":[3]}',
    7,
    'invalid network configuration list: plugins[0] is not an object',
  ],
  [
    'bad capabilities',
    '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"x","capabilities":{"ips":"yes"}}]}',
    7,
    'invalid network configuration list: plugins[0].capabilities must map names to booleans',
  ],
  [
    'an unsupported version',
    '{"cniVersion":"0.2.0","name":"n","plugins":[{"type":"x"}]}',
    1,
    'incompatible CNI version "0.2.0" in network configuration list',
  ],
  ['no version', '{"name":"n","plugins":[{"type":"x"}]}', 1, 'incompatible CNI version "0.1.0" in network configuration list'],
  [
    'a version that is not a string',
    '{"cniVersion":1,"name":"n","plugins":[{"type":"x"}]}',
    7,
    'invalid network configuration list: "cniVersion" must be a string',
  ],
  [
    'cniVersions not a list',
    '{"cniVersions":"1.1.0","name":"n","plugins":[{"type":"x"}]}',
    7,
    'invalid network configuration list: "cniVersions" must be a list of strings',
  ],
];
for (const [what, text, code, msg] of rejected)
  test(`parseConfList() rejects ${what} with code ${code}`, () =>
    assert.equal(
      codeOf(() => parseConfList(text)),
      { code, msg },
    ));

test('selectListVersion() picks the highest supported of cniVersion and cniVersions', () => {
  assert.is(selectListVersion({ cniVersions: ['0.4.0', '1.1.0', '2.0.0'] }), '1.1.0');
  assert.is(selectListVersion({ cniVersions: ['9.9.9', '0.3.1'] }), '0.3.1');
  assert.is(selectListVersion({ cniVersion: '1.0.0', cniVersions: ['0.4.0'] }), '1.0.0');
  assert.is(selectListVersion({ cniVersion: '0.4.0', cniVersions: ['1.1.0'] }), '1.1.0');
  assert.is(selectListVersion({ cniVersion: '', cniVersions: ['1.0.0'] }), '1.0.0');
  assert.equal(
    codeOf(() => selectListVersion({ cniVersions: ['2.0.0', '0.2.0'] })),
    { code: 1, msg: 'incompatible CNI version "2.0.0, 0.2.0" in network configuration list' },
  );
  assert.equal(codeOf(() => selectListVersion({ cniVersions: [] })).code, 1);
});

test('selectRuntimeConfig() takes the capability args that the plugin enables, nothing else', () => {
  const args = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], ips: ['192.0.2.9/24'], mac: '02:00:00:00:00:01' };
  assert.equal(selectRuntimeConfig({ type: 'portmap', capabilities: { portMappings: true, ips: false, bandwidth: true } }, args), {
    portMappings: args.portMappings,
  });
  assert.is(selectRuntimeConfig({ type: 'bridge' }, args), undefined);
  assert.is(selectRuntimeConfig({ type: 'bridge', capabilities: { dns: true } }, args), undefined);
  assert.is(selectRuntimeConfig({ type: 'bridge', capabilities: { mac: true } }), undefined);
});

test('buildPluginConfig() injects the list name and version, runtimeConfig and prevResult', () => {
  const list = parseConfList(
    JSON.stringify({
      cniVersion: '0.4.0',
      name: 'web',
      plugins: [
        {
          type: 'portmap',
          name: 'ignored',
          cniVersion: '1.1.0',
          capabilities: { portMappings: true },
          runtimeConfig: { stale: 1 },
          prevResult: { stale: 1 },
          snat: true,
        },
      ],
    }),
  );
  const prev = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'eth0', mtu: 1400 }],
    ips: [{ address: '192.0.2.5/24', interface: 0 }, { address: '2001:db8::5/64' }],
  };
  const mappings = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
  assert.equal(buildPluginConfig(list, list.plugins[0], { capabilityArgs: { portMappings: mappings, ips: [] } }, prev), {
    type: 'portmap',
    name: 'web',
    cniVersion: '0.4.0',
    capabilities: { portMappings: true },
    snat: true,
    runtimeConfig: { portMappings: mappings },
    prevResult: {
      cniVersion: '0.4.0',
      interfaces: [{ name: 'eth0' }],
      ips: [
        { address: '192.0.2.5/24', interface: 0, version: '4' },
        { address: '2001:db8::5/64', version: '6' },
      ],
    },
  });
});

test('buildPluginConfig() keeps a runtimeConfig of the file when the runtime has nothing for it, drops a prevResult of the file', () => {
  const list = parseConfList(
    JSON.stringify({ cniVersion: '1.0.0', name: 'web', plugins: [{ type: 'x', runtimeConfig: { a: 1 }, prevResult: { ips: [] } }] }),
  );
  assert.equal(buildPluginConfig(list, list.plugins[0], {}), { type: 'x', name: 'web', cniVersion: '1.0.0', runtimeConfig: { a: 1 } });
});

test('buildGcConfig() sends the valid attachments under both keys libcni uses', () => {
  const list = parseConfList(
    JSON.stringify({ cniVersion: '1.1.0', name: 'web', plugins: [{ type: 'host-local', capabilities: { ips: true } }] }),
  );
  const valid = [{ containerID: 'c1', ifname: 'eth0' }];
  assert.equal(buildGcConfig(list, list.plugins[0], valid), {
    type: 'host-local',
    capabilities: { ips: true },
    name: 'web',
    cniVersion: '1.1.0',
    'cni.dev/valid-attachments': valid,
    'cni.dev/attachments': valid,
  });
  assert.equal(buildStatusConfig(list, list.plugins[0]), {
    type: 'host-local',
    capabilities: { ips: true },
    name: 'web',
    cniVersion: '1.1.0',
  });
});

test('validateRuntimeConf() names the bad container id, interface, netns or CNI_ARGS key with code 4', () => {
  const ok = { containerId: 'c1', netns: '/run/netns/x', ifName: 'eth0' };
  validateRuntimeConf(ok, true);
  validateRuntimeConf({ ...ok, netns: '' }, false);
  assert.equal(
    codeOf(() => validateRuntimeConf({ ...ok, containerId: '-c' }, true)),
    { code: 4, msg: 'invalid container id "-c": must match ^[A-Za-z0-9][A-Za-z0-9_.\\-]*$' },
  );
  assert.equal(
    codeOf(() => validateRuntimeConf({ ...ok, ifName: 'a/b' }, true)),
    { code: 4, msg: 'invalid interface name "a/b": contains "/", ":" or whitespace' },
  );
  assert.equal(
    codeOf(() => validateRuntimeConf({ ...ok, netns: '' }, true)),
    { code: 4, msg: 'invalid runtime configuration: netns is required' },
  );
  assert.equal(codeOf(() => validateRuntimeConf({ ...ok, args: [['A=B', '1']] }, true)).code, 4);
  assert.equal(codeOf(() => validateRuntimeConf({ ...ok, args: [['A', '1;B=2']] }, true)).code, 4);
});

test('parseConfList() on 3000 random lists either parses or throws a CniError with code 1, 6 or 7; built configs keep name and version', () => {
  const g = new Gen(prng(7));
  for (let i = 0; i < 3000; i++) {
    const raw: Record<string, unknown> = {
      cniVersion: '1.0.0',
      name: 'web',
      plugins: [{ type: 'bridge', capabilities: { ips: true } }, { type: 'portmap' }],
    };
    for (let k = g.int(4); k > 0; k--) {
      const key = g.pick(['cniVersion', 'cniVersions', 'name', 'plugins', 'disableCheck', 'disableGC', 'type', g.string(4)]);
      if (g.chance(0.3)) delete raw[key];
      else
        raw[key] =
          key === 'plugins' && g.chance(0.6)
            ? Array.from({ length: g.int(3) }, () => (g.chance(0.6) ? { type: g.string(6), capabilities: g.value() } : g.value()))
            : g.value();
    }
    let text = JSON.stringify(raw);
    if (g.chance(0.1)) text = text.slice(0, g.int(text.length));
    let list;
    try {
      list = parseConfList(text);
    } catch (err) {
      assert.instance(err, CniError, text);
      assert.ok([1, 6, 7].includes((err as CniError).code), `${text}: code ${(err as CniError).code}`);
      assert.ok((err as CniError).message !== '', text);
      continue;
    }
    assert.ok(isSupportedVersion(list.cniVersion) && list.plugins.length > 0, text);
    for (const plugin of list.plugins) {
      const conf = buildPluginConfig(list, plugin, { capabilityArgs: { ips: ['192.0.2.9/24'] } });
      assert.equal([conf.name, conf.cniVersion, conf.type], [list.name, list.cniVersion, plugin.type], text);
    }
  }
});

test.run();
