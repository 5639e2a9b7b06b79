/**
 * Volume names. A managed volume's name becomes a directory under the daemon's root, and dockerd
 * passes any name to a plugin (`../x` reaches it), so names are checked here, before any path is
 * built from them.
 */

/** The longest name: a directory entry on Linux file systems holds at most 255 bytes. */
export const MAX_NAME_BYTES = 255;

/**
 * Why `name` cannot be a volume name, or `undefined` when it can.
 * Refused: empty, over 255 bytes (UTF-8), a `/`, NUL or another control character, a leading `.`
 * (which covers `.` and `..` and keeps the daemon's own `.staging` and `.trash` apart).
 * @example describeBadName('../x') // 'must not start with "."'
 */
export function describeBadName(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `must not be longer than ${MAX_NAME_BYTES} bytes`;
  if (name.includes('\0')) return 'must not contain NUL';
  if (name.includes('/')) return 'must not contain "/"';
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x1f\x7f]/.test(name)) return 'must not contain control characters';
  if (name.startsWith('.')) return 'must not start with "."';
  return undefined;
}

/** Docker's rule for volume names (moby's RestrictedNamePattern, which its `local` driver applies). */
export const NAME_RULE = '[a-zA-Z0-9][a-zA-Z0-9_.-]+';
const NEW_NAME = new RegExp(`^${NAME_RULE}$`);

/**
 * Why `name` cannot be the name of a new volume, or `undefined` when it can: Docker's rule (two or
 * more characters, the first a letter or digit), at most 255 bytes. Names made before the rule
 * keep working (describeBadName); only Create applies it.
 * @example describeBadNewName('bad name') // 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two or more characters, the first a letter or digit)'
 */
export function describeBadNewName(name: string): string | undefined {
  if (!NEW_NAME.test(name)) return `must match ${NAME_RULE} (two or more characters, the first a letter or digit)`;
  return describeBadName(name);
}

/** True when `name` can be a volume name. */
export function isValidName(name: string): boolean {
  return describeBadName(name) === undefined;
}
