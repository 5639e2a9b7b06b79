import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blobName, planDockerArchive, planOciIndex, sha256 } from '../../../image/manifest';

const hex = (c: string) => c.repeat(64);

test("planDockerArchive() reads docker save's manifest.json, digests promised by names", () => {
  const plans = planDockerArchive(
    Buffer.from(
      JSON.stringify([
        {
          Config: `${hex('a')}.json`,
          RepoTags: ['busybox:latest', 'docker.io/library/x:1'],
          Layers: ['abc/layer.tar', `blobs/sha256/${hex('b')}`],
        },
      ]),
    ),
  );
  assert.equal(plans, [
    {
      configName: `${hex('a')}.json`,
      configDigest: `sha256:${hex('a')}`,
      layers: [
        { name: 'abc/layer.tar', digest: undefined },
        { name: `blobs/sha256/${hex('b')}`, digest: `sha256:${hex('b')}` },
      ],
      repoTags: ['busybox:latest', 'x:1'],
    },
  ]);
});

const badDocker: Array<[string, RegExp]> = [
  ['{', /^bad manifest: manifest.json is not valid JSON/],
  ['[]', /must be a non-empty list/],
  ['[{"Layers":[]}]', /entry 0 has no Config/],
  ['[{"Config":"c.json","Layers":"x"}]', /has no list of Layers/],
  ['[{"Config":"c.json","Layers":[],"RepoTags":["UPPER"]}]', /repository name must be lowercase/],
];
for (const [text, message] of badDocker)
  test(`planDockerArchive() refuses ${text}`, () => assert.throws(() => planDockerArchive(Buffer.from(text)), message));

function layout() {
  const blobs = new Map<string, Buffer>();
  const put = (value: unknown) => {
    const data = Buffer.from(JSON.stringify(value));
    const digest = sha256(data);
    blobs.set(digest, data);
    return { digest, size: data.length };
  };
  const config = put({ rootfs: { type: 'layers', diff_ids: [] } });
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${hex('c')}`, size: 10 };
  const manifest = put({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [layer] });
  const arm = put({ schemaVersion: 2, config: { ...config }, layers: [] });
  const nested = put({
    schemaVersion: 2,
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...arm, platform: { os: 'linux', architecture: 'arm64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  });
  return { blobs, config, manifest, nested, read: (d: string) => blobs.get(d) ?? Buffer.alloc(0) };
}

test('planOciIndex() follows a nested index to this architecture and names from ref.name', () => {
  const l = layout();
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        ...l.nested,
        annotations: { 'org.opencontainers.image.ref.name': 'localhost/app:2' },
      },
    ],
  };
  const plans = planOciIndex(Buffer.from(JSON.stringify(index)), l.read, 'amd64');
  assert.equal(plans, [
    {
      configName: blobName(l.config.digest),
      configDigest: l.config.digest,
      layers: [{ name: `blobs/sha256/${hex('c')}`, digest: `sha256:${hex('c')}`, size: 10 }],
      repoTags: ['localhost/app:2'],
    },
  ]);
});

test('planOciIndex() refuses a blob whose digest or size does not match its descriptor', () => {
  const l = layout();
  const tampered = Buffer.from(l.blobs.get(l.manifest.digest)!.toString().replace('"layers"', '"layers" '));
  const index = (desc: object) =>
    Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...desc }] }));
  assert.throws(
    () => planOciIndex(index({ ...l.manifest, size: l.manifest.size + 1 }), l.read, 'amd64'),
    /has \d+ bytes, its descriptor says/,
  );
  l.blobs.set(l.manifest.digest, Buffer.from(tampered.toString().slice(1)));
  assert.throws(() => planOciIndex(index({ ...l.manifest, size: tampered.length - 1 }), l.read, 'amd64'), /digest mismatch/);
  assert.throws(() => planOciIndex(Buffer.from('{"manifests":[{"digest":"sha256:x","size":1}]}'), l.read, 'amd64'), /has no sha256 digest/);
});

test('planOciIndex() refuses an index with no manifest for this architecture', () => {
  const l = layout();
  const index = Buffer.from(JSON.stringify({ manifests: [{ ...l.nested, mediaType: 'application/vnd.oci.image.index.v1+json' }] }));
  assert.throws(() => planOciIndex(index, l.read, 's390x'), /has no manifest for linux\/s390x/);
});

test.run();
