// Generates a schema's fast checker (gen/<name>.fast.js, scripts/build.mjs): straight-line code
// that accepts the common valid config without ajv and gives the object ajv's validator would give
// after cni/keys.ts's normaliseKeys (keys matched, defaults filled in as ajv's useDefaults does).
// At the first doubt it returns undefined and the caller runs ajv (cni/schema.ts checkConfig), so
// every error and every edge case stays ajv's. It checks exactly only what it can check simply:
// keys that match no property exactly but do ignoring case, keywords it does not know, strings
// whose length it cannot count cheaply and patterns it cannot translate are all doubts.

const KNOWN = new Set([
  '$comment',
  'type',
  'properties',
  'items',
  'required',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  '$ref',
  'definitions',
]);
const DEFINITIONS = '#/definitions/';
/** The type keyword's tests, as ajv's generated code makes them. */
const TYPES = new Map([
  ['string', (v) => `typeof ${v} === 'string'`],
  ['number', (v) => `typeof ${v} === 'number' && isFinite(${v})`],
  ['integer', (v) => `typeof ${v} === 'number' && ${v} % 1 === 0`],
  ['boolean', (v) => `typeof ${v} === 'boolean'`],
  ['object', (v) => `${v} !== null && typeof ${v} === 'object' && !Array.isArray(${v})`],
  ['array', (v) => `Array.isArray(${v})`],
]);

/** Go's case folding as cni/keys.ts's fold, for the names the generated code compares with. */
const fold = (key) => key.toLowerCase().replaceAll('\u017f', 's');

/**
 * The generated module's source: `module.exports = check` where check(raw) returns the validated
 * copy or undefined, and `check.keys` the schema's top-level property names as a cni/keys.ts
 * KeySchema (for lenientString), not the whole schema, whose JSON.parse at each load costs more
 * than the checks (docs/internals/speed.md).
 * @param validDefault (schema, value) => whether ajv accepts a default under its own property schema
 */
export function fastCheckSource(schema, validDefault) {
  let vars = 0;
  const helpers = [];
  const fresh = (prefix) => `${prefix}${vars++}`;
  const definitions = new Map(); // definition name -> the name of its generated function

  /** A call of the function that checks a definition (generated once; it may call itself). */
  function reference(node, v, depth) {
    const name = node.$ref.startsWith(DEFINITIONS) ? node.$ref.slice(DEFINITIONS.length) : undefined;
    const target = name === undefined ? undefined : schema.definitions?.[name];
    if (target === undefined || Object.keys(node).some((k) => k !== '$ref' && k !== '$comment')) return 'return undefined;';
    if (!definitions.has(name)) {
      const fn = `definition${definitions.size}`;
      definitions.set(name, fn);
      helpers.push(`// #/definitions/${name}\nfunction ${fn}(v) {\n${check(target, 'v', depth + 1)}\nreturn v;\n}`);
    }
    return `${v} = ${definitions.get(name)}(${v});\nif (${v} === undefined) return undefined;`;
  }

  /** Statements that check `v` against `node`, leaving in `v` what normaliseKeys and ajv would give. */
  function check(node, v, depth) {
    if (node.$ref !== undefined) return reference(node, v, depth);
    const s = node;
    if (depth > 16 || Object.keys(s).some((k) => !KNOWN.has(k)) || (s !== schema && s.definitions)) return 'return undefined;';
    if (s.required && !s.properties) return 'return undefined;';
    if (s.type !== undefined && !TYPES.has(s.type)) return 'return undefined;';
    const out = [];
    if (s.type !== undefined) out.push(`if (!(${TYPES.get(s.type)(v)})) return undefined;`);
    out.push(...numberChecks(s, v), ...stringChecks(s, v));
    if (s.properties)
      out.push(
        s.type === 'object' ? `{\n${objectCopy(s, v, depth)}\n}` : `if (${TYPES.get('object')(v)}) {\n${objectCopy(s, v, depth)}\n}`,
      );
    if (s.items)
      out.push(s.type === 'array' ? `{\n${arrayCopy(s, v, depth)}\n}` : `if (Array.isArray(${v})) {\n${arrayCopy(s, v, depth)}\n}`);
    return out.join('\n');
  }

  // ajv's own type tests (its generated code), where the value's type is not yet known.
  const guarded = (s, type, v, conds) =>
    conds.map((c) => (s.type === undefined ? `if (typeof ${v} === '${type}' && ${c}) return undefined;` : `if (${c}) return undefined;`));

  function numberChecks(s, v) {
    const conds = [];
    if (s.minimum !== undefined) conds.push(`!(${v} >= ${Number(s.minimum)})`);
    if (s.maximum !== undefined) conds.push(`!(${v} <= ${Number(s.maximum)})`);
    return conds.length && s.type !== undefined && s.type !== 'number' && s.type !== 'integer' ? [] : guarded(s, 'number', v, conds);
  }

  // ajv counts code points: a string of n code units has between ceil(n / 2) and n of them.
  function stringChecks(s, v) {
    const conds = [];
    if (s.maxLength !== undefined) conds.push(`${v}.length > ${Number(s.maxLength)}`);
    if (s.minLength !== undefined) conds.push(`${v}.length < ${Math.max(0, 2 * Number(s.minLength) - 1)}`);
    if (s.pattern !== undefined) conds.push(`!${patternTest(s.pattern, v, helpers)}`);
    return conds.length && s.type !== undefined && s.type !== 'string' ? [] : guarded(s, 'string', v, conds);
  }

  function objectCopy(s, v, depth) {
    const names = Object.keys(s.properties);
    if (names.some((n) => n in {} || n === '__proto__')) return 'return undefined;';
    const keys = fresh('keys');
    const o = fresh('o');
    const i = fresh('i');
    const x = fresh('x');
    const checks = new Map(names.map((n) => [n, check(s.properties[n], x, depth + 1)]));
    // Properties with the same checks share one case.
    const byCheck = new Map();
    for (const n of names) byCheck.set(checks.get(n), [...(byCheck.get(checks.get(n)) ?? []), `case ${JSON.stringify(n)}:`]);
    const cases = [...byCheck].map(([code, labels]) =>
      code === '' ? `${labels.join(' ')} break;` : `${labels.join(' ')} {\n${code}\nbreak;\n}`,
    );
    // A key that matches no property exactly but one ignoring case is renamed by normaliseKeys: a doubt.
    const folded = [...new Set(names.map(fold))].map((n) => `case ${JSON.stringify(n)}:`);
    const defaults = names
      .filter((n) => s.properties[n].default !== undefined)
      .map((n) => {
        if (!validDefault(s.properties[n], s.properties[n].default))
          throw new Error(`the default of ${JSON.stringify(n)} does not satisfy its schema`);
        return `if (${o}[${JSON.stringify(n)}] === undefined) ${o}[${JSON.stringify(n)}] = ${JSON.stringify(s.properties[n].default)};`;
      });
    const required = (s.required ?? []).map((n) => `if (${o}[${JSON.stringify(n)}] === undefined) return undefined;`);
    return [
      `const ${o} = {};`,
      `const ${keys} = Object.keys(${v});`,
      `for (let ${i} = 0; ${i} < ${keys}.length; ${i}++) {`,
      `const k = ${keys}[${i}];`,
      `let ${x} = ${v}[k];`,
      'switch (k) {',
      ...cases,
      "case '__proto__': return undefined;",
      'default: {',
      'const f = k.toLowerCase();',
      "if (f.includes('\\u017f')) return undefined;",
      `switch (f) { ${folded.join(' ')} return undefined; }`,
      '}',
      '}',
      `${o}[k] = ${x};`,
      '}',
      ...defaults,
      ...required,
      `${v} = ${o};`,
    ].join('\n');
  }

  function arrayCopy(s, v, depth) {
    const a = fresh('a');
    const i = fresh('i');
    const x = fresh('x');
    return [
      `const ${a} = [];`,
      `for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`,
      `let ${x} = ${v}[${i}];`,
      check(s.items, x, depth + 1),
      `${a}[${i}] = ${x};`,
      '}',
      `${v} = ${a};`,
    ].join('\n');
  }

  const body = check(schema, 'v', 0);
  return `"use strict";
// Generated by scripts/build.mjs (scripts/fast-check.mjs); undefined means "ask ajv".
${helpers.join('\n')}
function check(raw) {
let v = raw;
${body}
return v;
}
module.exports = check;
module.exports.default = check;
module.exports.keys = ${keysLiteral(schema)};
`;
}

