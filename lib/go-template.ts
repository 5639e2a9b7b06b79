/**
 * The subset of Go's text/template that `docker ... --format` strings use: fields and field chains
 * (`{{.State.Status}}`, `{{.}}`, `$` for the top), variables (`{{$x := .Name}}`, `{{range $k, $v :=
 * .Ports}}`), a method with arguments (`{{.Label "k"}}`),
 * string and number literals, pipes (`{{.Name | upper}}`), parentheses
 * (`{{(index .Networks "web").IPAddress}}`), `range`, `if`, `with`, `else`, `else if`, `end`, trim markers
 * (`{{-`, `-}}`), the functions Docker's CLI adds (`json`, `join`, `split`, `upper`, `lower`,
 * `title`, `truncate`, `pad`) and Go's `index`, `len`, `eq`, `ne`, `not`, `and`, `or`, `print`,
 * `println`; literal text, and `\t` for a tab (the docker CLI replaces it before parsing). Pure.
 */
import { parseTemplate, type Node, type Word } from './go-template-parse.js';
import { fieldOf, GoValue, goEntries, goIndex, goLength, goPrint, goTruth, typed, type GoType } from './go-typed.js';

export type TemplateData = Record<string, unknown>;

const ACTION = /{{-?\s*(.*?)\s*-?}}/g;

/** Go's %v of a value: strings as they are, arrays as `[a b]`, objects as `map[k:v]`, null as `<nil>`. */
function goText(value: unknown): string {
  if (value instanceof GoValue) return goPrint(value, false, goText);
  if (Array.isArray(value)) return `[${value.map(goText).join(' ')}]`;
  if (value !== null && typeof value === 'object')
    return `map[${Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}:${goText(v)}`)
      .join(' ')}]`;
  return value === undefined || value === null ? '<nil>' : String(value);
}

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
function isTrue(v: unknown): boolean {
  if (v instanceof GoValue) return goTruth(v);
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

function length(v: unknown): number {
  if (v instanceof GoValue) return goLength(v);
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw new Error(`template: len of ${goText(v)}`);
}

const asText = (v: unknown) => (typeof v === 'string' ? v : goText(v));

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  // Go's encoding/json escapes <, >, & and the JavaScript line separators.
  json: (v) =>
    JSON.stringify((v instanceof GoValue ? v.raw : v) ?? null).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  index: (v, ...keys) =>
    keys.reduce(
      (cur: unknown, k) =>
        cur instanceof GoValue ? goIndex(cur, k) : cur !== null && typeof cur === 'object' ? (cur as any)[k as string] : undefined,
      v,
    ),
  len: (v) => length(v),
  join: (v, sep) => (Array.isArray(v) ? v.map(asText).join(asText(sep)) : asText(v)),
  split: (v, sep) => asText(v).split(asText(sep)),
  upper: (v) => asText(v).toUpperCase(),
  lower: (v) => asText(v).toLowerCase(),
  title: (v) => asText(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  truncate: (v, n) => [...asText(v)].slice(0, Number(n)).join(''),
  pad: (v, l, r) => `${' '.repeat(Number(l))}${asText(v)}${' '.repeat(Number(r))}`,
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  not: (v) => !isTrue(v),
  and: (...vs) => vs.find((v) => !isTrue(v)) ?? vs[vs.length - 1],
  or: (...vs) => vs.find((v) => isTrue(v)) ?? vs[vs.length - 1],
  print: (...vs) => vs.map(asText).join(''),
  println: (...vs) => `${vs.map(asText).join(' ')}\n`,
};

interface Scope {
  dot: unknown;
  /** The variables in scope: `$` (the data) and those declared with `:=`. */
  vars: Record<string, unknown>;
}

/** Follows `.A.B` from `from`; the last name may be a method, called with `args`. */
function walk(from: unknown, chain: readonly string[], text: string, args: unknown[]): unknown {
  let cur = from;
  chain.forEach((name, i) => {
    if (cur instanceof GoValue) {
      const field = fieldOf(cur, name);
      if (!field) throw new Error(`template: can't evaluate field ${name} in ${JSON.stringify(text)}`);
      cur = field.value;
      return;
    }
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(name in cur))
      throw new Error(`template: can't evaluate ${JSON.stringify(text)}: no entry for key ${JSON.stringify(name)}`);
    const value = (cur as Record<string, unknown>)[name];
    const last = i === chain.length - 1;
    if (typeof value === 'function') cur = (value as (...a: unknown[]) => unknown)(...(last ? args : []));
    else if (last && args.length > 0) throw new Error(`template: ${name} takes no argument`);
    else cur = value;
  });
  return cur;
}

