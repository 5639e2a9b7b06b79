/**
 * Inputs the reference plugins take (containernetworking/plugins, cni pkg/skel) and Berth must take
 * too, and hostile input answered with a CNI error: each built plugin through the exec protocol.
 * No root needed: nothing here reaches the kernel's network state.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, runPlugin, withTempDir } from '../../helpers/sandbox';

const compat = suite('reference-compatible input and hostile input');
const ENV = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/berth-compat-never', CNI_IFNAME: 'eth0', CNI_PATH: BIN_DIR };
const PLUGINS = ['loopback', 'bridge', 'host-local', 'portmap', 'dnsname'];
const leases = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^\d/.test(f))
        .sort()
    : [];

compat('host-local called directly without a top-level "type": ADD, CHECK, GC, STATUS and DEL as the reference', () =>
  withTempDir(async (dir) => {
    // What a script or runtime that calls the IPAM plugin itself sends: the reference reads only
    // name, cniVersion, ipam, args and runtimeConfig.
    const conf = { cniVersion: '1.1.0', name: 'n1', ipam: { type: 'host-local', subnet: '192.0.2.0/24', dataDir: dir } };
    const add = await runPlugin('host-local', { ...ENV, CNI_COMMAND: 'ADD' }, conf);
    assert.is(add.code, 0, add.stdout);
    assert.equal(add.json.ips, [{ address: '192.0.2.2/24', gateway: '192.0.2.1' }]);
    assert.equal(leases(join(dir, 'n1')), ['192.0.2.2']);
    const check = await runPlugin('host-local', { ...ENV, CNI_COMMAND: 'CHECK' }, { ...conf, prevResult: add.json });
    assert.is(check.code, 0, check.stdout);
    const status = await runPlugin('host-local', { CNI_COMMAND: 'STATUS' }, conf);
    assert.is(status.code, 0, status.stdout);
    const gc = await runPlugin(
      'host-local',
      { CNI_COMMAND: 'GC', CNI_PATH: BIN_DIR },
      { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] },
    );
    assert.is(gc.code, 0, gc.stdout);
    assert.equal(leases(join(dir, 'n1')), ['192.0.2.2']);
    const del = await runPlugin('host-local', { ...ENV, CNI_COMMAND: 'DEL' }, { cniVersion: '1.0.0', name: 'n1', ipam: conf.ipam });
    assert.is(del.code, 0, del.stdout);
    assert.equal(leases(join(dir, 'n1')), []);
  }),
);

compat('host-local refuses a malformed CNI_ARGS pair with code 4, as the reference does', () =>
  withTempDir(async (dir) => {
    const conf = { cniVersion: '1.0.0', name: 'n1', ipam: { type: 'host-local', subnet: '192.0.2.0/24', dataDir: dir } };
    const bad = await runPlugin('host-local', { ...ENV, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME' }, conf);
    assert.equal(bad.json, { cniVersion: '1.0.0', code: 4, msg: 'invalid CNI_ARGS pair "K8S_POD_NAME": expected KEY=VALUE' });
    assert.equal(leases(join(dir, 'n1')), []);
  }),
);

compat('loopback and portmap ignore a malformed CNI_ARGS (the reference never reads it there)', async () => {
  const del = await runPlugin(
    'loopback',
    { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'lo', CNI_ARGS: 'K8S_POD_NAME' },
    { cniVersion: '1.0.0', name: 'lo' },
  );
  assert.is(del.code, 0, del.stdout);
  const status = await runPlugin('portmap', { CNI_COMMAND: 'STATUS', CNI_ARGS: 'novalue' }, { cniVersion: '1.1.0', name: 'pm' });
  assert.is(status.code, 0, status.stdout);
});

compat('bridge and portmap take a config without "type", and bridge reads "mtu": 0 as unset', async () => {
  for (const plugin of ['bridge', 'portmap']) {
    const r = await runPlugin(plugin, { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0', name: 'n1' });
    assert.is(r.code, 0, `${plugin}: ${r.stdout}`);
  }
  const mtu0 = await runPlugin('bridge', { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0', name: 'n1', type: 'bridge', mtu: 0 });
  assert.is(mtu0.code, 0, mtu0.stdout);
  const mtu10 = await runPlugin('bridge', { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0', name: 'n1', type: 'bridge', mtu: 10 });
  assert.is(mtu10.json.code, 7);
});

for (const plugin of PLUGINS) {
  compat(`${plugin}: VERSION ignores what stdin holds, as the reference`, async () => {
    for (const stdin of ['not json', '[1]', '{"cniVersion": 5}']) {
      const r = await runPlugin(plugin, { CNI_COMMAND: 'VERSION' }, stdin);
      assert.is(r.code, 0, r.stdout);
      assert.is(r.json.cniVersion, '1.1.0');
    }
  });

  compat(`${plugin}: a 100,000-deep nested array is code 6, VERSION still answers`, async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = await runPlugin(plugin, { ...ENV, CNI_COMMAND: 'ADD' }, deep);
    assert.is(r.code, 1, r.stdout);
    assert.equal(r.json, {
      cniVersion: '1.1.0',
      code: 6,
      msg: 'cannot decode the network configuration on stdin: nested deeper than 512 levels',
    });
    const inKey = await runPlugin(plugin, { CNI_COMMAND: 'STATUS' }, `{"cniVersion":"1.1.0","name":"n1","args":{"x":${deep}}}`);
    assert.is(inKey.json.code, 6, inKey.stdout);
    const version = await runPlugin(plugin, { CNI_COMMAND: 'VERSION' }, deep);
    assert.is(version.code, 0, version.stdout);
  });
}

compat('a config nested up to the limit is decoded (bridge and portmap STATUS)', async () => {
  const nested = '['.repeat(510) + ']'.repeat(510); // the config object and "args" make 512 levels
  for (const plugin of ['bridge', 'portmap']) {
    const r = await runPlugin(plugin, { CNI_COMMAND: 'STATUS' }, `{"cniVersion":"1.1.0","name":"n1","args":{"x":${nested}}}`);
    assert.is(r.code, 0, `${plugin}: ${r.stdout}`);
  }
});

for (const type of ['bridge', 'portmap', 'loopback'])
  compat(`bridge refuses "ipam": {"type": ${JSON.stringify(type)}} with code 7 before any change`, async () => {
    const r = await runPlugin(
      'bridge',
      { ...ENV, CNI_COMMAND: 'ADD' },
      { cniVersion: '1.0.0', name: 'n1', type: 'bridge', ipam: { type } },
    );
    assert.equal(r.json, {
      cniVersion: '1.0.0',
      code: 7,
      msg: `invalid bridge configuration: "ipam.type" ${JSON.stringify(type)} is not an IPAM plugin`,
      details: 'use an IPAM plugin such as "host-local"',
    });
  });

compat('bridge stops a delegation loop through another plugin at 4 levels with code 7', () =>
  withTempDir(async (dir) => {
    // An IPAM plugin that hands the call back to bridge (as a misconfigured chain of delegating
    // plugins would); it counts its calls in a file and gives up at 20, so an unbounded loop ends too.
    const counter = join(dir, 'calls');
    writeFileSync(counter, '');
    writeFileSync(
      join(dir, 'loop-ipam'),
      `#!/bin/sh\necho x >> ${counter}\n[ $(wc -l < ${counter}) -ge 20 ] && { echo '{"code":999,"msg":"unbounded"}'; exit 1; }\nexec ${join(BIN_DIR, 'bridge')}\n`,
    );
    chmodSync(join(dir, 'loop-ipam'), 0o755);
    const conf = { cniVersion: '1.1.0', name: 'n1', type: 'bridge', ipam: { type: 'loop-ipam' } };
    const r = await runPlugin('bridge', { CNI_COMMAND: 'STATUS', CNI_PATH: dir }, conf);
    assert.equal(r.json, {
      cniVersion: '1.1.0',
      code: 7,
      msg: 'cannot delegate to IPAM plugin "loop-ipam": 4 plugins deep already (limit 4); does "ipam.type" lead back to this plugin?',
    });
    assert.is(readFileSync(counter, 'utf8').split('\n').filter(Boolean).length, 4);
  }),
);

compat.run();