/** `{ properties: { name: {}, ... } }` for the schema's top-level properties. */
function keysLiteral(schema) {
  return `{ properties: { ${Object.keys(schema.properties ?? {})
    .map((n) => `${JSON.stringify(n)}: {}`)
    .join(', ')} } }`;
}

/**
 * A boolean expression testing the string `v` against an ajv pattern (a RegExp with the "u" flag):
 * a prefix, or one character class repeated over the whole string, as a loop over ASCII character
 * codes where any other character is a doubt (false); any other pattern as the RegExp itself.
 */
function patternTest(pattern, v, helpers) {
  const prefix = /^\^([^\\.[\]()*+?{}|$^]+)$/.exec(pattern);
  if (prefix) return `${v}.startsWith(${JSON.stringify(prefix[1])})`;
  const cls = /^\^\[(\^?)((?:[^\\\]]|\\[sS/\\\-.\]^:])+)\]\+\$$/.exec(pattern);
  if (cls) {
    const tests = [];
    for (let i = 0, body = cls[2]; i < body.length; i++) {
      if (body[i] === '\\') {
        const e = body[++i];
        if (e === 's') tests.push('(c >= 9 && c <= 13) || c === 32');
        else if (e === 'S') return `new RegExp(${JSON.stringify(pattern)}, 'u').test(${v})`;
        else tests.push(`c === ${e.charCodeAt(0)}`);
      } else if (body[i + 1] === '-' && i + 2 < body.length) {
        if (body[i + 2] === '\\') return `new RegExp(${JSON.stringify(pattern)}, 'u').test(${v})`; // a range to an escape
        tests.push(`(c >= ${body.charCodeAt(i)} && c <= ${body.charCodeAt(i + 2)})`);
        i += 2;
      } else tests.push(`c === ${body.charCodeAt(i)}`);
    }
    if (tests.length === 0 || cls[2].split('').some((ch) => ch.charCodeAt(0) > 127))
      return `new RegExp(${JSON.stringify(pattern)}, 'u').test(${v})`;
    const inClass = tests.join(' || ');
    const good = cls[1] === '^' ? `!(${inClass})` : `(${inClass})`;
    const name = `pattern${helpers.length}`;
    helpers.push(
      `// ${pattern}, ASCII only\nfunction ${name}(s) {\nif (s.length === 0) return false;\nfor (let j = 0; j < s.length; j++) {\nconst c = s.charCodeAt(j);\nif (c > 127 || !${good}) return false;\n}\nreturn true;\n}`,
    );
    return `${name}(${v})`;
  }
  return `new RegExp(${JSON.stringify(pattern)}, 'u').test(${v})`;
}
