import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { entryPath, whiteoutOf } from '../../../image/layer-path';

test('entryPath() cleans ./ and trailing slashes', () => {
  assert.equal(entryPath('./usr/bin/'), ['usr', 'bin']);
  assert.equal(entryPath('./'), []);
  assert.equal(entryPath('a//b/./c'), ['a', 'b', 'c']);
});

const refused: Array<[string, RegExp]> = [
  ['/etc/passwd', /absolute path$/],
  ['../escape', /contains "\.\."$/],
  ['a/../../b', /contains "\.\."$/],
  ['a/..', /contains "\.\."$/],
  ['a\0b', /NUL byte$/],
];
for (const [name, message] of refused)
  test(`entryPath() refuses ${JSON.stringify(name)}`, () => assert.throws(() => entryPath(name), message));

test('whiteoutOf() tells file and opaque whiteouts and AUFS metadata apart', () => {
  assert.equal(whiteoutOf(['etc', '.wh.motd'], 'etc/.wh.motd'), { kind: 'file', name: 'motd' });
  assert.equal(whiteoutOf(['data', '.wh..wh..opq'], 'data/.wh..wh..opq'), { kind: 'opaque' });
  assert.equal(whiteoutOf(['.wh..wh.plnk', '123.4'], '.wh..wh.plnk/123.4'), { kind: 'aufs-meta' });
  assert.is(whiteoutOf(['etc', 'motd'], 'etc/motd'), undefined);
  assert.throws(() => whiteoutOf(['a', '.wh...'], 'a/.wh...'), /a whiteout must name a file/);
});

test.run();
