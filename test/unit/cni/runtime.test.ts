import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import {
  addNetworkList,
  checkNetworkList,
  delNetworkList,
  gcNetworkList,
  getCachedResult,
  listCachedAttachments,
  loadConfList,
  parseConfList,
  statusNetworkList,
  type RuntimeConf,
} from '../../../cni/runtime';
import { CniError } from '../../../cni/errors';
import { clearFakeCalls, readFakeCalls, writeFakePlugins } from '../../fakes/cni-plugin';

interface Env {
  bin: string;
  cacheDir: string;
  opts: { cniPath: string[]; cacheDir: string };
}

async function withEnv(fn: (env: Env) => Promise<void>): Promise<void> {
  return withTempDir(async (root) => {
    const bin = join(root, 'bin'),
      cacheDir = join(root, 'cache');
    mkdirSync(bin);
    writeFakePlugins(bin, ['first', 'second', 'third']);
    await fn({ bin, cacheDir, opts: { cniPath: [join(root, 'empty'), bin], cacheDir } });
  });
}

async function cniErrorOf(p: Promise<unknown>): Promise<CniError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CniError);
    return err as CniError;
  }
  throw new Error('expected a CniError');
}

const RT: RuntimeConf = {
  containerId: 'c1',
  netns: '/run/netns/c1',
  ifName: 'eth0',
  args: [['IgnoreUnknown', '1']],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], mac: '02:00:00:00:00:01' },
};

function listText(cniVersion: string, plugins: object[], extra: object = {}): string {
  return JSON.stringify({ cniVersion, name: 'web', ...extra, plugins });
}

const THREE = [
  { type: 'first', fake: { ip: '192.0.2.7/24' } },
  { type: 'second', capabilities: { portMappings: true, ips: true } },
  { type: 'third', capabilities: { mac: false } },
];

test('addNetworkList() chains prevResult through the plugins in order and returns the last result', () =>
  withEnv(async ({ bin, opts }) => {
    const list = parseConfList(listText('1.0.0', THREE));
    const result = await addNetworkList(list, RT, opts);
    assert.equal(result, {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', sandbox: '/run/netns/c1' }, { name: 'second' }, { name: 'third' }],
      ips: [{ address: '192.0.2.7/24', interface: 0 }],
    });
    const calls = readFakeCalls(bin);
    assert.equal(
      calls.map((c) => c.type),
      ['first', 'second', 'third'],
    );
    assert.equal(calls[0].conf, { type: 'first', fake: { ip: '192.0.2.7/24' }, name: 'web', cniVersion: '1.0.0' });
    assert.equal(calls[1].conf, {
      type: 'second',
      capabilities: { portMappings: true, ips: true },
      name: 'web',
      cniVersion: '1.0.0',
      runtimeConfig: { portMappings: RT.capabilityArgs!.portMappings },
      prevResult: {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0', sandbox: '/run/netns/c1' }],
        ips: [{ address: '192.0.2.7/24', interface: 0 }],
      },
    });
    assert.equal(
      calls[2].conf.prevResult.interfaces.map((i: { name: string }) => i.name),
      ['eth0', 'second'],
    );
    assert.not.ok('runtimeConfig' in calls[2].conf);
    for (const call of calls) {
      assert.equal(call.env, {
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: 'c1',
        CNI_NETNS: '/run/netns/c1',
        CNI_IFNAME: 'eth0',
        CNI_ARGS: 'IgnoreUnknown=1',
        CNI_PATH: opts.cniPath.join(':'),
      });
      assert.equal(
        call.envKeys.filter((k) => !k.startsWith('CNI_')),
        ['PATH'],
      );
    }
  }));

test("addNetworkList() caches the result in libcni's format", () =>
  withEnv(async ({ cacheDir, opts }) => {
    const text = listText('1.1.0', THREE.slice(0, 1));
    const result = await addNetworkList(parseConfList(text), RT, opts);
    const file = join(cacheDir, 'results', 'web-c1-eth0');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')), {
      kind: 'cniCacheV1',
      containerId: 'c1',
      config: Buffer.from(text).toString('base64'),
      ifName: 'eth0',
      networkName: 'web',
      netns: '/run/netns/c1',
      cniArgs: [['IgnoreUnknown', '1']],
      capabilityArgs: RT.capabilityArgs,
      result,
    });
  }));

test('addNetworkList() converts results to the list version (ips[].version below 1.0.0)', () =>
  withEnv(async ({ opts }) => {
    const result = await addNetworkList(parseConfList(listText('0.3.1', THREE.slice(0, 2))), RT, opts);
    assert.equal(result.ips, [{ address: '192.0.2.7/24', interface: 0, version: '4' }]);
    assert.is(result.cniVersion, '0.3.1');
  }));

