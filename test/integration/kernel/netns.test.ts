/**
 * kernel/netns.ts's namespace identity against the real kernel: the netns cookie and the inodes of
 * live namespaces, compared with what /proc and `ip netns` say, in throwaway namespaces.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { inNetnsSync, liveNetnsInodes, netnsCookie } from '../../../kernel/netns';
import { createNetns, deleteNetns, isRoot, netnsPath, uniqueName, withNetns } from '../../helpers/sandbox';

const it = isRoot ? test : test.skip;

it('netnsCookie() is one number per namespace, the same at every call, another in another namespace', async () => {
  await withNetns(2, async (a, b) => {
    const [ca, cb] = [inNetnsSync(netnsPath(a), netnsCookie), inNetnsSync(netnsPath(b), netnsCookie)];
    assert.ok(typeof ca === 'bigint');
    assert.is(inNetnsSync(netnsPath(a), netnsCookie), ca);
    assert.is.not(ca, cb);
    assert.is.not(netnsCookie(), ca, "this process's namespace has its own");
  });
});

it("netnsCookie() of a new namespace is new even when it gets a deleted one's inode", () => {
  const seen = new Map<number, bigint>();
  for (let i = 0; i < 3; i++) {
    const name = uniqueName('ck');
    try {
      createNetns(name);
      const inode = statSync(netnsPath(name)).ino;
      const cookie = inNetnsSync(netnsPath(name), netnsCookie)!;
      if (seen.has(inode)) assert.is.not(cookie, seen.get(inode), `inode ${inode} reused`);
      assert.not.ok([...seen.values()].includes(cookie));
      seen.set(inode, cookie);
    } finally {
      deleteNetns(name);
    }
  }
});

// Not asserted: that a deleted namespace's inode is absent (a parallel test may get it at once).
it("liveNetnsInodes() has this process's namespace and those only mounted, never a mount namespace's inode", async () => {
  await withNetns(1, async (a) => {
    const live = liveNetnsInodes()!;
    assert.ok(live.has(statSync('/proc/self/ns/net').ino));
    assert.ok(live.has(statSync(netnsPath(a)).ino), 'held only by its mount under /run/netns');
    assert.not.ok(live.has(statSync('/proc/self/ns/mnt').ino));
  });
});

test.run();
