// The generated fast checkers (scripts/fast-check.mjs) against ajv's validators on many configs:
// whatever a fast checker accepts, ajv accepts with an identical resulting object.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Ajv, { type ValidateFunction } from 'ajv';
import bridgeValidate from '../../../gen/bridge.js';
import bridgeFast from '../../../gen/bridge.fast.js';
import dnsnameValidate from '../../../gen/dnsname.js';
import dnsnameFast from '../../../gen/dnsname.fast.js';
import hostLocalValidate from '../../../gen/host-local.js';
import hostLocalFast from '../../../gen/host-local.fast.js';
import portmapValidate from '../../../gen/portmap.js';
import portmapFast from '../../../gen/portmap.fast.js';
import { lenientString, type KeySchema } from '../../../cni/keys';
import { checkConfig, validateConfig } from '../../../cni/schema';
import { fastCheckSource } from '../../../scripts/fast-check.mjs';
import { Gen, prng } from '../../helpers/prng';

interface Node {
  type?: string;
  properties?: Record<string, Node>;
  items?: Node;
  required?: string[];
  minimum?: number;
  maximum?: number;
  $ref?: string;
  definitions?: Record<string, Node>;
  additionalProperties?: Node;
}

/** Spellings of `key` that Go's decoder (cni/keys.ts) matches to it, and some it does not. */
function respell(g: Gen, key: string): string {
  switch (g.int(6)) {
    case 0:
      return key.toUpperCase();
    case 1:
      return key[0].toUpperCase() + key.slice(1);
    case 2:
      return key.replaceAll('s', '\u017f').replaceAll('S', '\u017f'); // the long s folds to s
    case 3:
      return key.replaceAll('k', '\u212a'); // the Kelvin sign folds to k
    case 4:
      return `${key}x`;
    default:
      return key.replaceAll('i', '\u0130'); // the dotted capital I folds to nothing ASCII
  }
}

const STRINGS = [
  '',
  'x',
  'cni0',
  'br-web',
  '/run/berth',
  'run',
  '/',
  'a'.repeat(15),
  'a'.repeat(16),
  'br 0',
  'br/0',
  'br:0',
  'brü',
  'br\u00a0',
  '\u{1F600}'.repeat(8),
  '\u{1F600}'.repeat(4),
  'tcp',
  '192.0.2.0/24',
  'dns.podman',
  '-x',
  'x.',
  'A9',
];
const NUMBERS = [0, -0, -1, 1, 13, 31, 32, 67, 68, 80, 1500, 4094, 4095, 65535, 65536, 1.5, NaN, Infinity, 2 ** 53];

/** A value for `node`: most often of its type and near its limits, sometimes anything. */
function valueFor(g: Gen, node: Node, root: Node, depth: number): unknown {
  if (node.$ref) return valueFor(g, root.definitions![node.$ref.slice('#/definitions/'.length)], root, depth);
  if (g.chance(0.08) || depth > 6) return g.value(2);
  const type = node.type ?? (node.properties ? 'object' : node.items ? 'array' : g.pick(['string', 'integer', 'object']));
  switch (type) {
    case 'string':
      return g.chance(0.85) ? g.pick(STRINGS) : g.string(20);
    case 'integer':
    case 'number':
      return g.chance(0.9) ? g.pick(NUMBERS) : String(g.pick(NUMBERS));
    case 'boolean':
      return g.chance(0.95) ? g.chance(0.5) : 'true';
    case 'array': {
      const out: unknown[] = [];
      for (let n = g.int(4); n > 0; n--) out.push(node.items ? valueFor(g, node.items, root, depth + 1) : g.value(2));
      return out;
    }
    default:
      return objectFor(g, node, root, depth);
  }
}

function objectFor(g: Gen, node: Node, root: Node, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown) =>
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, sub] of Object.entries(node.properties ?? {})) {
    const wanted = node.required?.includes(key) ? 0.95 : 0.5;
    if (g.chance(wanted)) set(g.chance(0.9) ? key : respell(g, key), valueFor(g, sub, root, depth + 1));
    if (g.chance(0.03)) set(respell(g, key), valueFor(g, sub, root, depth + 1)); // two spellings of one key
  }
  if (node.additionalProperties)
    for (let n = g.int(3); n > 0; n--) set(g.string(5), valueFor(g, node.additionalProperties, root, depth + 1));
  if (g.chance(0.15)) set(g.pick(['podName', 'K8S-thing', 'prevResult', 'capabilities', 'x']), g.value(1));
  if (g.chance(0.02)) set('__proto__', { polluted: true });
  return out;
}

/** `base` with one or two of its schema's top-level keys dropped, respelled or given another value. */
function nearly(g: Gen, base: Record<string, unknown>, schema: Node): Record<string, unknown> {
  const out = structuredClone(base);
  for (let n = 1 + g.int(2); n > 0; n--) {
    const key = g.pick(Object.keys(schema.properties!));
    const value = g.chance(0.5) && key in out ? out[key] : valueFor(g, schema.properties![key], schema, 1);
    delete out[key];
    if (g.chance(0.8)) out[g.chance(0.8) ? key : respell(g, key)] = value;
  }
  return out;
}

type Fast = ((raw: unknown) => unknown) & { keys: KeySchema };

