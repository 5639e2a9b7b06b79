/**
 * Checklist section 1, black-box: every built plugin is exec'd through the CNI protocol only
 * (env + stdin → stdout + exit code), with a clean environment. No root needed: every case fails
 * (or answers VERSION) before touching the kernel.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, runPlugin } from '../../helpers/sandbox';

const protocol = suite('CNI protocol rows (checklist section 1), every built plugin');
const PLUGINS = ['loopback', 'bridge', 'host-local', 'portmap', 'dnsname'].filter((p) => existsSync(join(BIN_DIR, p)));
const SUPPORTED = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

const conf = (type: string, extra: object = {}) => ({ cniVersion: '1.0.0', name: 'proto', type, ...extra });
const full = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/berth-proto-never', CNI_IFNAME: 'eth0', CNI_PATH: BIN_DIR };

/** Asserts exit 1 and exactly one spec error object on stdout. */
function assertError(r: { code: number; stdout: string; json?: any }, code: number, msg: RegExp, cniVersion = '1.0.0'): void {
  assert.is(r.code, 1, r.stdout);
  assert.is(r.stdout.trim().split('\n').length, 1, 'one line of JSON');
  assert.is(r.json.code, code, r.stdout);
  assert.match(r.json.msg, msg);
  assert.is(r.json.cniVersion, cniVersion);
  assert.ok(
    Object.keys(r.json).every((k) => ['cniVersion', 'code', 'msg', 'details'].includes(k)),
    r.stdout,
  );
}

for (const plugin of PLUGINS) {
  protocol(`${plugin}: P4 missing CNI_COMMAND is code 4 on stdout, exit 1`, async () => {
    assertError(await runPlugin(plugin, { ...full }, conf(plugin)), 4, /CNI_COMMAND is missing/, '1.0.0');
  });

  protocol(`${plugin}: P5 unknown CNI_COMMAND is code 4`, async () => {
    assertError(await runPlugin(plugin, { ...full, CNI_COMMAND: 'FROB' }, conf(plugin)), 4, /unknown CNI_COMMAND "FROB"/);
  });

  for (const [command, missing] of [
    ['ADD', 'CNI_NETNS'],
    ['ADD', 'CNI_IFNAME'],
    ['ADD', 'CNI_CONTAINERID'],
    ['CHECK', 'CNI_NETNS'],
    ['DEL', 'CNI_CONTAINERID'],
    ['DEL', 'CNI_IFNAME'],
  ] as const)
    protocol(`${plugin}: P3 ${command} without ${missing} is code 4 naming it`, async () => {
      const env: Record<string, string> = { ...full, CNI_COMMAND: command };
      delete env[missing];
      assertError(await runPlugin(plugin, env, conf(plugin)), 4, new RegExp(`${missing} is missing for ${command}`));
    });

  protocol(`${plugin}: P3 GC without CNI_PATH is code 4`, async () => {
    assertError(
      await runPlugin(plugin, { CNI_COMMAND: 'GC', CNI_PATH: '' }, conf(plugin, { cniVersion: '1.1.0' })),
      4,
      /CNI_PATH is missing for GC/,
      '1.1.0',
    );
  });

  for (const id of ['-leading-dash', 'has space', 'semi;colon', 'ü'])
    protocol(`${plugin}: P6 container ID ${JSON.stringify(id)} is code 4`, async () => {
      assertError(
        await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD', CNI_CONTAINERID: id }, conf(plugin)),
        4,
        /invalid CNI_CONTAINERID/,
      );
    });

  for (const ifname of ['.', '..', 'a/b', 'a:b', 'a b', 'sixteen-chars-xx'])
    protocol(`${plugin}: P7 ifname ${JSON.stringify(ifname)} is code 4`, async () => {
      assertError(await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD', CNI_IFNAME: ifname }, conf(plugin)), 4, /invalid CNI_IFNAME/);
    });

  protocol(`${plugin}: P8 missing or invalid network name is code 7`, async () => {
    assertError(await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD' }, { cniVersion: '1.0.0', type: plugin }), 7, /"name" is required/);
    assertError(
      await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD' }, conf(plugin, { name: '../etc' })),
      7,
      /invalid network name "\.\.\/etc"/,
    );
  });

  protocol(`${plugin}: P9 malformed JSON is code 6`, async () => {
    assertError(await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD' }, '{"cniVersion": "1.0.0", '), 6, /not valid JSON/, '1.1.0');
    assertError(await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD' }, '[1,2]'), 6, /not a JSON object/, '1.1.0');
  });

  protocol(`${plugin}: P10 an unsupported cniVersion is code 1 listing the supported ones; an absent one means 0.1.0`, async () => {
    const r = await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD' }, conf(plugin, { cniVersion: '0.0.9' }));
    assertError(r, 1, /incompatible CNI version "0\.0\.9"/, '1.1.0');
    assert.is(r.json.details, `supported versions: ${SUPPORTED.join(', ')}`);
    const none = await runPlugin(plugin, { ...full, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a/b' }, { name: 'proto', type: plugin });
    assertError(none, 4, /invalid CNI_IFNAME/, '0.1.0'); // accepted as 0.1.0, as the reference does
  });

  protocol(`${plugin}: 1.1 cniVersions list picks the highest supported version`, async () => {
    const r = await runPlugin(
      plugin,
      { ...full, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a/b' },
      { name: 'proto', type: plugin, cniVersions: ['0.4.0', '1.0.0', '9.9.9'] },
    );
    assertError(r, 4, /invalid CNI_IFNAME/, '1.0.0'); // the negotiated version, not the latest
  });

  protocol(`${plugin}: CHECK below 0.4.0 and GC/STATUS below 1.1.0 are code 1`, async () => {
    assertError(
      await runPlugin(plugin, { ...full, CNI_COMMAND: 'CHECK' }, conf(plugin, { cniVersion: '0.3.1' })),
      1,
      /CHECK is not supported in CNI version 0\.3\.1/,
      '0.3.1',
    );
    assertError(await runPlugin(plugin, { CNI_COMMAND: 'STATUS' }, conf(plugin)), 1, /STATUS is not supported in CNI version 1\.0\.0/);
    assertError(
      await runPlugin(plugin, { CNI_COMMAND: 'GC', CNI_PATH: BIN_DIR }, conf(plugin)),
      1,
      /GC is not supported in CNI version 1\.0\.0/,
    );
  });

  protocol(`${plugin}: P12 VERSION echoes a supported request version and lists all`, async () => {
    const r = await runPlugin(plugin, { CNI_COMMAND: 'VERSION' }, { cniVersion: '0.4.0' });
    assert.is(r.code, 0);
    assert.equal(r.json, { cniVersion: '0.4.0', supportedVersions: SUPPORTED });
    const empty = await runPlugin(plugin, { CNI_COMMAND: 'VERSION' }, '');
    assert.equal(empty.json, { cniVersion: '1.1.0', supportedVersions: SUPPORTED });
  });

  protocol(`${plugin}: no stack trace reaches stderr without BERTH_LOG`, async () => {
    // A missing netns fails in the kernel layer for most plugins (portmap with no mappings has nothing to do).
    const r = await runPlugin(
      plugin,
      { ...full, CNI_COMMAND: 'ADD' },
      conf(plugin, { prevResult: { cniVersion: '1.0.0', ips: [{ address: '192.0.2.2/24' }] } }),
    );
    assert.not.match(r.stderr, /\n\s+at /);
    if (r.code !== 0) assert.is(r.stdout.trim().split('\n').length, 1);
  });
}

protocol.run();
