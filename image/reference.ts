/**
 * Image references as Docker parses and prints them (distribution/reference's grammar, pure):
 * `busybox` is `docker.io/library/busybox:latest` and prints as `busybox:latest`.
 */

const NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${NAME_COMPONENT}(?:/${NAME_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ID = /^(?:sha256:)?[0-9a-f]{64}$/;

export interface Reference {
  /** The repository in Docker's short ("familiar") form: `busybox`, `quay.io/x/y`, `localhost/app`. */
  repository: string;
  /** The tag; "latest" when the reference names none (and has no digest). */
  tag?: string;
  digest?: string;
}

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** True for a full image ID, `sha256:`-prefixed or not. */
export const isFullId = (text: string) => ID.test(text);

/**
 * Parses an image reference the way `docker tag` and `docker image inspect` do.
 * @throws {SyntaxError} "invalid reference format[: repository name must be lowercase]"
 * @example parseReference('docker.io/library/busybox') // { repository: 'busybox', tag: 'latest' }
 */
export function parseReference(text: string): Reference {
  const match = REFERENCE.exec(text);
  if (!match) {
    if (REFERENCE.test(text.toLowerCase())) throw new SyntaxError('invalid reference format: repository name must be lowercase');
    throw new SyntaxError(`invalid reference format: ${JSON.stringify(text)}`);
  }
  const [, name, tag, digest] = match;
  if (name.length > 255) throw new SyntaxError('invalid reference format: repository name must not be more than 255 characters');
  if (/^[0-9a-f]{64}$/.test(name)) throw new SyntaxError(`invalid repository name (${name}), cannot specify 64-byte hexadecimal strings`);
  return { repository: familiarName(name), tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** Like parseReference, or undefined for text that is no reference. */
export function tryParseReference(text: string): Reference | undefined {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}

/** `docker.io/library/busybox` and `library/busybox` -> `busybox`; `index.docker.io/x/y` -> `x/y`. */
function familiarName(name: string): string {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let path = hasDomain ? name.slice(slash + 1) : name;
  const domain = hasDomain ? first : 'docker.io';
  if (domain !== 'docker.io' && domain !== 'index.docker.io') return `${domain}/${path}`;
  if (path.startsWith('library/') && path.indexOf('/', 8) < 0) path = path.slice(8);
  return path;
}

/** `repository:tag`, the form RepoTags and `Loaded image:` print. */
export const formatTag = (ref: Reference) => `${ref.repository}:${ref.tag ?? 'latest'}`;

/** Parses a reference that must name a tag (not a digest), for `image tag` and archive RepoTags. */
export function parseTag(text: string): string {
  const ref = parseReference(text);
  if (ref.digest) throw new SyntaxError(`refusing to create a tag with a digest reference: ${JSON.stringify(text)}`);
  return formatTag(ref);
}

/** `repository:tag` split at the tag's colon (a registry port is part of the repository). */
export function splitTag(repoTag: string): { repository: string; tag: string } {
  const colon = repoTag.lastIndexOf(':');
  return { repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
}
