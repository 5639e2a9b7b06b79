/**
 * Object keys matched the way the reference plugins' Go `encoding/json` matches them: a key equal
 * to a schema property name first, else one equal to it ignoring case. Runtimes written in Go send
 * field names without JSON tags (containerd 1.6's go-cni: `{"HostPort": 8080, "ContainerPort": 80,
 * "Protocol": "tcp", "HostIP": ""}`), which the reference accepts. Pure.
 */

/** The part of a JSON Schema that names keys: nested `properties`, array `items`, local `$ref`s. */
export interface KeySchema {
  properties?: Readonly<Record<string, KeySchema>>;
  items?: KeySchema;
  $ref?: string;
  definitions?: Readonly<Record<string, KeySchema>>;
}

/**
 * The keys every plugin reads before its own schema (libcni's `types.NetConf`, and the GC list).
 * Each plugin's schema then matches the keys below them.
 */
export const NETCONF_KEYS: KeySchema = {
  properties: {
    cniVersion: {},
    cniVersions: {},
    name: {},
    type: {},
    capabilities: {},
    ipam: {},
    dns: {},
    prevResult: {},
    runtimeConfig: {},
    args: {},
    'cni.dev/valid-attachments': { items: { properties: { containerID: {}, ifname: {} } } },
  },
};

/**
 * Go's case folding for key matching (simple Unicode folding): ASCII letters, and the two non-ASCII
 * letters that fold onto ASCII ones, the Kelvin sign (to "k" by toLowerCase) and the long s.
 */
const fold = (key: string): string => {
  const lower = key.toLowerCase();
  return lower.includes('\u017f') ? lower.replaceAll('\u017f', 's') : lower; // no RegExp: this runs cold at every call
};

const foldIndexes = new WeakMap<object, Map<string, string>>();

/** folded name -> property name; of two properties that differ only in case the first is matched (Go's dominant field). */
function foldIndex(properties: Readonly<Record<string, KeySchema>>): Map<string, string> {
  let index = foldIndexes.get(properties);
  if (!index) {
    index = new Map();
    for (const name of Object.keys(properties)) if (!index.has(fold(name))) index.set(fold(name), name);
    foldIndexes.set(properties, index);
  }
  return index;
}

const DEFINITIONS = '#/definitions/';

function resolve(schema: KeySchema, root: KeySchema): KeySchema {
  const ref = schema.$ref;
  if (ref === undefined) return schema;
  const name = ref.startsWith(DEFINITIONS) && ref.length > DEFINITIONS.length ? ref.slice(DEFINITIONS.length) : undefined;
  const target = name === undefined ? undefined : root.definitions?.[name];
  return target === undefined ? {} : resolve(target, root);
}

/** The property `key` is matched to: itself when exact, else the one equal ignoring case, else none (`key`). */
const propertyOf = (properties: Readonly<Record<string, KeySchema>>, key: string): string =>
  Object.hasOwn(properties, key) ? key : (foldIndex(properties).get(fold(key)) ?? key);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A copy of `value` whose object keys are renamed to the schema's property names: an exact match
 * first, else the property equal ignoring case. Unknown keys stay as they are. When two keys land on
 * the same property the later one in the document wins, as in Go, where each assigns the field in
 * turn. Values the schema says nothing about are returned as they are (not copied).
 * @example normaliseKeys({ HostPort: 8080 }, { properties: { hostPort: {} } }) // { hostPort: 8080 }
 */
export function normaliseKeys(value: unknown, schema: KeySchema, root: KeySchema = schema): unknown {
  const s = resolve(schema, root);
  if (Array.isArray(value)) return s.items ? value.map((v) => normaliseKeys(v, s.items!, root)) : value;
  if (!isPlainObject(value) || !s.properties) return value;
  const properties = s.properties;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const name = propertyOf(properties, key);
    const v = Object.hasOwn(properties, name) ? normaliseKeys(value[key], properties[name], root) : value[key];
    // "__proto__" is an ordinary property here, as in JSON.parse; an assignment would set the prototype.
    if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
    else out[name] = v;
  }
  return out;
}

/**
 * A non-empty string key of a plugin's config, matched as ADD's schema matches it, without
 * validating the rest: DEL and GC must work with any config.
 */
export function lenientString(config: object, schema: KeySchema, key: string): string | undefined {
  // The top level only, without the copy normaliseKeys makes: this runs at every DEL. The last key
  // matched wins, as there.
  const properties = resolve(schema, schema).properties ?? {};
  let v: unknown;
  for (const k of Object.keys(config)) if (propertyOf(properties, k) === key) v = (config as Record<string, unknown>)[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
