/**
 * The supervisor's part of a network's removal (runtime/shim/link-delete.c delete_netns_veths): at
 * the container's last exit it deletes the veths of the netns file it made, whatever the CNI DEL
 * does. Checked with a plugin that makes a veth and never deletes it, while the test holds the
 * namespace open (so its end cannot be what removes the pair), inside a throwaway host netns.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, withBerth } from '../../helpers/berth';
import { ipJson, isRoot, withNetns, withTempDir } from '../../helpers/sandbox';
import { ipProgram } from '../../../kernel/link-delete';

const test = suite('berth: the supervisor deletes its netns veths at the last exit');
const it = isRoot ? test : test.skip;

/** A CNI plugin that puts a veth pair (host end `keepv0`) into the netns on ADD and leaves it on DEL. */
const KEEPING_PLUGIN = (ip: string) => `#!/bin/sh
cat >/dev/null
case "$CNI_COMMAND" in
VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' ;;
ADD)
  ${ip} link add keepv0 type veth peer name "$CNI_IFNAME" netns "$CNI_NETNS" || exit 1
  echo '{"cniVersion":"1.0.0","interfaces":[{"name":"keepv0"},{"name":"'"$CNI_IFNAME"'","sandbox":"'"$CNI_NETNS"'"}],"ips":[]}' ;;
esac
`;

const linksNamed = (host: string, name: string) => ipJson(host, ['link', 'show']).filter((l) => l.ifname === name);

it('a veth the CNI DEL leaves is gone after stop, though the namespace lives on', async () => {
  await withTempDir(async (plugins) => {
    writeFileSync(join(plugins, 'keepveth'), KEEPING_PLUGIN(ipProgram()!));
    chmodSync(join(plugins, 'keepveth'), 0o755);
    await withNetns(1, (host) =>
      withBerth(
        async (b) => {
          mkdirSync(b.cniConfigDir, { recursive: true });
          writeFileSync(
            join(b.cniConfigDir, 'keep.conflist'),
            JSON.stringify({ cniVersion: '1.0.0', name: 'keep', plugins: [{ type: 'keepveth' }] }),
          );
          const id = (await ok(b('run', '-d', '--network', 'keep', '--rootfs', b.rootfs, 'sleep', '1000'))).trim();
          assert.is(linksNamed(host, 'keepv0').length, 1);
          // Held open here, the namespace outlives the netns file: only a delete removes the pair.
          const held = openSync(join(b.stateDir, 'netns', id), 'r');
          try {
            await ok(b('stop', '-t', '0', id));
            // The supervisor deletes after it reports the exit: wait for it to end.
            for (let i = 0; i < 500 && linksNamed(host, 'keepv0').length > 0; i++) await new Promise((r) => setTimeout(r, 10));
            assert.equal(linksNamed(host, 'keepv0'), []);
          } finally {
            closeSync(held);
          }
        },
        { hostNetns: host, globals: ['--cni-path', plugins] },
      ),
    );
  });
});

test.run();
