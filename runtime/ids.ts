/** Container IDs and names: 64-hex IDs, 12-hex short form, unique prefixes, Docker-like names. Pure. */

export const ID_PATTERN = /^[0-9a-f]{64}$/;
/** Docker's rule for container names. */
export const NAME_PATTERN = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const shortId = (id: string) => id.slice(0, 12);

export interface Named {
  id: string;
  name: string;
}

/** `No such container: REF`: dockerd's not-found, which `rm -f` reports without failing. */
export class NoSuchContainerError extends Error {
  constructor(ref: string) {
    super(`No such container: ${ref}`);
  }
}

/**
 * Finds the one container `ref` names: a full ID, an exact name, or a unique ID prefix (Docker's
 * order). @throws {Error} `No such container: REF`, or on an ambiguous prefix
 */
export function resolveContainer<T extends Named>(ref: string, all: readonly T[]): T {
  const byId = all.find((c) => c.id === ref);
  if (byId) return byId;
  const name = ref.replace(/^\//, '');
  const byName = all.find((c) => c.name === name);
  if (byName) return byName;
  const matches = /^[0-9a-f]+$/.test(ref) ? all.filter((c) => c.id.startsWith(ref)) : [];
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new Error(`multiple IDs found with provided prefix: ${ref}`);
  throw new NoSuchContainerError(ref);
}

/** The longest name a file name can hold (NAME_MAX). */
export const MAX_NAME = 255;

/** @throws {Error} with Docker's message when `name` is not a valid container name, or when it is too long to store */
export function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new Error(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  const bare = name.replace(/^\//, '');
  // A name is a file under <root>/names; Docker has no limit, the file system has this one.
  if (bare.length > MAX_NAME)
    throw new Error(`Invalid container name (${bare.slice(0, 20)}...): ${bare.length} characters, at most ${MAX_NAME} are allowed`);
  return bare;
}

const ADJECTIVES = [
  'admiring',
  'brave',
  'busy',
  'calm',
  'clever',
  'cool',
  'eager',
  'elegant',
  'festive',
  'focused',
  'gallant',
  'gifted',
  'happy',
  'jolly',
  'keen',
  'kind',
  'loving',
  'modest',
  'nifty',
  'optimistic',
  'peaceful',
  'quirky',
  'relaxed',
  'serene',
  'sharp',
  'stoic',
  'tender',
  'upbeat',
  'vibrant',
  'wizardly',
  'youthful',
  'zealous',
];
const SURNAMES = [
  'albattani',
  'babbage',
  'bohr',
  'curie',
  'darwin',
  'einstein',
  'euclid',
  'fermat',
  'galileo',
  'goodall',
  'hopper',
  'hypatia',
  'johnson',
  'kepler',
  'lamarr',
  'lovelace',
  'mccarthy',
  'meitner',
  'newton',
  'noether',
  'pascal',
  'ritchie',
  'shannon',
  'tesla',
  'thompson',
  'torvalds',
  'turing',
  'wozniak',
  'yalow',
  'zhukovsky',
];

/**
 * A free name as Docker makes them (adjective_surname), drawn with `random` (0 <= r < 1); a
 * digit is added when the plain ones are taken.
 */
export function generateName(taken: ReadonlySet<string>, random: () => number = Math.random): string {
  for (let attempt = 0; ; attempt++) {
    const base = `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]}_${SURNAMES[Math.floor(random() * SURNAMES.length)]}`;
    const name = attempt < 10 ? base : `${base}${Math.floor(random() * 10)}`;
    if (!taken.has(name)) return name;
  }
}
