/**
 * Go's static types over JSON, for templates: the docker CLI runs an inspect template on the API's
 * typed structs, so a field the JSON leaves out still has its zero value (`""`, `0`, `[]`, `<nil>`)
 * and a struct prints as `{no 0}`, not `map[...]`. A GoValue is a JSON value seen through its Go
 * type; the template engine (go-template.ts) walks, prints, ranges and tests it as Go would. Pure.
 */

export type GoType =
  | { kind: 'string' | 'int' | 'float' | 'bool' | 'any' | 'time' | 'duration' }
  | { kind: 'ptr' | 'slice' | 'map'; elem: GoType }
  | { kind: 'struct'; fields: readonly GoField[] };

export interface GoField {
  /** The Go name, the one a template names. */
  name: string;
  type: GoType;
  /** The JSON key, when its tag renames the field. */
  json?: string;
  /** An embedded struct: its fields are promoted and sit at the same level of the JSON. */
  embedded?: boolean;
}

export const goString: GoType = { kind: 'string' };
export const goInt: GoType = { kind: 'int' };
export const goFloat: GoType = { kind: 'float' };
export const goBool: GoType = { kind: 'bool' };
/** interface{}: the JSON value as it is (a nil one prints `<no value>`). */
export const goAny: GoType = { kind: 'any' };
/** time.Time (the JSON's RFC 3339 text), printed by its String method. */
export const goTime: GoType = { kind: 'time' };
/** time.Duration (nanoseconds in the JSON), printed by its String method (`1.5s`). */
export const goDuration: GoType = { kind: 'duration' };
export const ptr = (elem: GoType): GoType => ({ kind: 'ptr', elem });
export const slice = (elem: GoType): GoType => ({ kind: 'slice', elem });
export const map = (elem: GoType): GoType => ({ kind: 'map', elem });
export const strings = slice(goString);
export const stringMap = map(goString);

/** A field whose JSON key differs from its Go name (`CPUShares` is `CpuShares`). */
export const renamed = (json: string, type: GoType) => ({ json, type });
/** An embedded struct (Go's anonymous field). */
export const embedded = (type: GoType) => ({ embedded: true as const, type });

type FieldSpec = GoType | { json: string; type: GoType } | { embedded: true; type: GoType };

/** A struct type from its fields in Go's order (the order `{{.}}` prints them in). */
export function struct(fields: Record<string, FieldSpec>): GoType {
  return {
    kind: 'struct',
    fields: Object.entries(fields).map(([name, spec]) =>
      'kind' in spec
        ? { name, type: spec }
        : 'json' in spec
          ? { name, type: spec.type, json: spec.json }
          : { name, type: spec.type, embedded: true },
    ),
  };
}

/** A composite JSON value (pointer, slice, map, struct) seen through its Go type. */
export class GoValue {
  constructor(
    readonly type: GoType,
    readonly raw: unknown,
  ) {}

  get isNil(): boolean {
    return (
      (this.type.kind === 'ptr' || this.type.kind === 'slice' || this.type.kind === 'map') && (this.raw === undefined || this.raw === null)
    );
  }
}

/** `raw` as a value of `type`: basic types as JavaScript values (zero when absent), others wrapped. */
export function typed(type: GoType, raw: unknown): unknown {
  switch (type.kind) {
    case 'string':
      return typeof raw === 'string' ? raw : '';
    case 'int':
    case 'float':
      return typeof raw === 'number' ? raw : 0;
    case 'bool':
      return raw === true;
    case 'any':
      return raw ?? undefined;
    case 'time':
      return goTimeText(typeof raw === 'string' ? raw : '');
    case 'duration':
      return goDurationText(typeof raw === 'number' ? raw : 0);
    default:
      return new GoValue(type, raw);
  }
}

/** Follows a pointer (nil stays nil). */
function deref(v: GoValue): GoValue {
  return v.type.kind === 'ptr' && !v.isNil ? new GoValue(v.type.elem, v.raw) : v;
}

/** The field `name` of a struct (or a pointer to one), promoted ones too; undefined when the type has none. */
export function fieldOf(v: GoValue, name: string): { value: unknown } | undefined {
  const s = deref(v);
  if (s.type.kind !== 'struct') return undefined;
  if (s.isNil) throw new Error(`template: nil pointer evaluating .${name}`);
  const raw = (s.raw ?? {}) as Record<string, unknown>;
  for (const f of s.type.fields) {
    if (f.embedded) {
      const inner = fieldOf(new GoValue(f.type, raw), name);
      if (inner) return inner;
    } else if (f.name === name) return { value: typed(f.type, raw[f.json ?? f.name]) };
  }
  return undefined;
}