test('addNetworkList() runs DEL in reverse for the plugins already run when one fails, and caches nothing', () =>
  withEnv(async ({ bin, cacheDir, opts }) => {
    const plugins = [
      THREE[0],
      { type: 'second', fake: { fail: { code: 100, msg: 'no free address', details: 'range 192.0.2.0/24' }, failOn: ['ADD'] } },
      THREE[2],
    ];
    const e = await cniErrorOf(addNetworkList(parseConfList(listText('1.0.0', plugins)), RT, opts));
    assert.equal(
      [e.code, e.message, e.details],
      [100, 'cannot add "c1" ("eth0") on network "web": plugin "second" failed: no free address', 'range 192.0.2.0/24'],
    );
    const calls = readFakeCalls(bin);
    assert.equal(
      calls.map((c) => `${c.env.CNI_COMMAND} ${c.type}`),
      ['ADD first', 'ADD second', 'DEL second', 'DEL first'],
    );
    assert.equal(calls[2].conf.prevResult.ips, [{ address: '192.0.2.7/24', interface: 0 }]);
    assert.not.ok(existsSync(join(cacheDir, 'results', 'web-c1-eth0')));
  }));

test('addNetworkList() lists a failed clean-up in the details', () =>
  withEnv(async ({ opts }) => {
    const plugins = [
      { type: 'first', fake: { fail: { code: 104, msg: 'cannot delete link' }, failOn: ['DEL'] } },
      { type: 'second', fake: { crash: 'oops' } },
    ];
    const e = await cniErrorOf(addNetworkList(parseConfList(listText('1.0.0', plugins)), RT, opts));
    assert.is(e.code, 105);
    assert.match(
      e.message,
      /^cannot add "c1" \("eth0"\) on network "web": plugin "second" failed: plugin ".*second" ADD failed with exit code 3: oops$/,
    );
    assert.match(
      e.details,
      /^clean-up incomplete: plugin "second": plugin ".*second" DEL failed with exit code 3: oops; plugin "first": cannot delete link$/,
    );
  }));

test('addNetworkList() fails with 105 before running anything when a plugin is missing', () =>
  withEnv(async ({ bin, opts }) => {
    const e = await cniErrorOf(addNetworkList(parseConfList(listText('1.0.0', [{ type: 'nope' }])), RT, opts));
    assert.is(e.code, 105);
    assert.is(
      e.message,
      `cannot add "c1" ("eth0") on network "web": plugin "nope" failed: cannot find plugin "nope" in CNI_PATH ${JSON.stringify(opts.cniPath.join(':'))}`,
    );
    assert.equal(readFakeCalls(bin), []);
  }));

test('addNetworkList() refuses a bad container id or interface name with code 4', () =>
  withEnv(async ({ bin, opts }) => {
    const list = parseConfList(listText('1.0.0', THREE));
    assert.is((await cniErrorOf(addNetworkList(list, { ...RT, containerId: '../x' }, opts))).code, 4);
    assert.is((await cniErrorOf(addNetworkList(list, { ...RT, ifName: 'a-very-long-interface' }, opts))).code, 4);
    assert.equal(readFakeCalls(bin), []);
  }));

test('delNetworkList() runs the plugins in reverse with the cached result, then forgets it', () =>
  withEnv(async ({ bin, cacheDir, opts }) => {
    const list = parseConfList(listText('1.0.0', THREE));
    const result = await addNetworkList(list, RT, opts);
    clearFakeCalls(bin);
    await delNetworkList(list, { ...RT, netns: '' }, opts);
    const calls = readFakeCalls(bin);
    assert.equal(
      calls.map((c) => `${c.env.CNI_COMMAND} ${c.type}`),
      ['DEL third', 'DEL second', 'DEL first'],
    );
    for (const call of calls) assert.equal(call.conf.prevResult, result);
    assert.not.ok('CNI_NETNS' in calls[0].env);
    assert.not.ok(existsSync(join(cacheDir, 'results', 'web-c1-eth0')));
    clearFakeCalls(bin);
    await delNetworkList(list, RT, opts); // again: nothing cached, plugins still called, no prevResult
    assert.equal(
      readFakeCalls(bin).map((c) => 'prevResult' in c.conf),
      [false, false, false],
    );
  }));

test('addNetworkList() undoes a failed 0.3.1 ADD without prevResult (DEL had none before 0.4.0)', () =>
  withEnv(async ({ bin, opts }) => {
    const plugins = [THREE[0], { type: 'second', fake: { fail: { code: 11, msg: 'busy' }, failOn: ['ADD'] } }];
    assert.is((await cniErrorOf(addNetworkList(parseConfList(listText('0.3.1', plugins)), RT, opts))).code, 11);
    const dels = readFakeCalls(bin).filter((c) => c.env.CNI_COMMAND === 'DEL');
    assert.equal(
      dels.map((c) => [c.type, 'prevResult' in c.conf]),
      [
        ['second', false],
        ['first', false],
      ],
    );
  }));

