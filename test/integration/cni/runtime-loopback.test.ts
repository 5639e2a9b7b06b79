import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addNetworkList,
  checkNetworkList,
  delNetworkList,
  gcNetworkList,
  listCachedAttachments,
  parseConfList,
  statusNetworkList,
} from '../../../cni/runtime';
import { BIN_DIR, isRoot, linkOf, netnsPath, sh, withNetns, withTempDir } from '../../helpers/sandbox';
import { readFakeCalls, writeFakePlugins } from '../../fakes/cni-plugin';

const runner = suite('conflist runner with the built loopback (real namespaces)');
const hasLoopback = existsSync(join(BIN_DIR, 'loopback'));
const it = isRoot && hasLoopback ? runner : runner.skip;

const isUp = (ns: string) => ((linkOf(ns, 'lo')?.flags ?? []) as string[]).includes('UP');

it('ADD, CHECK, GC, STATUS and DEL through a conflist drive dist/bin/loopback', async () => {
  await withTempDir(async (dir) => {
    await withNetns(1, async (ns) => {
      const fakes = join(dir, 'fakes');
      mkdirSync(fakes);
      writeFakePlugins(fakes, ['recorder']);
      const list = parseConfList(
        JSON.stringify({ cniVersion: '1.1.0', name: 'lo-list', plugins: [{ type: 'loopback' }, { type: 'recorder' }] }),
      );
      const opts = { cniPath: [BIN_DIR, fakes], cacheDir: join(dir, 'cache') };
      const rt = { containerId: 'c1', netns: netnsPath(ns), ifName: 'eth0' };
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'down']);

      const result = await addNetworkList(list, rt, opts);
      assert.ok(isUp(ns));
      assert.equal(result, {
        cniVersion: '1.1.0',
        interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: netnsPath(ns) }, { name: 'recorder' }],
        ips: [
          { address: '127.0.0.1/8', interface: 0 },
          { address: '::1/128', interface: 0 },
        ],
      });
      // The recorder, chained after loopback, got loopback's result as prevResult.
      assert.equal(readFakeCalls(fakes)[0].conf.prevResult.interfaces, [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: netnsPath(ns) }]);
      assert.equal(JSON.parse(readFileSync(join(opts.cacheDir, 'results', 'lo-list-c1-eth0'), 'utf8')).result, result);

      await checkNetworkList(list, rt, opts);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'down']);
      try {
        await checkNetworkList(list, rt, opts);
        assert.unreachable('CHECK should fail with lo down');
      } catch (err) {
        assert.is((err as { code?: number }).code, 108);
      }
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);

      await statusNetworkList(list, opts);
      await gcNetworkList(list, [{ containerID: 'c1', ifname: 'eth0' }], opts);
      assert.equal((await listCachedAttachments(opts.cacheDir)).length, 1);

      await delNetworkList(list, rt, opts);
      assert.not.ok(isUp(ns));
      assert.equal(await listCachedAttachments(opts.cacheDir), []);
    });
  });
});

it('DEL through a conflist succeeds when the netns is already gone', async () => {
  await withTempDir(async (dir) => {
    const list = parseConfList(JSON.stringify({ cniVersion: '1.0.0', name: 'lo-list', plugins: [{ type: 'loopback' }] }));
    const opts = { cniPath: [BIN_DIR], cacheDir: join(dir, 'cache') };
    let path = '';
    await withNetns(1, async (ns) => {
      path = netnsPath(ns);
      await addNetworkList(list, { containerId: 'c2', netns: path, ifName: 'eth0' }, opts);
    });
    await delNetworkList(list, { containerId: 'c2', netns: path, ifName: 'eth0' }, opts);
    assert.equal(await listCachedAttachments(opts.cacheDir), []);
  });
});

runner.run();
