/**
 * Property test of the plugin skeleton: random and mutated env and configs, trivial handlers. Every
 * outcome must be exit 0 with a valid result (or nothing), or exit 1 with exactly one valid error
 * object on stdout, and nothing on stderr. Seeded, so a failure names a case that can be replayed:
 * BERTH_FUZZ_SEED=<seed> BERTH_FUZZ_CASES=<n> to explore further.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runPlugin, type Handlers, type PluginIO } from '../../../cni/skel';
import { CniError, ErrCode } from '../../../cni/errors';
import { compareVersions, PLUGIN_VERSIONS } from '../../../cni/version';

const isPluginVersion = (v: unknown): v is string => (PLUGIN_VERSIONS as readonly unknown[]).includes(v);
import { Gen, prng } from '../../helpers/prng';

const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'];

function randomResult(g: Gen): unknown {
  if (g.chance(0.15)) return g.value();
  const r: Record<string, unknown> = { cniVersion: g.chance(0.8) ? g.pick(PLUGIN_VERSIONS) : g.value() };
  if (g.chance(0.8))
    r.interfaces = g.chance(0.9)
      ? [{ name: 'eth0', sandbox: '/run/netns/x', mtu: 1400, ...(g.chance(0.2) && { name: g.value() }) }]
      : g.value();
  if (g.chance(0.8))
    r.ips = g.chance(0.9)
      ? [{ address: g.pick(['192.0.2.5/24', '2001:db8::5/64', g.string()]), interface: 0, ...(g.chance(0.2) && { version: g.value() }) }]
      : g.value();
  if (g.chance(0.5))
    r.routes = g.chance(0.9) ? [{ dst: '0.0.0.0/0', gw: '192.0.2.1', table: 100 }, ...(g.chance(0.1) ? [g.value()] : [])] : g.value();
  if (g.chance(0.3)) r.dns = g.chance(0.8) ? { nameservers: ['192.0.2.53'] } : g.value();
  return r;
}

function randomConfig(g: Gen): Record<string, unknown> {
  const conf: Record<string, unknown> = {
    cniVersion: g.pick(PLUGIN_VERSIONS),
    name: 'web',
    type: 'fake',
    ipam: { type: 'host-local', subnet: '192.0.2.0/24' },
    capabilities: { portMappings: true },
  };
  if (g.chance(0.4)) conf.prevResult = randomResult(g);
  if (g.chance(0.1)) conf['cni.dev/valid-attachments'] = [{ containerID: 'c1', ifname: 'eth0' }];
  for (let i = g.int(4); i > 0; i--) {
    const key = g.pick(['cniVersion', 'cniVersions', 'name', 'type', 'prevResult', 'ipam', 'runtimeConfig', 'args', g.string(6)]);
    if (g.chance(0.3)) delete conf[key];
    else conf[key] = key === 'cniVersions' && g.chance(0.7) ? Array.from({ length: g.int(4) }, () => g.value()) : g.value();
  }
  return conf;
}

function randomStdin(g: Gen): string {
  const text = JSON.stringify(randomConfig(g)) ?? '';
  switch (g.int(10)) {
    case 0:
      return ''; // empty
    case 1:
      return text.slice(0, g.int(text.length)); // truncated
    case 2: {
      // a few bytes changed
      const chars = [...text];
      for (let i = 1 + g.int(3); i > 0 && chars.length > 0; i--)
        chars[g.int(chars.length)] = g.pick(['"', '{', '}', ',', ':', 'x', '\\', ' ', '\u0000']);
      return chars.join('');
    }
    case 3:
      return JSON.stringify(g.value()) ?? 'undefined'; // any JSON at all
    case 4:
      return g.string(40);
    default:
      return text;
  }
}

function randomEnv(g: Gen): Record<string, string | undefined> {
  const pickOr = (good: string[], p: number) => (g.chance(p) ? g.pick(good) : g.chance(0.5) ? undefined : g.string());
  const env: Record<string, string | undefined> = {
    CNI_COMMAND: g.chance(0.9) ? g.pick(COMMANDS) : g.pick([undefined, '', 'add', 'FOO', g.string()]),
    CNI_CONTAINERID: pickOr(['c1', 'abc_1.2-3', 'f'.repeat(64)], 0.85),
    CNI_NETNS: pickOr(['/run/netns/c1', '/proc/1/ns/net'], 0.85),
    CNI_IFNAME: pickOr(['eth0', 'net1', 'a'.repeat(15)], 0.85),
    CNI_PATH: pickOr(['/opt/cni/bin', '/a:/b', ''], 0.9),
  };
  if (g.chance(0.3)) env.CNI_ARGS = g.chance(0.7) ? 'IgnoreUnknown=1;IP=192.0.2.9' : g.string();
  return env;
}

function trivialHandlers(g: Gen, threw: { value?: unknown }): Handlers {
  // Sometimes a handler fails in one of the ways real code does.
  const failure = (): unknown =>
    g.pick<unknown>([
      new CniError(ErrCode.RangeExhausted, 'no free address', g.chance(0.5) ? 'details' : ''),
      new CniError(ErrCode.TryAgainLater, 'busy'),
      new Error('plain failure'),
      new Error(''),
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      'a string',
      undefined,
      null,
      { not: 'an error' },
      new AggregateError([new Error('a')], ''),
      Object.assign(new Error('kernel said no'), { cniCode: 104 }),
      Object.assign(new Error('odd code'), { cniCode: 'x' }),
    ]);
  const maybeFail = async () => {
    if (g.chance(0.1)) throw (threw.value = failure());
  };
  return {
    add: async (ctx) => {
      await maybeFail();
      return (
        ctx.prevResult ?? {
          cniVersion: ctx.cniVersion,
          interfaces: [{ name: ctx.ifName, sandbox: ctx.netns, mtu: 1500 }],
          ips: [{ address: '192.0.2.5/24', interface: 0 }],
        }
      );
    },
    del: maybeFail,
    check: maybeFail,
    ...(g.chance(0.8) && { gc: maybeFail, status: maybeFail }),
  };
}

/** A valid result for `version`: its shape, in that version. */
function describeResultProblem(r: unknown): string | undefined {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return 'not an object';
  const res = r as Record<string, unknown>;
  if (!isPluginVersion(res.cniVersion)) return 'cniVersion not supported';
  if (compareVersions(res.cniVersion, '0.3.0') < 0) {
    for (const key of Object.keys(res))
      if (!['cniVersion', 'ip4', 'ip6', 'dns'].includes(key)) return `unknown key ${key} in a 0.2.0 result`;
    return ['ip4', 'ip6'].some((k) => typeof (res[k] as { ip?: unknown } | undefined)?.ip === 'string') ? undefined : 'no ip4/ip6';
  }
  const legacy = compareVersions(res.cniVersion, '1.0.0') < 0;
  for (const key of Object.keys(res)) if (!['cniVersion', 'interfaces', 'ips', 'routes', 'dns'].includes(key)) return `unknown key ${key}`;
  for (const key of ['interfaces', 'ips', 'routes']) if (res[key] !== undefined && !Array.isArray(res[key])) return `${key} not a list`;
  for (const ip of (res.ips ?? []) as Array<Record<string, unknown>>) {
    if (typeof ip?.address !== 'string') return 'ip without address';
    if (legacy !== (ip.version === '4' || ip.version === '6')) return 'ips[].version wrong for the version';
  }
  return undefined;
}