test('delNetworkList() sends no prevResult below 0.4.0', () =>
  withEnv(async ({ bin, opts }) => {
    const list = parseConfList(listText('0.3.1', THREE.slice(0, 1)));
    await addNetworkList(list, RT, opts);
    clearFakeCalls(bin);
    await delNetworkList(list, RT, opts);
    assert.not.ok('prevResult' in readFakeCalls(bin)[0].conf);
  }));

test('delNetworkList() goes on past failures, reports them all and keeps the cache for a retry', () =>
  withEnv(async ({ bin, cacheDir, opts }) => {
    const plugins = [
      { type: 'first', fake: { fail: { code: 7, msg: 'first broke' }, failOn: ['DEL'] } },
      { type: 'second' },
      { type: 'third', fake: { fail: { code: 104, msg: 'third broke', details: 'EPERM' }, failOn: ['DEL'] } },
    ];
    const list = parseConfList(listText('1.0.0', plugins));
    await addNetworkList(list, RT, opts);
    clearFakeCalls(bin);
    const e = await cniErrorOf(delNetworkList(list, RT, opts));
    assert.equal(
      [e.code, e.message, e.details],
      [
        104,
        'cannot delete "c1" ("eth0") on network "web": 2 failures, first plugin "third": third broke',
        'plugin "third": third broke (EPERM); plugin "first": first broke',
      ],
    );
    assert.equal(
      readFakeCalls(bin).map((c) => c.type),
      ['third', 'second', 'first'],
    );
    assert.ok(existsSync(join(cacheDir, 'results', 'web-c1-eth0')));
  }));

test('checkNetworkList() runs CHECK in order with the cached result', () =>
  withEnv(async ({ bin, opts }) => {
    const list = parseConfList(listText('1.1.0', THREE));
    const result = await addNetworkList(list, RT, opts);
    clearFakeCalls(bin);
    await checkNetworkList(list, RT, opts);
    const calls = readFakeCalls(bin);
    assert.equal(
      calls.map((c) => `${c.env.CNI_COMMAND} ${c.type}`),
      ['CHECK first', 'CHECK second', 'CHECK third'],
    );
    for (const call of calls) assert.equal(call.conf.prevResult, result);
    assert.equal(await getCachedResult(list, RT, opts), result);
  }));

test('checkNetworkList() fails with code 3 when nothing is cached, 1 below 0.4.0, and does nothing with disableCheck', () =>
  withEnv(async ({ bin, opts }) => {
    const e = await cniErrorOf(checkNetworkList(parseConfList(listText('1.0.0', THREE)), RT, opts));
    assert.equal([e.code, e.message], [3, 'cannot check "c1" ("eth0") on network "web": no cached result']);
    const old = await cniErrorOf(checkNetworkList(parseConfList(listText('0.3.1', THREE)), RT, opts));
    assert.equal(
      [old.code, old.message],
      [1, 'cannot check "c1" ("eth0") on network "web": CHECK needs CNI version 0.4.0 or later, the list speaks "0.3.1"'],
    );
    await checkNetworkList(parseConfList(listText('1.0.0', THREE, { disableCheck: true })), RT, opts);
    assert.equal(readFakeCalls(bin), []);
  }));

test("checkNetworkList() passes on the failing plugin's code", () =>
  withEnv(async ({ opts }) => {
    const list = parseConfList(
      listText('1.0.0', [{ type: 'first' }, { type: 'second', fake: { fail: { code: 108, msg: 'route missing' }, failOn: ['CHECK'] } }]),
    );
    await addNetworkList(list, RT, opts);
    const e = await cniErrorOf(checkNetworkList(list, RT, opts));
    assert.equal([e.code, e.message], [108, 'cannot check "c1" ("eth0") on network "web": plugin "second" failed: route missing']);
  }));