function word(w: Word, s: Scope, args: unknown[] = []): unknown {
  switch (w.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return w.value;
    case 'nil':
      return null;
    case 'field':
      if (w.root !== '.' && !(w.root in s.vars)) throw new Error(`template: undefined variable ${JSON.stringify(w.root)}`);
      return walk(w.root === '.' ? s.dot : s.vars[w.root], w.chain, w.text, args);
    case 'group':
      return walk(pipeline(w.pipeline, s), w.chain, w.text, args);
    case 'ident': {
      const fn = FUNCS[w.value];
      if (!fn) throw new Error(`template: function ${JSON.stringify(w.value)} not defined`);
      return fn(...args);
    }
  }
}

function pipeline(cmds: readonly Word[][], s: Scope): unknown {
  let piped: unknown[] = [];
  for (const [head, ...rest] of cmds) {
    const args = [...rest.map((w) => word(w, s)), ...piped];
    piped = [word(head, s, args)];
  }
  return piped[0];
}

/** What `range` walks: a list's indexes and items, or a map's keys (sorted, as Go) and values. */
function entries(v: unknown): Array<[unknown, unknown]> {
  if (v instanceof GoValue) return goEntries(v);
  if (Array.isArray(v)) return v.map((item, i) => [i, item]);
  if (v === null || typeof v !== 'object') return [];
  return Object.keys(v)
    .sort()
    .map((k) => [k, (v as Record<string, unknown>)[k]]);
}

/** `$x := ...` (and range's `$i, $x := ...`): the variables, declared for the rest of `s`'s block. */
function declare(s: Scope, decl: readonly string[], values: readonly unknown[]): void {
  decl.forEach((name, i) => (s.vars[name] = values[i]));
}

function render(nodes: readonly Node[], outer: Scope): string {
  // A variable lives until the end of the block that declares it, as in Go.
  const s = { dot: outer.dot, vars: { ...outer.vars } };
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'action') {
      const v = pipeline(n.pipeline, s);
      if (n.decl.length > 0) declare(s, n.decl, [v]);
      else out += v === undefined || v === null ? '<no value>' : goText(v);
    } else {
      const v = pipeline(n.pipeline, s);
      if (n.kind === 'range') {
        const items = entries(v);
        const body = (key: unknown, dot: unknown) => {
          const inner = { dot, vars: { ...s.vars } };
          declare(inner, n.decl, n.decl.length === 2 ? [key, dot] : [dot]);
          return render(n.body, inner);
        };
        out += items.length > 0 ? items.map(([key, dot]) => body(key, dot)).join('') : render(n.otherwise, s);
      } else {
        const inner = { dot: n.kind === 'with' ? v : s.dot, vars: { ...s.vars } };
        declare(inner, n.decl, [v]);
        out += isTrue(v) ? render(n.body, inner) : render(n.otherwise, s);
      }
    }
  }
  return out;
}

/**
 * Renders `template` for `data`.
 * @example renderGoTemplate('{{.Name}}\\t{{json .Labels}}', { Name: 'web', Labels: {} }) // "web\t{}"
 * @throws {Error} on a template that does not parse, an unknown function or a field `data` lacks
 */
export function renderGoTemplate(template: string, data: unknown): string {
  return render(parseTemplate(template.replace(/\\t/g, '\t')), { dot: data, vars: { $: data } });
}

/**
 * Renders `template` for JSON `data` seen as Go type `type`, as the docker CLI's inspect does: on
 * the typed value first (zero values for what the JSON leaves out, structs as `{...}`), and when
 * that fails (a JSON key that is no Go field name) on the plain JSON.
 * @throws {Error} when both fail: the plain JSON's error
 */
export function renderTypedTemplate(template: string, type: GoType, data: unknown): string {
  try {
    return renderGoTemplate(template, typed(type, data));
  } catch {
    return renderGoTemplate(template, data);
  }
}

/** The fields a template names, in order (for the header row of a `table` format). */
export function templateFields(template: string): string[] {
  return [...template.matchAll(ACTION)].map((m) => /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(m[1])?.[1] ?? m[1]);
}
