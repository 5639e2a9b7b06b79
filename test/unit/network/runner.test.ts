import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** The conflist runner with netctl's plugin caller; plugins not beside selfDir are exec'd. */
function setup(): { dir: string; opts: RuntimeOptions & { cacheDir: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'netctl-runner-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFakePlugins(bin, ['bridge', 'portmap']);
  // selfDir points elsewhere: Berth's in-process path is not taken, every plugin is exec'd.
  return { dir, opts: { cniPath: [bin], cacheDir: join(dir, 'cache'), env: {}, callPlugin: pluginCaller(join(dir, 'elsewhere')) } };
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

test('addList() chains ADD with prevResult and runtimeConfig, caches the result; delList() runs DEL in reverse and drops it', async () => {
  const { dir, opts } = setup();
  try {
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('addList() undoes the plugins already run when one fails, and keeps its code', async () => {
  const { dir, opts } = setup();
  try {
    try {
      await addList(list({ code: 106, msg: 'host port 8080/tcp is taken' }), rt, opts);
      assert.unreachable('ADD succeeded');
    } catch (err) {
      assert.instance(err, CniError);
      assert.is((err as CniError).code, 106);
      assert.is(
        (err as CniError).message,
        'cannot add "c1" ("eth0") on network "web": plugin "portmap" failed: host port 8080/tcp is taken',
      );
    }
    assert.equal(
      readFakeCalls(join(dir, 'bin')).map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['bridge ADD', 'portmap ADD', 'portmap DEL', 'bridge DEL'],
    );
    assert.not.ok(existsSync(join(opts.cacheDir, 'results/web-c1-eth0')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkList() refuses an attachment with no cached result (code 3)', async () => {
  const { dir, opts } = setup();
  try {
    await checkList(list(), rt, opts).then(
      () => assert.unreachable('passed'),
      (err) => {
        assert.is((err as CniError).code, 3);
        assert.is((err as Error).message, 'cannot check "c1" ("eth0") on network "web": no cached result');
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("delList() goes on past a failing plugin, keeps the cache entry and the first failure's code", async () => {
  const { dir, opts } = setup();
  try {
    await addList(list(), rt, opts);
    const failing = parseConfList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'web',
        plugins: [{ type: 'bridge' }, { type: 'portmap', fake: { fail: { code: 107, msg: 'nft refused' }, failOn: ['DEL'] } }],
      }),
    );
    await delList(failing, rt, opts).then(
      () => assert.unreachable('DEL succeeded'),
      (err) => {
        assert.is((err as CniError).code, 107);
        assert.is((err as Error).message, 'cannot delete "c1" ("eth0") on network "web": plugin "portmap": nft refused');
      },
    );
    assert.equal(
      readFakeCalls(join(dir, 'bin'))
        .slice(2)
        .map((c) => `${c.type} ${c.env.CNI_COMMAND}`),
      ['portmap DEL', 'bridge DEL'],
    );
    assert.ok(existsSync(join(opts.cacheDir, 'results/web-c1-eth0')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
