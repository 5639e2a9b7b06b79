/**
 * Reading JSON objects: one parse that tells "not JSON" from "not an object", and a nesting limit
 * checked before JSON.parse (parsing, schema validation and cloning all recurse, and a deeply nested
 * input would otherwise exhaust the stack). Pure.
 */

export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object: not null, not an array. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What parseJsonObject found: the object, or why there is none (`detail` is JSON.parse's message). */
export type ParsedObject =
  | { ok: true; value: JsonObject }
  | { ok: false; why: 'too-deep' }
  | { ok: false; why: 'not-json'; detail: string }
  | { ok: false; why: 'not-object'; value: unknown };

/** Parses `text` as one JSON object; with `maxDepth`, deeper nesting is refused before parsing. */
export function parseJsonObject(text: string, maxDepth?: number): ParsedObject {
  if (maxDepth !== undefined && mayNestDeeper(text, maxDepth) && jsonDepth(text, maxDepth) > maxDepth)
    return { ok: false, why: 'too-deep' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, why: 'not-json', detail: (err as Error).message };
  }
  return isJsonObject(value) ? { ok: true, value } : { ok: false, why: 'not-object', value };
}

/**
 * Whether `text` holds more than `limit` opening brackets, as nesting deeper than `limit` needs.
 * indexOf runs natively, where jsonDepth's loop over every character runs cold at each plugin call.
 */
function mayNestDeeper(text: string, limit: number): boolean {
  let openers = 0;
  for (const bracket of ['{', '['])
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) if (++openers > limit) return true;
  return false;
}

/** The JSON object in `text`, or undefined when it is not JSON or not an object. */
export function tryParseJsonObject(text: string): JsonObject | undefined {
  const parsed = parseJsonObject(text);
  return parsed.ok ? parsed.value : undefined;
}

/** The deepest nesting of arrays and objects a network configuration may have (a real one has under 10). */
export const MAX_JSON_DEPTH = 512;

/**
 * The nesting depth of `text` read as JSON (brackets inside strings do not count), or the first
 * depth past `limit`, where the scan stops. Does not validate: JSON.parse does that afterwards.
 * @example jsonDepth('{"a":[1,{"b":"]"}]}') // 3
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0,
    max = 0;
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

/** A deep copy of JSON data: a JSON round trip, as structuredClone is slow at its first use (docs/internals/speed.md). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
