import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CniError } from '../../../cni/errors';
import { parseConfList } from '../../../cni/conflist';
import {
  addNetworkList as addList,
  checkNetworkList as checkList,
  delNetworkList as delList,
  type RuntimeOptions,
} from '../../../cni/runtime';
import { pluginCaller } from '../../../network/runner';
import { readFakeCalls, writeFakePlugins } from '../../fakes/cni-plugin';
import { rejects, withTempDir } from '../../helpers/sandbox';

/** Runs `fn` with the conflist runner and netctl's plugin caller in a temp dir; every plugin is exec'd. */
function withRunner(fn: (dir: string, opts: RuntimeOptions & { cacheDir: string }) => Promise<void>): Promise<void> {
  return withTempDir(async (dir) => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFakePlugins(bin, ['bridge', 'portmap']);
    // selfDir points elsewhere: Berth's in-process path is not taken, every plugin is exec'd.
    await fn(dir, { cniPath: [bin], cacheDir: join(dir, 'cache'), env: {}, callPlugin: pluginCaller(join(dir, 'elsewhere')) });
  });
}

const list = (fail?: object) =>
  parseConfList(
    JSON.stringify({
      cniVersion: '1.0.0',
      cniVersions: ['1.0.0', '1.1.0'],
      name: 'web',
      plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true }, ...(fail && { fake: { fail } }) }],
    }),
  );
const rt = {
  containerId: 'c1',
  netns: '/run/netns/c1',
  ifName: 'eth0',
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
};

test('addList() chains ADD with prevResult and runtimeConfig, caches the result; delList() runs DEL in reverse and drops it', () =>
  withRunner(async (dir, opts) => {
    const result = await addList(list(), rt, opts);
    assert.equal(
      result.interfaces?.map((i) => i.name),
      ['eth0', 'portmap'],
    );
    assert.is(result.cniVersion, '1.1.0');
    const calls = readFakeCalls(join(dir, 'bin'));
    assert.equal(
      calls.map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['bridge ADD', 'portmap ADD'],
    );
    assert.equal(calls[1].conf.runtimeConfig, { portMappings: rt.capabilityArgs.portMappings });
    assert.is(calls[0].conf.runtimeConfig, undefined);
    assert.equal(
      calls[1].conf.prevResult.interfaces.map((i: any) => i.name),
      ['eth0'],
    );
    assert.ok(existsSync(join(opts.cacheDir, 'results/web-c1-eth0')));
    await checkList(list(), rt, opts);
    await delList(list(), { ...rt, netns: '' }, opts);
    const after = readFakeCalls(join(dir, 'bin')).slice(2);
    assert.equal(
      after.map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['bridge CHECK', 'portmap CHECK', 'portmap DEL', 'bridge DEL'],
    );
    assert.equal(
      after[2].conf.prevResult.interfaces.map((i: any) => i.name),
      ['eth0', 'portmap'],
    );
    assert.is(after[3].env.CNI_NETNS, undefined);
    assert.not.ok(existsSync(join(opts.cacheDir, 'results/web-c1-eth0')));
  }));

test('addList() undoes the plugins already run when one fails, and keeps its code', () =>
  withRunner(async (dir, opts) => {
    const err = await rejects(addList(list({ code: 106, msg: 'host port 8080/tcp is taken' }), rt, opts));
    assert.instance(err, CniError);
    assert.is((err as CniError).code, 106);
    assert.is(err.message, 'cannot add "c1" ("eth0") on network "web": plugin "portmap" failed: host port 8080/tcp is taken');
    assert.equal(
      readFakeCalls(join(dir, 'bin')).map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['bridge ADD', 'portmap ADD', 'portmap DEL', 'bridge DEL'],
    );
    assert.not.ok(existsSync(join(opts.cacheDir, 'results/web-c1-eth0')));
  }));

test('checkList() refuses an attachment with no cached result (code 3)', () =>
  withRunner(async (dir, opts) => {
    const err = await rejects(checkList(list(), rt, opts));
    assert.is((err as CniError).code, 3);
    assert.is(err.message, 'cannot check "c1" ("eth0") on network "web": no cached result');
  }));

test("delList() goes on past a failing plugin, keeps the cache entry and the first failure's code", () =>
  withRunner(async (dir, opts) => {
    await addList(list(), rt, opts);
    const failing = parseConfList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'web',
        plugins: [{ type: 'bridge' }, { type: 'portmap', fake: { fail: { code: 107, msg: 'nft refused' }, failOn: ['DEL'] } }],
      }),
    );
    const err = await rejects(delList(failing, rt, opts));
    assert.is((err as CniError).code, 107);
    assert.is(err.message, 'cannot delete "c1" ("eth0") on network "web": plugin "portmap": nft refused');
    assert.equal(
      readFakeCalls(join(dir, 'bin'))
        .slice(2)
        .map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['portmap DEL', 'bridge DEL'],
    );
    assert.ok(existsSync(join(opts.cacheDir, 'results/web-c1-eth0')));
  }));

test("an exec'd plugin runs ADD only once netnsReady settles, and not when it rejects", () =>
  withTempDir(async (dir) => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFakePlugins(bin, ['bridge', 'portmap']);
    let ready!: () => void;
    const netnsReady = new Promise<void>((res) => (ready = res));
    const opts = { cniPath: [bin], cacheDir: join(dir, 'cache'), env: {}, callPlugin: pluginCaller(join(dir, 'elsewhere'), netnsReady) };
    const added = addList(list(), rt, opts);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(readFakeCalls(bin), []);
    ready();
    await added;
    assert.equal(
      readFakeCalls(bin).map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['bridge ADD', 'portmap ADD'],
    );
    const failed = Promise.reject(new Error('berth-shim ended'));
    failed.catch(() => {});
    const never = { ...opts, cacheDir: join(dir, 'cache2'), callPlugin: pluginCaller(join(dir, 'elsewhere'), failed) };
    await rejects(addList(list(), { ...rt, containerId: 'c2' }, never), /berth-shim ended/);
    // No ADD ran; the chain's undo still sends the failed plugin its DEL, as after any failed ADD.
    assert.equal(
      readFakeCalls(bin)
        .slice(2)
        .map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['bridge DEL'],
    );
  }));

test.run();