function describeErrorProblem(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'not an object';
  const err = e as Record<string, unknown>;
  for (const key of Object.keys(err)) if (!['cniVersion', 'code', 'msg', 'details'].includes(key)) return `unknown key ${key}`;
  if (!isPluginVersion(err.cniVersion)) return 'cniVersion not a supported version';
  if (typeof err.code !== 'number' || !Number.isInteger(err.code)) return 'code not an integer';
  if (typeof err.msg !== 'string' || err.msg === '') return 'msg empty or not a string';
  if (err.details !== undefined && typeof err.details !== 'string') return 'details not a string';
  return undefined;
}

const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 20261122);
const CASES = Number(process.env.BERTH_FUZZ_CASES ?? 4000);

test(`runPlugin() answers ${CASES} random requests (seed ${SEED}) with a valid result or exactly one valid error`, async () => {
  const g = new Gen(prng(SEED));
  const seen = { ok: 0, err: 0, codes: new Set<number>() };
  for (let i = 0; i < CASES; i++) {
    const env = randomEnv(g);
    const stdin = randomStdin(g);
    const out: string[] = [],
      errOut: string[] = [];
    const io: PluginIO = { env, readStdin: async () => stdin, writeStdout: (t) => out.push(t), writeStderr: (t) => errOut.push(t) };
    const threw: { value?: unknown } = {};
    const code = await runPlugin(trivialHandlers(g, threw), io);
    const say = (problem: string) =>
      `case ${i}: env ${JSON.stringify(env)} stdin ${JSON.stringify(stdin)} -> exit ${code} stdout ${JSON.stringify(out)}: ${problem}`;
    assert.equal(errOut, [], say('wrote to stderr'));
    if (code === 0) {
      seen.ok += 1;
      if (out.length === 0) continue;
      assert.is(out.length, 1, say('more than one write'));
      assert.ok(out[0].endsWith('\n') && !out[0].slice(0, -1).includes('\n'), say('not one line'));
      const parsed = JSON.parse(out[0]);
      if (env.CNI_COMMAND === 'VERSION') {
        assert.ok(isPluginVersion(parsed.cniVersion), say('VERSION cniVersion'));
        assert.equal(parsed.supportedVersions, [...PLUGIN_VERSIONS], say('VERSION list'));
      } else {
        assert.is(env.CNI_COMMAND, 'ADD', say('output for a command that prints nothing'));
        const problem = describeResultProblem(parsed);
        assert.is(problem, undefined, say(`invalid result: ${problem}`));
      }
    } else {
      assert.is(code, 1, say('exit code neither 0 nor 1'));
      seen.err += 1;
      assert.is(out.length, 1, say('not exactly one write'));
      assert.ok(out[0].endsWith('\n') && !out[0].slice(0, -1).includes('\n'), say('not one line'));
      const parsed = JSON.parse(out[0]);
      const problem = describeErrorProblem(parsed);
      assert.is(problem, undefined, say(`invalid error object: ${problem}`));
      seen.codes.add(parsed.code);
      // Bad input must get a spec code; 999 ("unforeseen") only comes from a handler's own failure.
      if (parsed.code === ErrCode.Internal)
        assert.ok('value' in threw && !(threw.value instanceof CniError), say('code 999 for bad input'));
    }
  }
  // The generator must reach both outcomes and the spec's main codes, or the test proves little.
  assert.ok(seen.ok > CASES / 10 && seen.err > CASES / 10, `ok ${seen.ok}, errors ${seen.err}`);
  for (const c of [1, 4, 6, 7, 100, 999]) assert.ok(seen.codes.has(c), `code ${c} never seen: ${[...seen.codes]}`);
});

test.run();
