/**
 * `berth image import|ls|inspect|tag|rm`, `berth images`, `berth rmi`: output as docker prints it,
 * the store read back, and rm's rules (untag first, shared layers stay, refused while a container
 * names the image).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImages, HISTORY_FORMAT, type TestImages } from '../../helpers/images';
import { isRoot, withTempDir } from '../../helpers/sandbox';
import { berth, berthBin, berthOk, shell, storeContents } from './util';

const test = suite('berth image commands');
const it = isRoot ? test : test.skip;
let images: TestImages;

test.before(async () => {
  if (isRoot) images = await buildImages();
});

const inspect = async (root: string, ref: string) => JSON.parse(await berthOk(root, ['image', 'inspect', ref]))[0];
const hex = (id: string) => id.slice(7);

it("image import makes a one-layer image whose diff ID is docker import's", async () => {
  await withTempDir(async (root) => {
    const id = (await berthOk(root, ['image', 'import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV A=1', images.rootfsTar, 'bb:1'])).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const img = await inspect(root, 'bb:1');
    assert.is(img.Id, id);
    assert.equal(img.RootFS.Layers, images.docker.imported.diffIds);
    assert.equal([img.Config.Cmd, img.Config.Env, img.Architecture, img.Os], [['/bin/sh'], ['A=1'], 'amd64', 'linux']);
    assert.is(img.Size, images.docker.imported.size, 'size counted as docker counts it');
    // From stdin, untagged: the layer is the same one, so the store still holds one layer.
    const piped = await shell(`${berthBin()} --root=${root} image import - < ${images.rootfsTar}`);
    assert.is(piped.code, 0, piped.stderr);
    assert.is(storeContents(root).layers.length, 1);
    assert.match(await berthOk(root, ['images']), new RegExp(`<none>\\s+<none>\\s+${hex(piped.stdout.trim()).slice(0, 12)}\\s`));
  });
});

it("image ls and images print docker's table, -q, --no-trunc, --format json and a filter", async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.imported]);
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const short = (id: string) => hex(id).slice(0, 12);
    const table = await berthOk(root, ['images']);
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0], /^REPOSITORY {11}TAG {7}IMAGE ID {7}CREATED +SIZE$/);
    assert.match(table, new RegExp(`berth-test/app {7}1\\.0 {7}${short(images.docker.app.id)}   \\S.* ago +1\\.98MB\\n`));
    const columns = (text: string) =>
      text.split('\n').map((l) =>
        l
          .split(/\s{3,}/)
          .slice(0, 3)
          .join('|'),
      );
    assert.equal(columns(await berthOk(root, ['image', 'ls'])), columns(table), 'image ls is images');
    assert.equal(
      (await berthOk(root, ['images', '-q'])).trim().split('\n').sort(),
      [short(images.docker.app.id), short(images.docker.imported.id)].sort(),
    );
    assert.match(await berthOk(root, ['images', '--no-trunc']), new RegExp(images.docker.app.id));
    // --digests: docker's DIGEST column after TAG; a loaded image has no registry digest
    const digests = await berthOk(root, ['images', '--digests', 'berth-test/app']);
    assert.match(digests, /^REPOSITORY {7}TAG {7}DIGEST {4}IMAGE ID {7}CREATED +SIZE\n/);
    assert.match(digests, new RegExp(`\nberth-test/app   1\\.0       <none>    ${short(images.docker.app.id)}   `));
    const json = (await berthOk(root, ['images', '--format', 'json']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(json.map((j) => `${j.Repository}:${j.Tag}`).sort(), ['berth-test/app:1.0', 'berth-test/busybox:latest']);
    assert.equal((await berthOk(root, ['images', '-q', 'berth-test/app'])).trim(), short(images.docker.app.id));
    assert.equal((await berthOk(root, ['images', '-q', 'berth-test/*:latest'])).trim(), short(images.docker.imported.id));
    // docker's --filter: dangling, reference (alternatives), label; another key or value is refused.
    const untagged = (await berthOk(root, ['import', '-c', 'LABEL team=a', images.rootfsTar])).trim();
    assert.is((await berthOk(root, ['images', '-q', '-f', 'dangling=true'])).trim(), short(untagged));
    assert.equal((await berthOk(root, ['images', '-q', '--filter', 'dangling=false'])).trim().split('\n').length, 2);
    assert.is((await berthOk(root, ['images', '-q', '-f', 'label=team=a'])).trim(), short(untagged));
    assert.is(await berthOk(root, ['images', '-q', '-f', 'label=team=b']), '');
    assert.equal(
      (await berthOk(root, ['images', '-q', '-f', 'reference=berth-test/app', '-f', 'reference=*/busybox'])).trim().split('\n').sort(),
      [short(images.docker.app.id), short(images.docker.imported.id)].sort(),
    );
    const bad = await berth(root, ['images', '-f', 'dangling=maybe']);
    assert.equal([bad.code, bad.stderr], [1, "berth: Invalid filter 'dangling=[maybe]'\n"]);
    assert.equal((await berth(root, ['images', '-f', 'size=1'])).stderr, "berth: Invalid filter 'size'\n");
  });
});

