/**
 * What an image archive holds (pure): docker-save's manifest.json, or an OCI index with its
 * manifests, read into a plan of images (config file, layer files, names), and the image config
 * checked. Every digest that a name or a descriptor promises is checked here or when the blob is read.
 */
import { createHash } from 'node:crypto';
import { DIGEST_PATTERN, parseTag } from './reference.js';

export interface LayerRef {
  /** The file in the archive. */
  name: string;
  /** The raw blob's digest when the archive promises one (OCI descriptors, `blobs/sha256/<hex>` names). */
  digest?: string;
  size?: number;
}

export interface ImagePlan {
  configName: string;
  /** The config's digest when the archive promises one (docker-save names it `<hex>.json`). */
  configDigest?: string;
  layers: LayerRef[];
  /** `repository:tag` in Docker's short form. */
  repoTags: string[];
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(`bad manifest: ${message}`);
    this.name = 'ManifestError';
  }
}

export const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new ManifestError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The digest a file name promises: `blobs/sha256/<hex>` or docker-save's `<hex>.json`. */
function digestInName(name: string): string | undefined {
  const m = /(?:^|\/)blobs\/sha256\/([0-9a-f]{64})$/.exec(name) ?? /(?:^|\/)([0-9a-f]{64})\.json$/.exec(name);
  return m ? `sha256:${m[1]}` : undefined;
}

function tags(names: unknown, what: string): string[] {
  if (names === null || names === undefined) return [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new ManifestError(`${what} must be a list of names`);
  return names.map((n: string) => {
    try {
      return parseTag(n);
    } catch (err) {
      throw new ManifestError(`${what}: ${(err as Error).message}`);
    }
  });
}

/** The images of a docker-save archive's manifest.json. */
export function planDockerArchive(manifest: Buffer): ImagePlan[] {
  const list = parseJson(manifest, 'manifest.json');
  if (!Array.isArray(list) || list.length === 0) throw new ManifestError('manifest.json must be a non-empty list');
  return list.map((item, i) => {
    const what = `manifest.json entry ${i}`;
    if (!isObject(item) || typeof item.Config !== 'string') throw new ManifestError(`${what} has no Config`);
    if (!Array.isArray(item.Layers) || item.Layers.some((l: unknown) => typeof l !== 'string'))
      throw new ManifestError(`${what} has no list of Layers`);
    return {
      configName: item.Config,
      configDigest: digestInName(item.Config),
      layers: item.Layers.map((name: string) => ({
        name,
        digest: /blobs\/sha256\/[0-9a-f]{64}$/.test(name) ? digestInName(name) : undefined,
      })),
      repoTags: tags(item.RepoTags, `${what} RepoTags`),
    };
  });
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const MANIFEST_TYPES = new Set(['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']);
const LAYER_TYPE =
  /^application\/vnd\.(oci\.image\.layer(\.nondistributable)?\.v1\.tar(\+gzip)?|docker\.image\.rootfs\.(foreign\.)?diff\.tar\.gzip)$/;

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

function descriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v) || typeof v.digest !== 'string' || !DIGEST_PATTERN.test(v.digest))
    throw new ManifestError(`${what} has no sha256 digest`);
  if (!Number.isSafeInteger(v.size) || v.size < 0) throw new ManifestError(`${what} has no valid size`);
  return v as Descriptor;
}

/** A blob's bytes, checked against its descriptor's digest and size. */
export function checkBlob(data: Buffer, desc: Descriptor, what: string): Buffer {
  if (data.length !== desc.size)
    throw new ManifestError(`${what} ${desc.digest} has ${data.length} bytes, its descriptor says ${desc.size}`);
  const actual = sha256(data);
  if (actual !== desc.digest) throw new ManifestError(`${what} digest mismatch: expected ${desc.digest}, got ${actual}`);
  return data;
}

/** The name an OCI descriptor gives: containerd's full-name annotation, else a ref.name that is a full reference. */
function ociNames(desc: Descriptor): string[] {
  const full = desc.annotations?.['io.containerd.image.name'];
  const ref = desc.annotations?.['org.opencontainers.image.ref.name'];
  const name = full ?? (ref && /[:/]/.test(ref) ? ref : undefined);
  return name ? tags([name], 'the image name annotation') : [];
}

/**
 * The images of an OCI layout's index.json; `readBlob` gives a blob's bytes by digest. Nested
 * indexes are followed to the manifest for linux/`arch`.
 */
export function planOciIndex(index: Buffer, readBlob: (digest: string) => Buffer, arch: string): ImagePlan[] {
  const plans = new Map<string, ImagePlan>();
  const visit = (data: Buffer, what: string, names: string[], depth: number) => {
    const doc = parseJson(data, what);
    if (!isObject(doc) || !Array.isArray(doc.manifests)) throw new ManifestError(`${what} has no list of manifests`);
    const all = doc.manifests.map((m: unknown, i: number) => descriptor(m, `${what} manifest ${i}`));
    const fits = all.filter((d) => !d.platform || (d.platform.os === 'linux' && d.platform.architecture === arch));
    if (all.length > 0 && fits.length === 0) throw new ManifestError(`${what} has no manifest for linux/${arch}`);
    for (const [i, desc] of fits.entries()) {
      const here = `${what} manifest ${i}`;
      const blob = checkBlob(readBlob(desc.digest), desc, here);
      const own = [...names, ...ociNames(desc)];
      if (desc.mediaType && INDEX_TYPES.has(desc.mediaType)) {
        if (depth > 4) throw new ManifestError(`${here}: indexes nested too deep`);
        visit(blob, here, own, depth + 1);
      } else if (!desc.mediaType || MANIFEST_TYPES.has(desc.mediaType)) addManifest(blob, here, own);
      else throw new ManifestError(`${here} has the unsupported media type ${JSON.stringify(desc.mediaType)}`);
    }
  };
  const addManifest = (data: Buffer, what: string, names: string[]) => {
    const doc = parseJson(data, what);
    if (!isObject(doc) || !Array.isArray(doc.layers)) throw new ManifestError(`${what} has no list of layers`);
    const config = descriptor(doc.config, `${what} config`);
    const layers = doc.layers.map((l: unknown, i: number) => {
      const d = descriptor(l, `${what} layer ${i}`);
      if (d.mediaType && !LAYER_TYPE.test(d.mediaType))
        throw new ManifestError(`${what} layer ${i} has the unsupported media type ${JSON.stringify(d.mediaType)}`);
      return { name: blobName(d.digest), digest: d.digest, size: d.size };
    });
    const known = plans.get(config.digest);
    if (known) known.repoTags.push(...names.filter((n) => !known.repoTags.includes(n)));
    else
      plans.set(config.digest, { configName: blobName(config.digest), configDigest: config.digest, layers, repoTags: [...new Set(names)] });
  };
  visit(index, 'index.json', [], 0);
  return [...plans.values()];
}

/** Where an OCI layout keeps the blob of `digest`. */
export const blobName = (digest: string) => `blobs/${digest.replace(':', '/')}`;