test('gcNetworkList() deletes stale cached attachments, then sends GC with the valid ones to each plugin once', () =>
  withEnv(async ({ bin, opts }) => {
    const list = parseConfList(listText('1.1.0', THREE.slice(0, 2)));
    const other = parseConfList(JSON.stringify({ cniVersion: '1.1.0', name: 'web-2', plugins: [{ type: 'first' }] }));
    await addNetworkList(list, RT, opts);
    await addNetworkList(list, { ...RT, containerId: 'c2', netns: '/run/netns/c2' }, opts);
    await addNetworkList(other, { ...RT, containerId: 'c3' }, opts);
    clearFakeCalls(bin);
    const valid = [
      { containerID: 'c1', ifname: 'eth0' },
      { containerID: 'c9', ifname: 'eth1' },
    ];
    await gcNetworkList(list, valid, opts);
    const calls = readFakeCalls(bin);
    assert.equal(
      calls.map((c) => `${c.env.CNI_COMMAND} ${c.type} ${c.env.CNI_CONTAINERID ?? '-'}`),
      ['DEL second c2', 'DEL first c2', 'GC first -', 'GC second -'],
    );
    assert.is(calls[0].env.CNI_NETNS, '/run/netns/c2');
    assert.equal(calls[0].conf.runtimeConfig, { portMappings: RT.capabilityArgs!.portMappings });
    assert.equal(calls[2].env, { CNI_COMMAND: 'GC', CNI_PATH: opts.cniPath.join(':') });
    assert.equal(calls[2].conf, {
      type: 'first',
      fake: { ip: '192.0.2.7/24' },
      name: 'web',
      cniVersion: '1.1.0',
      'cni.dev/valid-attachments': valid,
      'cni.dev/attachments': valid,
    });
    assert.equal(
      (await listCachedAttachments(opts.cacheDir)).map((e) => `${e.networkName} ${e.containerId}`),
      ['web c1', 'web-2 c3'],
    );
  }));

test('gcNetworkList() sends no GC below 1.1.0, nothing with disableGC, and goes on past failures', () =>
  withEnv(async ({ bin, opts }) => {
    await gcNetworkList(parseConfList(listText('1.0.0', THREE)), [], opts);
    await gcNetworkList(parseConfList(listText('1.1.0', THREE, { disableGC: true })), [], opts);
    assert.equal(readFakeCalls(bin), []);
    const failing = [{ type: 'first', fake: { fail: { code: 5, msg: 'disk full' } } }, { type: 'second' }, { type: 'missing' }];
    const e = await cniErrorOf(gcNetworkList(parseConfList(listText('1.1.0', failing)), [], opts));
    assert.is(e.code, 5);
    assert.match(e.message, /^cannot garbage-collect network "web": 2 failures, first plugin "first": disk full$/);
    assert.equal(
      readFakeCalls(bin).map((c) => c.type),
      ['first', 'second'],
    );
  }));

test("statusNetworkList() asks each plugin and passes on the first failure's code", () =>
  withEnv(async ({ bin, opts }) => {
    await statusNetworkList(parseConfList(listText('1.1.0', THREE)), opts);
    const calls = readFakeCalls(bin);
    assert.equal(
      calls.map((c) => c.type),
      ['first', 'second', 'third'],
    );
    assert.equal(calls[0].env, { CNI_COMMAND: 'STATUS', CNI_PATH: opts.cniPath.join(':') });
    assert.equal(calls[0].conf, { type: 'first', fake: { ip: '192.0.2.7/24' }, name: 'web', cniVersion: '1.1.0' });
    const e = await cniErrorOf(
      statusNetworkList(
        parseConfList(listText('1.1.0', [{ type: 'first', fake: { fail: { code: 50, msg: 'no addresses left' } } }, { type: 'second' }])),
        opts,
      ),
    );
    assert.equal([e.code, e.message], [50, 'network "web" is not ready: plugin "first" failed: no addresses left']);
    clearFakeCalls(bin);
    await statusNetworkList(parseConfList(listText('1.0.0', THREE)), opts);
    assert.equal(readFakeCalls(bin), []);
  }));

test('addNetworkList() reports an unwritable cache with code 5 and undoes the ADD', () =>
  withEnv(async ({ bin, cacheDir, opts }) => {
    writeFileSync(cacheDir, 'a file where the cache dir should be');
    const e = await cniErrorOf(addNetworkList(parseConfList(listText('1.0.0', THREE.slice(0, 2))), RT, opts));
    assert.is(e.code, 5);
    assert.match(e.message, /^cannot add "c1" \("eth0"\) on network "web": cannot write cached result in ".*cache": /);
    assert.equal(
      readFakeCalls(bin).map((c) => `${c.env.CNI_COMMAND} ${c.type}`),
      ['ADD first', 'ADD second', 'DEL second', 'DEL first'],
    );
  }));

test('loadConfList() reads a file and names it in errors', () =>
  withEnv(async ({ bin }) => {
    const file = join(bin, '10-web.conflist');
    writeFileSync(file, listText('1.0.0', THREE));
    assert.is((await loadConfList(file)).plugins.length, 3);
    const missing = await cniErrorOf(loadConfList(join(bin, 'nope.conflist')));
    assert.equal(
      [missing.code, missing.message],
      [5, `cannot read network configuration ${JSON.stringify(join(bin, 'nope.conflist'))}: ENOENT`],
    );
    writeFileSync(file, '{"name":"web","cniVersion":"1.0.0"}');
    const bad = await cniErrorOf(loadConfList(file));
    assert.equal(
      [bad.code, bad.message],
      [7, `cannot load network configuration ${JSON.stringify(file)}: invalid network configuration list: "plugins" must be a list`],
    );
  }));

test.run();