it("history and image history: docker's entries, sizes and table, newest first; <missing> below the image, as for a loaded one", async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const ref = 'berth-test/app:1.0';
    // dockerd's own answer (trimmed: the last entry's empty COMMENT leaves a tab dockerOk trims)
    const mine = await berthOk(root, ['history', '-H=false', '--no-trunc', '--format', HISTORY_FORMAT, ref]);
    assert.is(mine.trim(), images.docker.app.history);
    assert.ok(mine.trim().split('\n').length >= 5, mine);
    const table = (await berthOk(root, ['image', 'history', ref])).split('\n');
    assert.match(table[0], /^IMAGE {10}CREATED {8,}CREATED BY {4,}SIZE {6}COMMENT$/);
    assert.ok(table[1].startsWith(`${hex(images.docker.app.id).slice(0, 12)}   `), table[1]);
    assert.ok(
      table.slice(2, -1).every((l) => l.startsWith('<missing>      ')),
      table.join('\n'),
    );
    // CREATED BY cut at 45 characters with an ellipsis, as the docker CLI
    assert.ok(table.slice(1, -1).every((l) => [...l.split(/ {3,}/)[2]].length <= 45));
    assert.match(table.join('\n'), /…/);
    const quiet = (await berthOk(root, ['history', '-q', '--no-trunc', ref])).trim().split('\n');
    assert.equal(quiet.slice(0, 2), [images.docker.app.id, '<missing>']);
    const missing = await berth(root, ['history', 'nosuch:1']);
    assert.equal([missing.code, missing.stderr], [1, 'Error: No such image: nosuch:1\n']);
  });
});

it("save and image save write a docker-save archive whose layer tars are docker's, byte for byte", async () => {
  await withTempDir(async (dir) => {
    const root = join(dir, 'root'),
      again = join(dir, 'again');
    await berthOk(root, ['image', 'load', '-i', images.child]);
    await berthOk(root, ['import', images.rootfsTar, 'imported:1']);
    const out = join(dir, 'saved.tar');
    await berthOk(root, ['save', '-o', out, 'berth-test/child:1.0', 'imported:1']);
    // Every layer tar is the one docker saved (its diff ID is the sha256 of those bytes).
    const unpack = (tar: string, to: string) => {
      mkdirSync(to);
      execFileSync('tar', ['-xf', tar, '-C', to]);
      return to;
    };
    const layerHashes = (at: string) =>
      readdirSync(at, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map(
          (e) =>
            `sha256:${createHash('sha256')
              .update(readFileSync(join(at, e.name, 'layer.tar')))
              .digest('hex')}`,
        )
        .sort();
    const ours = unpack(out, join(dir, 'ours')),
      docker = unpack(images.child, join(dir, 'docker'));
    assert.equal(layerHashes(ours), [...new Set([...layerHashes(docker), ...images.docker.imported.diffIds])].sort());
    const manifest = JSON.parse(readFileSync(join(ours, 'manifest.json'), 'utf8'));
    assert.equal(
      manifest.map((m: { RepoTags: string[] }) => m.RepoTags),
      [['berth-test/child:1.0'], ['imported:1']],
    );
    // Loaded again, the images keep their IDs; from stdout too (`image save`, through a pipe).
    await berthOk(again, ['load', '-i', out]);
    assert.equal((await inspect(again, 'berth-test/child:1.0')).Id, images.docker.child.id);
    const piped = await shell(
      `${berthBin()} --root=${root} image save berth-test/child:1.0 | ${berthBin()} --root=${join(dir, 'piped')} load`,
    );
    assert.equal([piped.code, piped.stdout], [0, 'Loaded image: berth-test/child:1.0\n'], piped.stderr);
    // A layer stored without its tar-split (by an older berth) is refused, and no file is left.
    rmSync(join(root, 'layers', hex(images.docker.child.diffIds[0]), 'tar-split.gz'));
    const refused = await berth(root, ['save', '-o', join(dir, 'refused.tar'), 'berth-test/child:1.0']);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /was stored without what rebuilds its tar/);
    assert.equal(readdirSync(dir).sort(), ['again', 'docker', 'ours', 'piped', 'root', 'saved.tar']);
    const none = await berth(root, ['save', 'nosuch:1']);
    assert.equal([none.code, none.stderr], [1, 'Error: No such image: nosuch:1\n']);
  });
});

