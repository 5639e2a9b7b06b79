/**
 * `berth image load` of real archives (docker save, skopeo's OCI archive and gzip'ed OCI layout):
 * the store agrees with docker on IDs, diff IDs, config and size; layers hold overlayfs's
 * whiteouts, read back with stat and getfattr; the kernel's own overlay of them is the image's
 * tree; shared layers are unpacked once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { buildImages, type TestImages } from '../../helpers/images';
import { ensurePackages, isRoot, run, withTempDir } from '../../helpers/sandbox';
import { berth, berthBin, berthOk, identity, shell, storeContents } from './util';

const test = suite('berth image load');
const it = isRoot ? test : test.skip;
let images: TestImages;

test.before(async () => {
  if (!isRoot) return;
  ensurePackages('attr', 'gzip');
  images = await buildImages();
});

const inspect = async (root: string, ref: string) => JSON.parse(await berthOk(root, ['image', 'inspect', ref]))[0];
const unpacked = (stderr: string) => [...stderr.matchAll(/unpacked layer (sha256:[0-9a-f]{64})/g)].map((m) => m[1]);
const DEBUG = { env: { BERTH_DEBUG: '1' } };

it("loads docker save archives with docker's IDs, diff IDs, config and size", async () => {
  await withTempDir(async (root) => {
    assert.is(await berthOk(root, ['image', 'load', '-i', images.imported]), 'Loaded image: berth-test/busybox:latest\n');
    assert.is(await berthOk(root, ['image', 'load', '-i', images.app]), 'Loaded image: berth-test/app:1.0\n');
    for (const [ref, facts] of [
      ['berth-test/busybox', images.docker.imported],
      ['berth-test/app:1.0', images.docker.app],
    ] as const) {
      const img = await inspect(root, ref);
      assert.is(img.Id, facts.id, ref);
      assert.equal(img.RootFS, { Type: 'layers', Layers: facts.diffIds }, ref);
      assert.equal(img.Config, facts.config, ref);
      assert.is(img.Size, facts.size, ref);
    }
    const app = await inspect(root, 'berth-test/app:1.0');
    assert.equal(
      [app.Config.User, app.Config.WorkingDir, app.Config.StopSignal, app.Config.Entrypoint],
      ['app', '/data', 'SIGUSR1', ['/bin/sh', '-c']],
    );
    assert.equal(storeContents(root).tmp, [], 'no staging left');
  });
});

it('unpacks layers in overlayfs form: whiteouts, opaque dirs, links, modes, owners, devices', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const [, added, removed] = images.docker.app.diffIds.map((d) => join(root, 'layers', d.slice(7), 'diff'));
    const stat = async (format: string, path: string) => (await run('stat', ['-c', format, path])).stdout.trim();
    assert.is(
      await stat('%F %t:%T %u:%g', join(removed, 'gone.txt')),
      'character special file 0:0 0:0',
      'a removed file is a 0/0 char device',
    );
    const opaque = await run('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(removed, 'data')]);
    assert.is(opaque.stdout, 'y', 'a re-made dir is opaque');
    assert.is(await stat('%i', join(added, 'keep')), await stat('%i', join(added, 'keep.hard')), 'a hard link shares the inode');
    assert.is(await stat('%a %u:%g', join(added, 'keep')), '4711 0:0', 'setuid kept');
    assert.is(await stat('%a %u:%g', join(added, 'owned')), '755 1000:1000', 'owner kept');
    assert.is(await stat('%F %t:%T', join(added, 'null2')), 'character special file 1:3', 'device node kept');
    assert.is((await run('readlink', [join(added, 'keep.soft')])).stdout.trim(), 'keep');
    assert.is(await stat('%a', join(root, 'layers')), '700', 'the layers are reachable by root only');
  });
});

it("an overlay of the layers, mounted by the kernel, is the image's tree", async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const img = await inspect(root, 'berth-test/app:1.0');
    const lower = img.GraphDriver.Data.LowerDir as string;
    // A private mount namespace: the mount vanishes with the shell, nothing to clean up.
    const r = await run('unshare', [
      '-m',
      'sh',
      '-c',
      `mkdir -p ${root}/mnt && mount -t overlay overlay -o lowerdir=${lower} ${root}/mnt && cd ${root}/mnt && ls data && cat keep && ls gone.txt 2>&1; cat etc/passwd | tail -1`,
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^b\nc\nchanged\n.*No such file or directory\napp:x:1000:1000:app:\/home\/app:\/bin\/sh\n$/s);
  });
});

it('a second image unpacks only its new layer; a reload unpacks nothing', async () => {
  await withTempDir(async (root) => {
    const first = unpacked((await berth(root, ['image', 'load', '-i', images.app], DEBUG)).stderr);
    assert.equal(
      first,
      images.docker.app.diffIds.filter((d, i, all) => all.indexOf(d) === i),
    );
    const before = images.docker.app.diffIds.map((d) => identity(join(root, 'layers', d.slice(7), 'diff')));
    const second = await berth(root, ['image', 'load', '-i', images.child], DEBUG);
    assert.is(second.code, 0, second.stderr);
    assert.equal(unpacked(second.stderr), [images.docker.child.diffIds[images.docker.child.diffIds.length - 1]]);
    assert.equal(
      images.docker.app.diffIds.map((d) => identity(join(root, 'layers', d.slice(7), 'diff'))),
      before,
      'shared layers untouched',
    );
    const again = await berth(root, ['image', 'load', '-i', images.app], DEBUG);
    assert.equal([again.code, unpacked(again.stderr)], [0, []]);
    assert.is(storeContents(root).layers.length, new Set(images.docker.child.diffIds).size);
  });
});

it("loads an OCI archive and a gzip'ed OCI layout with the same layers", async () => {
  for (const source of [images.appOciArchive, images.appOciLayout]) {
    await withTempDir(async (root) => {
      const r = await berth(root, ['image', 'load', '-i', source], DEBUG);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout, 'Loaded image: berth-test/app:1.0\n');
      if (source === images.appOciLayout) assert.match(r.stderr, /gzip\)/, "the layout's layers are gzip'ed");
      const img = await inspect(root, 'berth-test/app:1.0');
      assert.equal(img.RootFS.Layers, images.docker.app.diffIds);
      assert.equal(img.Config.Entrypoint, ['/bin/sh', '-c']);
    });
  }
});

it("loads from stdin, plain and gzip'ed, as docker load does", async () => {
  await withTempDir(async (root) => {
    const plain = await shell(`${berthBin()} --root=${root} image load < ${images.imported}`);
    assert.equal([plain.code, plain.stdout, plain.stderr], [0, 'Loaded image: berth-test/busybox:latest\n', '']);
    const gz = await shell(`gzip -c ${images.app} | ${berthBin()} --root=${root} image load`);
    assert.equal([gz.code, gz.stdout, gz.stderr], [0, 'Loaded image: berth-test/app:1.0\n', '']);
    assert.equal(storeContents(root).tmp, []);
  });
});

test.run();
