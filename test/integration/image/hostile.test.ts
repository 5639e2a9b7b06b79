/**
 * Hostile and broken archives, made by hand: each is refused with a clear error, writes nothing
 * outside the store, and leaves nothing inside it (no image, no layer, no tag, no staging dir).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, withTempDir } from '../../helpers/sandbox';
import { dockerArchive, makeTar, sha256, type Entry } from '../../helpers/tar-writer';
import { berth, berthOk, storeContents } from './util';

const test = suite('berth image load and import refuse hostile and broken archives');
const it = isRoot ? test : test.skip;

const good = makeTar([
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hostname', data: 'fine\n' },
]);

/** Each case gets the path of a dir outside the store that must stay empty. */
const layerCases: Array<[string, (outside: string) => Entry[], RegExp]> = [
  ['an absolute path', (o) => [{ name: `${o}/abs`, data: 'x' }], /refusing tar entry ".*\/abs": absolute path/],
  [
    'a ".." path',
    (o) => [{ name: `../../../../../../../..${o}/dotdot`, data: 'x' }],
    /refusing tar entry ".*dotdot": the path contains "\.\."/,
  ],
  [
    'a write through an absolute symlink',
    (o) => [
      { name: 'link', type: 'symlink', linkname: o },
      { name: 'link/evil', data: 'x' },
    ],
    /refusing tar entry "link\/evil": it goes through the symbolic link "\/link"/,
  ],
  [
    'a write through a relative symlink',
    (o) => [
      { name: 'up', type: 'symlink', linkname: '../../../../../../../..' },
      { name: `up${o}/evil`, data: 'x' },
    ],
    /it goes through the symbolic link "\/up"/,
  ],
  [
    'a symlink that replaces a directory, then a write through it',
    (o) => [
      { name: 'd/', type: 'dir' },
      { name: 'd', type: 'symlink', linkname: o },
      { name: 'd/evil', data: 'x' },
    ],
    /it goes through the symbolic link "\/d"/,
  ],
  [
    'a hard link to a file outside by ".."',
    () => [{ name: 'h', type: 'link', linkname: '../../../../../../../../etc/passwd' }],
    /the path contains "\.\."/,
  ],
  ['a hard link to an absolute path', () => [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], /absolute path/],
  [
    'a hard link through a symlink',
    () => [
      { name: 's', type: 'symlink', linkname: '/etc' },
      { name: 'h', type: 'link', linkname: 's/passwd' },
    ],
    /refusing tar entry "h": it goes through the symbolic link "\/s"/,
  ],
  [
    'a whiteout of ".."',
    () => [
      { name: 'a/', type: 'dir' },
      { name: 'a/.wh...', data: '' },
    ],
    /a whiteout must name a file/,
  ],
  [
    'a whiteout through a symlink',
    (o) => [
      { name: 'l', type: 'symlink', linkname: o },
      { name: 'l/.wh.victim', data: '' },
    ],
    /through the symbolic link "\/l"/,
  ],
];

function assertNothingLeft(root: string, outside: string, what: string): void {
  const store = storeContents(root);
  assert.equal(store.layers, [], `${what}: no layer`);
  assert.equal(store.images, [], `${what}: no image`);
  assert.equal(store.tags, {}, `${what}: no tag`);
  assert.equal(store.tmp, [], `${what}: no staging dir`);
  assert.equal(readdirSync(outside), ['victim'], `${what}: nothing written outside`);
}

async function withStore(fn: (root: string, outside: string, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), 'keep me\n');
    await fn(root, outside, dir);
  });
}

