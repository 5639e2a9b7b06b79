/**
 * File names derived from IDs and names of any length (a CNI container ID has no length limit, a
 * file name has NAME_MAX bytes). Pure.
 */
import { stableHash } from './hash.js';

/** The longest file name Linux file systems take (NAME_MAX). */
export const NAME_MAX = 255;
/** How many bytes of a too-long name its fitted form keeps, before "~" and 16 hex digits of hash. */
export const KEPT_BYTES = NAME_MAX - 17;

/**
 * `name` itself when it fits in NAME_MAX bytes with `suffix` appended; else its first bytes (whole
 * characters), "~" and a hash of the whole name, so a human still recognises it and any length has
 * a name. CNI names and IDs have no "~", so a fitted name never equals a plain one. Callers check
 * the file's content for the identity: a hash may collide.
 * @example fitFileName('web-' + 'f'.repeat(300) + '-eth0') // 'web-fff…fff~1c3d5e…' (255 bytes)
 */
export function fitFileName(name: string, suffix = ''): string {
  const room = KEPT_BYTES - Buffer.byteLength(suffix);
  if (Buffer.byteLength(name) <= NAME_MAX - Buffer.byteLength(suffix)) return name;
  let bytes = 0,
    end = 0;
  for (const ch of name) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > room) break;
    bytes += n;
    end += ch.length;
  }
  return `${name.slice(0, end)}~${stableHash(name)}`;
}
