import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTag, parseReference, parseTag, splitTag } from '../../../image/reference';

const normalized: Array<[string, string]> = [
  ['busybox', 'busybox:latest'],
  ['docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['library/busybox', 'busybox:latest'],
  ['index.docker.io/foo/bar:x', 'foo/bar:x'],
  ['localhost/app', 'localhost/app:latest'],
  ['localhost:5000/a/b:c', 'localhost:5000/a/b:c'],
  ['quay.io/x/y', 'quay.io/x/y:latest'],
  ['my_app-1.2/sub__x:v1.0-rc_1', 'my_app-1.2/sub__x:v1.0-rc_1'],
];
for (const [input, tag] of normalized)
  test(`parseReference(${JSON.stringify(input)}) is ${tag}`, () => assert.is(formatTag(parseReference(input)), tag));

test('parseReference() refuses what docker refuses', () => {
  assert.throws(() => parseReference('BusyBox'), /invalid reference format: repository name must be lowercase/);
  assert.throws(() => parseReference('a::b'), /invalid reference format/);
  assert.throws(() => parseReference('-a'), /invalid reference format/);
  assert.throws(() => parseReference('a'.repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseTag(`busybox@sha256:${'a'.repeat(64)}`), /refusing to create a tag with a digest reference/);
});

test('splitTag() keeps a registry port in the repository', () => {
  assert.equal(splitTag('localhost:5000/a:b'), { repository: 'localhost:5000/a', tag: 'b' });
});

test.run();