/** A map's or slice's elements as Go ranges over them: [key or index, value], map keys sorted. */
export function goEntries(v: GoValue): Array<[unknown, unknown]> {
  const { type, raw } = v;
  if (type.kind === 'slice') return ((raw as unknown[] | null) ?? []).map((item, i) => [i, typed(type.elem, item)]);
  if (type.kind === 'map') {
    const obj = (raw ?? {}) as Record<string, unknown>;
    return Object.keys(obj)
      .sort()
      .map((k) => [k, typed(type.elem, obj[k])]);
  }
  throw new Error(`template: range can't iterate over ${goPrint(v, false)}`);
}

/** `index` on a map or slice: a missing map key is the element type's zero value, as Go's. */
export function goIndex(v: GoValue, key: unknown): unknown {
  const { type, raw } = deref(v);
  if (type.kind === 'map') return typed(type.elem, ((raw ?? {}) as Record<string, unknown>)[String(key)]);
  if (type.kind === 'slice') {
    const items = (raw as unknown[] | null) ?? [];
    if (typeof key !== 'number' || key < 0 || key >= items.length) throw new Error(`template: index out of range: ${String(key)}`);
    return typed(type.elem, items[key]);
  }
  throw new Error(`template: can't index item of type ${type.kind}`);
}

export function goLength(v: GoValue): number {
  const { type, raw } = v;
  if (type.kind === 'slice') return ((raw as unknown[] | null) ?? []).length;
  if (type.kind === 'map') return Object.keys(raw ?? {}).length;
  throw new Error(`template: len of ${type.kind}`);
}

/** Go's truth of a typed value: a nil pointer and an empty map or slice are false, a struct true. */
export function goTruth(v: GoValue): boolean {
  if (v.type.kind === 'ptr') return !v.isNil;
  if (v.type.kind === 'struct') return true;
  return goLength(v) > 0;
}

/**
 * fmt's %v: a pointer the template prints is followed first (text/template's printableValue); one
 * inside another value prints as an address, which means nothing here, so a fixed one stands in.
 */
export function goPrint(v: GoValue, nested: boolean, untyped: (x: unknown) => string = String): string {
  const text = (x: unknown) => (x instanceof GoValue ? goPrint(x, true, untyped) : untyped(x));
  const { type } = v;
  if (type.kind === 'ptr') {
    if (v.isNil) return '<nil>';
    if (nested) return '0xc000010000';
    const target = typed(type.elem, v.raw);
    return target instanceof GoValue ? goPrint(target, false, untyped) : untyped(target);
  }
  if (type.kind === 'struct') {
    const raw = (v.raw ?? {}) as Record<string, unknown>;
    return `{${type.fields.map((f) => text(f.embedded ? new GoValue(f.type, raw) : typed(f.type, raw[f.json ?? f.name]))).join(' ')}}`;
  }
  if (type.kind === 'slice')
    return `[${goEntries(v)
      .map(([, x]) => text(x))
      .join(' ')}]`;
  return `map[${goEntries(v)
    .map(([k, x]) => `${String(k)}:${text(x)}`)
    .join(' ')}]`;
}

/** time.Time's String(): `2006-01-02 15:04:05.999999999 +0000 UTC` for an RFC 3339 time in UTC. */
function goTimeText(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return '0001-01-01 00:00:00 +0000 UTC';
  const fraction = (m[3] ?? '').replace(/\.?0+$/, '');
  const zone = m[4] === 'Z' ? '+0000 UTC' : `${m[4].replace(':', '')} ${m[4].replace(':', '')}`;
  return `${m[1]} ${m[2]}${fraction} ${zone}`;
}

/** time.Duration's String(): `0s`, `1.5s`, `2m0s`, `1h0m0s`, `300ms`, `1.5µs`, `40ns`. */
export function goDurationText(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const n = Math.abs(ns);
  const trim = (x: number, unit: number) => String(Number((x / unit).toFixed(9)));
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${trim(n, 1e3)}µs`;
  if (n < 1e9) return `${sign}${trim(n, 1e6)}ms`;
  const h = Math.floor(n / 3600e9);
  const m = Math.floor((n % 3600e9) / 60e9);
  const s = trim(n % 60e9, 1e9);
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}
