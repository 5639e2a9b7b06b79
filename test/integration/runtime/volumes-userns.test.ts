import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/sandbox';
import { withBerthVolumes } from '../../helpers/volumed';

const test = suite('volumes of containers in a private user namespace: copy-up keeps owners as the container sees them');
const it = isRoot ? test : test.skip;

/** The default range (userns.test.ts): inside ID N is host ID 100000 + N. */
const HOST_BASE = 100000;

const withVolumes = withBerthVolumes;

/** The image's /owned: a dir of app (1000), a file of 1000:2000, a file of root. */
function addOwnedTree(rootfs: string): void {
  const owned = join(rootfs, 'owned');
  mkdirSync(owned, { mode: 0o750 });
  writeFileSync(join(owned, 'secret'), 's\n', { mode: 0o640 });
  writeFileSync(join(owned, 'rootfile'), 'r\n');
  chownSync(owned, 1000, 1000);
  chownSync(join(owned, 'secret'), 1000, 2000);
  writeFileSync(join(owned, 'tool'), '', { mode: 0o755 });
  chownSync(join(owned, 'tool'), 0, 2000);
  chmodSync(join(owned, 'tool'), 0o2755); // after the chown, which would clear it
}

const ownersOnHost = (dir: string) =>
  ['.', 'secret', 'rootfile'].map((f) => `${lstatSync(join(dir, f)).uid}:${lstatSync(join(dir, f)).gid}`);
const INSIDE = '1000:1000 /owned\n1000:2000 /owned/secret\n0:0 /owned/rootfile\n';
const ON_HOST = [`${HOST_BASE + 1000}:${HOST_BASE + 1000}`, `${HOST_BASE + 1000}:${HOST_BASE + 2000}`, `${HOST_BASE}:${HOST_BASE}`];
const statOwned = ['stat', '-c', '%u:%g %n', '/owned', '/owned/secret', '/owned/rootfile'];

it('a named volume copied up at start: owners inside as in the image, the mapped host IDs on disk', async () => {
  await withVolumes(async (b, d) => {
    addOwnedTree(b.rootfs);
    const r = await b('run', '--rm', '--userns', 'private', '-v', 'named:/owned', '--rootfs', b.rootfs, ...statOwned);
    assert.equal([r.code, r.stdout], [0, INSIDE], r.stderr);
    assert.equal(ownersOnHost(join(d.root, 'named/_data')), ON_HOST);
    assert.is(statSync(join(d.root, 'named/_data/tool')).mode & 0o7777, 0o2755, 'the set-group-ID bit survives the new owner');
    assert.is(statSync(join(d.root, 'named/_data/tool')).gid, HOST_BASE + 2000);
    assert.is((await b('run', '--rm', '--userns', 'private', '-v', 'empty:/nothing/here', '--rootfs', b.rootfs, 'true')).code, 0);
    assert.is(statSync(join(d.root, 'empty/_data')).uid, HOST_BASE, "a volume with nothing to copy belongs to the container's root");
    const w = await b(
      'run',
      '--rm',
      '--userns',
      'private',
      '-u',
      '1000',
      '-v',
      'named:/owned',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'echo x >> /owned/secret && cat /owned/secret',
    );
    assert.equal([w.code, w.stdout], [0, 's\nx\n'], `the image's user writes its own file: ${w.stderr}`);
  });
});

it('an anonymous volume copied up at create (a data container): the same owners for --volumes-from', async () => {
  await withVolumes(async (b, d) => {
    addOwnedTree(b.rootfs);
    assert.is((await b('create', '--userns', 'private', '--name', 'data1', '-v', '/owned', '--rootfs', b.rootfs, 'true')).code, 0);
    const r = await b('run', '--rm', '--userns', 'private', '--volumes-from', 'data1', '--rootfs', b.rootfs, ...statOwned);
    assert.equal([r.code, r.stdout], [0, INSIDE], r.stderr);
    const name = JSON.parse((await b('inspect', 'data1')).stdout)[0].Mounts[0].Name as string;
    assert.equal(ownersOnHost(join(d.root, name, '_data')), ON_HOST);
  });
});

it('without --userns private the volume keeps the image IDs as they are', async () => {
  await withVolumes(async (b, d) => {
    addOwnedTree(b.rootfs);
    assert.is((await b('create', '--name', 'data2', '-v', '/owned', '--rootfs', b.rootfs, 'true')).code, 0);
    const name = JSON.parse((await b('inspect', 'data2')).stdout)[0].Mounts[0].Name as string;
    assert.equal(ownersOnHost(join(d.root, name, '_data')), ['1000:1000', '1000:2000', '0:0']);
  });
});

test.run();
