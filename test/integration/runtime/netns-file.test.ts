/**
 * A container's netns file (runtime/network/netns-file.ts): its mount point made here, removed by
 * umount2 in this process (kernel/unmount.ts). Read back from /proc/self/mountinfo and with
 * nsenter + ip, in a temp dir; nothing is left mounted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unmountDetached } from '../../../kernel/unmount';
import { makeMountPoint, removeNetnsFile } from '../../../runtime/network/netns-file';
import { isRoot, sh, withTempDir } from '../../helpers/sandbox';

const netnsFile = suite('runtime/network/netns-file.ts (real kernel)');
const it = isRoot ? netnsFile : netnsFile.skip;

const mountedAt = (path: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);

it("a namespace bound on makeMountPoint()'s file; removeNetnsFile() unmounts and removes it, twice", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'netns', 'c1');
    makeMountPoint(file);
    // What the supervisor's --make-netns does (runtime/shim/netns.c), here through util-linux.
    sh('unshare', [`--net=${file}`, 'true']);
    try {
      assert.ok(mountedAt(file));
      const host = Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))![1]);
      assert.is.not(statSync(file).ino, host); // a namespace of its own
      const links = JSON.parse(sh('nsenter', [`--net=${file}`, 'ip', '-j', 'link', 'show'])) as Array<{ ifname: string }>;
      assert.equal(
        links.map((l) => l.ifname),
        ['lo'],
      );
    } finally {
      await removeNetnsFile(file);
    }
    assert.not.ok(mountedAt(file));
    assert.not.ok(existsSync(file));
    await removeNetnsFile(file); // gone already is fine
  });
});

it('unmountDetached() detaches a mount; false for a path with no mount and for a missing one', async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, 'mnt');
    mkdirSync(target);
    sh('mount', ['-t', 'tmpfs', 'none', target]);
    assert.ok(mountedAt(target));
    assert.is(unmountDetached(target), true);
    assert.not.ok(mountedAt(target));
    assert.is(unmountDetached(target), false);
    assert.is(unmountDetached(join(dir, 'missing')), false);
  });
});

netnsFile.run();