it('image inspect resolves names, full IDs and ID prefixes; unknown names fail as docker', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const id = images.docker.app.id;
    for (const ref of ['berth-test/app:1.0', 'docker.io/berth-test/app:1.0', id, hex(id), hex(id).slice(0, 5)])
      assert.is((await inspect(root, ref)).Id, id, ref);
    const img = await inspect(root, id);
    assert.equal(Object.keys(img), [
      'Id',
      'RepoTags',
      'RepoDigests',
      'Parent',
      'Comment',
      'Created',
      'Container',
      'ContainerConfig',
      'DockerVersion',
      'Author',
      'Config',
      'Architecture',
      'Os',
      'Size',
      'VirtualSize',
      'GraphDriver',
      'RootFS',
      'Metadata',
    ]);
    const missing = await berth(root, ['image', 'inspect', 'berth-test/app']);
    assert.equal([missing.code, missing.stdout, missing.stderr], [1, '[]\n', 'Error: No such image: berth-test/app\n']);
    const bad = await berth(root, ['image', 'tag', 'berth-test/app:1.0', 'Bad:Name']);
    assert.equal([bad.code, bad.stderr], [1, 'berth: invalid reference format: repository name must be lowercase\n']);
  });
});

it('image tag adds a name; rm of one of several tags only untags', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    await berthOk(root, ['image', 'tag', 'berth-test/app:1.0', 'localhost:5000/copy']);
    assert.equal((await inspect(root, 'localhost:5000/copy:latest')).RepoTags, ['berth-test/app:1.0', 'localhost:5000/copy:latest']);
    assert.is(await berthOk(root, ['image', 'rm', 'localhost:5000/copy']), 'Untagged: localhost:5000/copy:latest\n');
    assert.equal(storeContents(root).images, [hex(images.docker.app.id)]);
  });
});

it("berth tag, load and import are docker's top-level names for berth image tag, load and import", async () => {
  await withTempDir(async (root) => {
    assert.is(await berthOk(root, ['load', '-i', images.app]), 'Loaded image: berth-test/app:1.0\n');
    assert.is(
      (await berth(root, ['load', '-i', join(root, 'nosuch.tar')])).stderr,
      `berth: open ${join(root, 'nosuch.tar')}: no such file or directory\n`,
    );
    await berthOk(root, ['tag', 'berth-test/app:1.0', 'copy:2']);
    assert.equal((await inspect(root, 'copy:2')).RepoTags, ['berth-test/app:1.0', 'copy:2']);
    const id = (await berthOk(root, ['import', images.rootfsTar, 'bb:1'])).trim();
    assert.equal((await inspect(root, 'bb:1')).RootFS.Layers, images.docker.imported.diffIds);
    assert.is((await inspect(root, 'bb:1')).Id, id);
    const missing = await berth(root, ['tag', 'nosuch', 'x']);
    assert.equal([missing.code, missing.stderr], [1, 'Error: No such image: nosuch\n']);
  });
});

it('a load that moves a tag away from another image says so, and the old image stays untagged', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const out = await berthOk(root, ['image', 'load', '-i', images.appOciArchive]);
    const moved = await inspect(root, 'berth-test/app:1.0');
    assert.is(
      out,
      `The image berth-test/app:1.0 already exists, renaming the old one with ID ${images.docker.app.id} to empty string\nLoaded image: berth-test/app:1.0\n`,
    );
    assert.is.not(moved.Id, images.docker.app.id, 'skopeo rewrote the config in OCI form: another ID');
    assert.equal((await inspect(root, images.docker.app.id)).RepoTags, []);
    assert.is(storeContents(root).layers.length, new Set(images.docker.app.diffIds).size, 'the same layers, unpacked once');
  });
});