const SCHEMAS: Array<[string, ValidateFunction, Fast, Record<string, unknown>]> = [
  [
    'bridge',
    bridgeValidate,
    bridgeFast,
    {
      cniVersion: '1.0.0',
      name: 'web',
      type: 'bridge',
      bridge: 'br-web',
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', subnet: '10.88.0.0/16' },
    },
  ],
  [
    'host-local',
    hostLocalValidate,
    hostLocalFast,
    {
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }]], routes: [{ dst: '0.0.0.0/0' }] },
      runtimeConfig: {},
      args: {},
    },
  ],
  [
    'portmap',
    portmapValidate,
    portmapFast,
    {
      cniVersion: '1.0.0',
      name: 'web',
      type: 'portmap',
      capabilities: { portMappings: true },
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
    },
  ],
  ['dnsname', dnsnameValidate, dnsnameFast, { cniVersion: '1.0.0', name: 'web', type: 'dnsname', domainName: 'dns.podman' }],
];

/** ajv's result for `raw` as the plugins get it, or the error it throws. */
function viaAjv(validate: ValidateFunction, raw: unknown, what: string): { value?: unknown; error?: Error } {
  try {
    return { value: validateConfig(validate, raw, what) };
  } catch (err) {
    return { error: err as Error };
  }
}

/** Runs `fast` and ajv on `base` and 4000 seeded configs; returns how many each accepted. */
function agree(what: string, validate: ValidateFunction, fast: Fast, base: Record<string, unknown>): { accepted: number; valid: number } {
  const g = new Gen(prng(0x5eed + what.length));
  let accepted = 0;
  let valid = 0;
  for (let i = 0; i < 4000; i++) {
    const schema = validate.schema as Node;
    const raw = i === 0 ? base : i % 2 ? nearly(g, base, schema) : objectFor(g, schema, schema, 0);
    const before = structuredClone(raw);
    const ours = fast(raw);
    const theirs = viaAjv(validate, raw, what);
    if (!theirs.error) valid++;
    assert.equal(structuredClone(raw), before, `the fast checker changed its input ${JSON.stringify(before)}`);
    for (const key of Object.keys((validate.schema as Node).properties!))
      assert.is(
        lenientString(raw, fast.keys, key),
        lenientString(raw, validate.schema as KeySchema, key),
        `${key} of ${JSON.stringify(raw)}`,
      );
    if (ours === undefined) continue;
    accepted++;
    const text = JSON.stringify(raw);
    assert.is(theirs.error?.message, undefined, `fast accepted what ajv refuses: ${text}`);
    assert.equal(ours, theirs.value, `different results for ${text}`);
    assert.is(JSON.stringify(ours), JSON.stringify(theirs.value), `different key order for ${text}`);
  }
  assert.ok(fast(base) !== undefined, `the fast checker doubts the common config ${JSON.stringify(base)}`);
  return { accepted, valid };
}

for (const [what, validate, fast, base] of SCHEMAS)
  test(`the ${what} fast checker agrees with ajv wherever it accepts, its keys with the schema's (seeded configs)`, () => {
    const { accepted, valid } = agree(what, validate, fast, base);
    // dnsname's aliases are a keyword the fast checker leaves to ajv; the rest should mostly pass fast.
    assert.ok(accepted > valid / (what === 'dnsname' ? 10 : 4), `the fast checker accepted ${accepted} of ${valid} valid configs`);
  });

/** Keywords and shapes the plugins' schemas do not use yet: recursion, numbers, patterns it translates or leaves to RegExp, unknown keywords. */
const SYNTHETIC = {
  type: 'object',
  required: ['a'],
  definitions: {
    node: {
      type: 'object',
      properties: { name: { type: 'string', pattern: '^[a-z0-9.\\-]+$' }, kids: { type: 'array', items: { $ref: '#/definitions/node' } } },
    },
  },
  properties: {
    a: { type: 'string', minLength: 2, maxLength: 4 },
    b: { type: 'number', minimum: 0.5, maximum: 10, default: 1 },
    c: { type: 'string', pattern: '^[^!-\\/]+$' },
    d: { type: 'string', pattern: '^x' },
    e: { type: 'string', pattern: '^(a|b)$' },
    tree: { $ref: '#/definitions/node' },
    other: { enum: [1, 'x'] },
    Other: { type: 'boolean', default: false },
    list: { type: 'array', items: { type: 'integer', maximum: 31 } },
  },
};

test('a fast checker generated from other keywords agrees with ajv wherever it accepts', () => {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
  const validate = ajv.compile(SYNTHETIC);
  (validate as { schema: unknown }).schema = SYNTHETIC; // as gen/<name>.js carries it
  const module = { exports: {} as Fast };
  new Function(
    'module',
    fastCheckSource(SYNTHETIC, (sub, value) => new Ajv({ strict: false }).validate(sub, value)),
  )(module);
  const { accepted, valid } = agree('synthetic', validate, module.exports, {
    a: 'abc',
    b: 2,
    d: 'xy',
    tree: { name: 'r', kids: [{ name: 'k.1' }] },
  });
  assert.ok(accepted > valid / 10, `the fast checker accepted ${accepted} of ${valid} valid configs`);
});

test('checkConfig() uses ajv only where the fast checker is unsure, and keeps its errors', async () => {
  let loads = 0;
  const schema = { fast: bridgeFast, full: async () => (loads++, bridgeValidate) };
  const conf = { cniVersion: '1.0.0', name: 'web', type: 'bridge' };
  assert.is(((await checkConfig(schema, conf, 'bridge')) as { bridge: string }).bridge, 'cni0');
  assert.is(loads, 0);
  assert.is(((await checkConfig(schema, { ...conf, Bridge: 'br9' }, 'bridge')) as { bridge: string }).bridge, 'br9');
  assert.is(loads, 1);
  const err = await checkConfig(schema, { ...conf, mtu: 10 }, 'bridge').then(
    () => undefined,
    (e: Error) => e,
  );
  assert.is(err?.message, 'invalid bridge configuration: /mtu must be >= 68');
});

test.run();
