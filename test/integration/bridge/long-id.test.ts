/** bridge + host-local with container IDs far past a file name's 255 bytes (the spec sets no limit). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cniEnv, ipJson, isRoot, linkOf, runPluginIn, uniqueName, withNetns, withTempDir } from '../../helpers/sandbox';

const longId = suite('bridge with long container IDs (built executables, real namespaces)');
const it = isRoot ? longId : longId.skip;

it('ADD and DEL (twice) of container IDs of 244, 300 and 10,000 characters leave nothing behind', () =>
  withTempDir(async (dataDir) => {
    await withNetns(4, async (host, ...containers) => {
      const conf = {
        cniVersion: '1.0.0',
        name: 'lid',
        type: 'bridge',
        bridge: uniqueName('br'),
        isGateway: true,
        ipMasq: true,
        firewallDir: join(dataDir, 'fw'),
        ipam: { type: 'host-local', dataDir, subnet: '10.251.0.0/24' },
      };
      const ids = [244, 300, 10_000].map((n) => 'c'.repeat(n - 1) + (n % 10));
      const env = (command: string, i: number) => cniEnv(command, ids[i], containers[i]);
      for (let i = 0; i < ids.length; i++) {
        const add = await runPluginIn(host, 'bridge', env('ADD', i), conf);
        assert.is(add.code, 0, add.stdout);
        assert.ok(linkOf(containers[i], 'eth0'), 'eth0 in the container');
        assert.is(linkOf(host, add.json.interfaces[1].name)?.master, conf.bridge);
      }
      for (let i = 0; i < ids.length; i++) {
        for (const del of [await runPluginIn(host, 'bridge', env('DEL', i), conf), await runPluginIn(host, 'bridge', env('DEL', i), conf)])
          assert.is(del.code, 0, del.stdout);
        assert.not.ok(linkOf(containers[i], 'eth0'), 'eth0 gone');
      }
      assert.equal(ipJson(host, ['link', 'show', 'master', conf.bridge]), []);
      const net = join(dataDir, 'lid');
      assert.equal(existsSync(net) ? readdirSync(net).filter((f) => /^\d/.test(f)) : [], []);
    });
  }));

longId.run();