it('image rm deletes the image and only the layers no other image uses', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    await berthOk(root, ['image', 'load', '-i', images.child]);
    const childOnly = images.docker.child.diffIds.filter((d) => !images.docker.app.diffIds.includes(d));
    const out = await berthOk(root, ['rmi', 'berth-test/child:1.0']);
    assert.is(
      out,
      ['Untagged: berth-test/child:1.0', `Deleted: ${images.docker.child.id}`, ...childOnly.map((d) => `Deleted: ${d}`)].join('\n') + '\n',
    );
    assert.equal(storeContents(root).layers, [...new Set(images.docker.app.diffIds.map(hex))].sort());
    await berthOk(root, ['image', 'rm', images.docker.app.id]);
    assert.equal(storeContents(root), { layers: [], images: [], tags: {}, tmp: [] });
  });
});

it('image prune removes dangling images, -a every image no container names; it asks without -f', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    await berthOk(root, ['image', 'load', '-i', images.imported]);
    const ctr = 'c'.repeat(64);
    mkdirSync(join(root, 'containers', ctr), { recursive: true });
    writeFileSync(join(root, 'containers', ctr, 'config.json'), JSON.stringify({ Id: ctr, Name: 'web', Image: images.docker.app.id }));
    const untagged = (await berthOk(root, ['import', '-c', 'LABEL x=1', images.rootfsTar])).trim();
    const asked = await shell(`echo n | ${berthBin()} --root=${root} image prune`);
    assert.equal(
      [asked.code, asked.stdout],
      [0, 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] '],
    );
    assert.is(storeContents(root).images.length, 3, 'no answer, nothing removed');
    // The untagged image shares its only layer with the busybox image: no layer goes, 0B reclaimed.
    assert.is(await berthOk(root, ['image', 'prune', '-f']), `Deleted Images:\ndeleted: ${untagged}\n\nTotal reclaimed space: 0B\n`);
    const all = await berthOk(root, ['image', 'prune', '-a', '-f']);
    assert.match(all, /^Deleted Images:\nuntagged: berth-test\/busybox:latest\ndeleted: sha256:[0-9a-f]{64}\n/);
    assert.match(all, /\nTotal reclaimed space: \d/);
    assert.equal(storeContents(root).images, [hex(images.docker.app.id)], 'the image a container names stays');
    assert.is(await berthOk(root, ['image', 'prune', '-a', '-f']), 'Total reclaimed space: 0B\n');
  });
});

it('image rm is refused while a container names the image; -f untags but keeps it', async () => {
  await withTempDir(async (root) => {
    await berthOk(root, ['image', 'load', '-i', images.app]);
    const ctr = 'c'.repeat(64);
    mkdirSync(join(root, 'containers', ctr), { recursive: true });
    writeFileSync(
      join(root, 'containers', ctr, 'config.json'),
      JSON.stringify({ Id: ctr, Name: 'web', Image: images.docker.app.id, Created: new Date().toISOString() }),
    );
    const byName = await berth(root, ['image', 'rm', 'berth-test/app:1.0']);
    assert.equal(
      [byName.code, byName.stderr],
      [
        1,
        `berth: conflict: unable to remove repository reference "berth-test/app:1.0" (must force) - container cccccccccccc is using its referenced image ${hex(images.docker.app.id).slice(0, 12)}\n`,
      ],
    );
    const byId = await berth(root, ['image', 'rm', hex(images.docker.app.id).slice(0, 12)]);
    assert.match(byId.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is being used by container cccccccccccc/);
    assert.is(await berthOk(root, ['image', 'rm', '-f', 'berth-test/app:1.0']), 'Untagged: berth-test/app:1.0\n');
    const left = storeContents(root);
    assert.equal(
      [left.images, left.layers.length > 0],
      [[hex(images.docker.app.id)], true],
      'the image and its layers stay for the container',
    );
    assert.ok(existsSync(join(root, 'containers', ctr, 'config.json')));
  });
});

test.run();
