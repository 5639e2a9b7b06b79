/**
 * A nesting limit for the JSON on a plugin's stdin, checked before JSON.parse: parsing, schema
 * validation and cloning all recurse, and a deeply nested input would otherwise exhaust the stack.
 * Pure.
 */

/** The deepest nesting of arrays and objects a network configuration may have (a real one has under 10). */
export const MAX_JSON_DEPTH = 512;

/**
 * The nesting depth of `text` read as JSON (brackets inside strings do not count), or the first
 * depth past `limit`, where the scan stops. Does not validate: JSON.parse does that afterwards.
 * @example jsonDepth('{"a":[1,{"b":"]"}]}') // 3
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0, max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return max;
}
