/** The in-process API the bridge plugin calls (`hostLocal`), against a temp dataDir. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CniError } from '../../../cni/errors';
import type { PluginContext } from '../../../cni/skel';
import { hostLocal } from '../../../ipam/host-local';
import { withTempDir } from '../../helpers/sandbox';

function ctxFor(dataDir: string, over: Partial<PluginContext> = {}, config: object = {}): PluginContext {
  return {
    command: 'ADD',
    containerId: 'ctr',
    netns: '/x',
    ifName: 'eth0',
    args: new Map(),
    path: [],
    cniVersion: '1.0.0',
    stdin: '',
    log: { debug() {}, error() {} },
    env: {},
    config: {
      cniVersion: '1.0.0',
      name: 'inproc',
      type: 'bridge',
      ipam: { type: 'host-local', dataDir, subnet: '192.0.2.0/24', routes: [{ dst: '0.0.0.0/0' }] },
      ...config,
    },
    ...over,
  };
}

test('hostLocal() ADD, CHECK and DEL in process read ctx.config.ipam', () =>
  withTempDir(async (dir) => {
    const ctx = ctxFor(dir, {
      args: new Map([
        ['MAC', '02:00:00:00:00:01'],
        ['IP', '192.0.2.40'],
      ]),
    });
    const result = await hostLocal('ADD', ctx);
    assert.equal(result, {
      cniVersion: '1.0.0',
      ips: [{ address: '192.0.2.40/24', gateway: '192.0.2.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
    });
    assert.is(await hostLocal('CHECK', { ...ctx, prevResult: result }), undefined);
    assert.is(await hostLocal('DEL', ctx), undefined);
    // The released lease's and the dropped index's files, for the next ADD.
    assert.equal(readdirSync(join(dir, 'inproc')).sort(), [
      '.berth-index',
      '.berth-index.tmp',
      '.berth-lease.tmp',
      'last_reserved_ip.0',
      'lock',
    ]);
    try {
      await hostLocal('CHECK', { ...ctx, prevResult: result });
      assert.unreachable('CHECK after DEL must fail');
    } catch (err) {
      assert.is((err as CniError).code, 108);
    }
  }));

test('hostLocal() takes the IPAM config as a parameter when given', () =>
  withTempDir(async (dir) => {
    const ctx = ctxFor(dir);
    const result = await hostLocal('ADD', ctx, { type: 'host-local', dataDir: dir, ranges: [[{ subnet: '2001:db8::/64' }]] });
    assert.equal(result?.ips, [{ address: '2001:db8::2/64', gateway: '2001:db8::1' }]);
  }));

test('hostLocal() GC and STATUS', () =>
  withTempDir(async (dir) => {
    const ctx = ctxFor(dir);
    await hostLocal('ADD', ctx);
    await hostLocal('ADD', { ...ctx, containerId: 'other' });
    await hostLocal('GC', ctxFor(dir, {}, { 'cni.dev/valid-attachments': [{ containerID: 'ctr', ifname: 'eth0' }] }));
    assert.equal(
      readdirSync(join(dir, 'inproc')).filter((f) => f.startsWith('192.')),
      ['192.0.2.2'],
    );
    assert.is(await hostLocal('STATUS', ctx), undefined);
  }));

test.run();
