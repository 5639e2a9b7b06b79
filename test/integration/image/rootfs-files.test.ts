/**
 * readImageFile() and resolveImageUser() on a real image's layers: overlayfs's rules (whiteouts,
 * opaque dirs) without a mount, symlinks kept inside the image.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImages, type TestImages } from '../../helpers/images';
import { isRoot, withTempDir } from '../../helpers/sandbox';
import { readImageFile, resolveImageUser } from '../../../image/rootfs-files';
import { openImageStore } from '../../../image/store';
import { berthOk } from './util';

const test = suite('image files read from the layers');
const it = isRoot ? test : test.skip;
let images: TestImages;

test.before(async () => {
  if (isRoot) images = await buildImages();
});

it('reads through whiteouts, opaque dirs and symlinks as overlayfs merges them', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.child]);
    const { layerDirs } = await openImageStore(root).resolve('berth-test/child:1.0');
    assert.match(readImageFile(layerDirs, '/etc/passwd')!, /^app:x:1000:1000:app:\/home\/app:\/bin\/sh$/m, "the upper layer's passwd");
    assert.is(readImageFile(layerDirs, '/gone.txt'), undefined, 'a whiteout hides the file');
    assert.is(readImageFile(layerDirs, '/data/sub/a'), undefined, 'an opaque dir hides the layers below');
    assert.is(readImageFile(layerDirs, '/data/b'), undefined, 'the child removed it');
    assert.is(readImageFile(layerDirs, '/data/c'), 'three\n');
    assert.is(readImageFile(layerDirs, '/keep.soft'), 'changed\n', 'a relative symlink');
    assert.is(readImageFile(layerDirs, 'child.txt'), 'child\n');
    assert.equal(resolveImageUser(layerDirs, 'app'), { uid: 1000, gid: 1000, additionalGids: [2000], home: '/home/app' });
    assert.equal(resolveImageUser(layerDirs, undefined), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  });
});

it('an absolute symlink resolves inside the image, not on the host', async () => {
  await withTempDir(async (dir) => {
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc/real-passwd'), 'u:x:7:8::/h:/bin/sh\n');
    symlinkSync('/etc/real-passwd', join(dir, 'etc/passwd'));
    symlinkSync('../../../../../../etc/hostname', join(dir, 'escape'));
    assert.is(readImageFile([dir], '/etc/passwd'), 'u:x:7:8::/h:/bin/sh\n');
    assert.is(readImageFile([dir], '/escape'), undefined, "the host's /etc/hostname stays out of reach");
    assert.equal(resolveImageUser([dir], 'u'), { uid: 7, gid: 8, additionalGids: [], home: '/h' });
  });
});

it('a FIFO or a device is not read: undefined, as if missing (reading one would block)', async () => {
  await withTempDir(async (dir) => {
    mkdirSync(join(dir, 'etc'));
    execFileSync('mkfifo', [join(dir, 'etc/group')]);
    symlinkSync('/dev/zero', join(dir, 'etc/passwd'));
    execFileSync('mknod', [join(dir, 'etc/zero'), 'c', '1', '5']);
    assert.is(readImageFile([dir], '/etc/group'), undefined);
    assert.is(readImageFile([dir], '/etc/passwd'), undefined, 'the link to /dev/zero stays in the image, which has none');
    assert.is(readImageFile([dir], '/etc/zero'), undefined);
  });
});

test.run();
