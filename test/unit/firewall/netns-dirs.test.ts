import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deadNetnsDirs, netnsDirName, parseNetnsDirName } from '../../../firewall/netns-dirs';
import { nsfsMountsOf } from '../../../kernel/netns';

test('netnsDirName() and parseNetnsDirName() round-trip; other names are not namespaces', () => {
  assert.is(netnsDirName({ inode: 4026532173, cookie: 4100n }), 'netns:4026532173:4100');
  assert.is(netnsDirName({ inode: 4026532173 }), 'netns-4026532173');
  assert.equal(parseNetnsDirName('netns:4026532173:4100'), { inode: 4026532173, cookie: 4100n });
  assert.equal(parseNetnsDirName('netns-4026532173'), { inode: 4026532173 });
  for (const name of ['web', '.lock', 'netns-', 'netns:1', 'netns:1:x', 'netns-12a']) assert.is(parseNetnsDirName(name), undefined, name);
});

const self = { inode: 7, cookie: 42n };
const NAMES = ['.lock', 'web', 'netns:7:42', 'netns:7:3', 'netns-7', 'netns:8:5', 'netns-9'];

test('deadNetnsDirs() without the live list: only the earlier namespaces of its own inode', () => {
  assert.equal(deadNetnsDirs(NAMES, self), ['netns:7:3', 'netns-7']);
});

test('deadNetnsDirs() with the live list: also those whose inode no namespace has', () => {
  assert.equal(deadNetnsDirs(NAMES, self, new Set([7, 8])), ['netns:7:3', 'netns-7', 'netns-9']);
  assert.equal(deadNetnsDirs(NAMES, self, new Set([7])), ['netns:7:3', 'netns-7', 'netns:8:5', 'netns-9']);
});

test('deadNetnsDirs() on a kernel without cookies: its own old-style name is kept', () => {
  assert.equal(deadNetnsDirs(['netns-7', 'netns-9'], { inode: 7 }, new Set([7, 9])), []);
});

test('nsfsMountsOf() lists the network namespaces mounted, nothing else', () => {
  const text = [
    '45 44 0:4 net:[4026532173] /run/netns/a rw shared:2 - nsfs nsfs rw',
    '46 44 0:4 mnt:[4026532200] /run/x rw - nsfs nsfs rw',
    '22 1 0:21 / /proc rw,nosuid - proc proc rw',
    '47 44 0:50 net:[1] /tmp/y rw - tmpfs tmpfs rw',
  ].join('\n');
  assert.equal(nsfsMountsOf(text), [4026532173]);
});

test.run();