for (const [what, entries, message] of layerCases)
  it(`image load refuses ${what} (after a good layer) and keeps nothing`, async () => {
    await withStore(async (root, outside, dir) => {
      const archive = join(dir, 'evil.tar');
      writeFileSync(archive, dockerArchive([good, makeTar(entries(outside))]));
      const r = await berth(root, ['image', 'load', '-i', archive]);
      assert.is(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
      assert.match(
        r.stderr,
        /^berth: layer 2 of image sha256:[0-9a-f]{64} \(sha256:[0-9a-f]{64}\): refusing tar entry|^berth: layer 2 .*: refusing tar entry/,
      );
      assertNothingLeft(root, outside, what);
    });
  });

it('image import refuses a hostile root file system tar too', async () => {
  await withStore(async (root, outside, dir) => {
    writeFileSync(
      join(dir, 'evil.tar'),
      makeTar([
        { name: 'link', type: 'symlink', linkname: outside },
        { name: 'link/evil', data: 'x' },
      ]),
    );
    const r = await berth(root, ['image', 'import', join(dir, 'evil.tar'), 'evil:1']);
    assert.is(r.code, 1);
    assert.match(
      r.stderr,
      /^berth: the root file system tar: refusing tar entry "link\/evil": it goes through the symbolic link "\/link"\n$/,
    );
    assertNothingLeft(root, outside, 'import');
  });
});

const brokenCases: Array<[string, (dir: string) => Buffer, RegExp]> = [
  [
    'a layer whose sha256 is not its diff ID',
    () => dockerArchive([good, good], { diffIds: [sha256(good), sha256('other')] }),
    /layer 2 .*: diff ID mismatch: the config says sha256:[0-9a-f]{64}, the data hashes to sha256:[0-9a-f]{64}/,
  ],
  [
    'a truncated archive',
    () => dockerArchive([good, makeTar([{ name: 'big', data: 'z'.repeat(100_000) }])]).subarray(0, 60_000),
    /the archive is truncated/,
  ],
  [
    'a manifest that is not JSON',
    () => makeTar([{ name: 'manifest.json', data: '[{"Config":' }]),
    /bad manifest: manifest.json is not valid JSON/,
  ],
  [
    'a manifest without Config',
    () => makeTar([{ name: 'manifest.json', data: '[{"Layers":[]}]' }]),
    /bad manifest: manifest.json entry 0 has no Config/,
  ],
  [
    'a manifest naming a missing config',
    () => makeTar([{ name: 'manifest.json', data: `[{"Config":"${'a'.repeat(64)}.json","Layers":[]}]` }]),
    /the archive has no file "a{64}\.json"/,
  ],
  [
    'a config whose sha256 is not its name',
    () => {
      const archive = dockerArchive([good]).toString('latin1');
      return Buffer.from(archive.replace('"created":"2024', '"created":"2025'), 'latin1');
    },
    /bad manifest: config [0-9a-f]{64}\.json digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}/,
  ],
  [
    'layers that the config does not list',
    () => dockerArchive([good, good], { diffIds: [sha256(good)] }),
    /lists 2 layers but its config names 1/,
  ],
  [
    'neither manifest.json nor index.json',
    () => makeTar([{ name: 'hello', data: 'x' }]),
    /holds neither manifest.json \(docker save\) nor index.json/,
  ],
  ['a file that is no tar', () => Buffer.from('this is not a tar archive'.repeat(40)), /not a valid tar file: invalid tar header/],
];

for (const [what, make, message] of brokenCases)
  it(`image load refuses ${what} and keeps nothing`, async () => {
    await withStore(async (root, outside, dir) => {
      const archive = join(dir, 'broken.tar');
      writeFileSync(archive, make(dir));
      const r = await berth(root, ['image', 'load', '-i', archive]);
      assert.is(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
      assertNothingLeft(root, outside, what);
    });
  });

it('a refused load leaves the images already in the store as they were', async () => {
  await withStore(async (root, outside, dir) => {
    writeFileSync(join(dir, 'ok.tar'), dockerArchive([good], { repoTags: ['ok:1'] }));
    await berthOk(root, ['image', 'load', '-i', join(dir, 'ok.tar')]);
    const before = storeContents(root);
    writeFileSync(join(dir, 'evil.tar'), dockerArchive([good, makeTar([{ name: '/abs', data: 'x' }])], { repoTags: ['ok:1'] }));
    assert.is((await berth(root, ['image', 'load', '-i', join(dir, 'evil.tar')])).code, 1);
    assert.equal(storeContents(root), before);
    assert.ok(!existsSync(join(outside, 'abs')));
  });
});

test.run();
