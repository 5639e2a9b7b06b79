/**
 * The compiled plugins' C front (plugins/front/): what it answers itself (VERSION, loopback DEL
 * with no namespace; loopback with one in front-loopback.test.ts) is byte for byte what the
 * compiled plugin answers, and it answers nothing else. A copy of the front alone in a temp dir, without the compiled executable it execs, shows
 * which calls it took: those it answered succeed, the others get its "cannot run" error object.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gen, prng } from '../../helpers/prng';
import {
  BIN_DIR,
  RUN_PREFIX,
  ensurePackages,
  isRoot,
  linkOf,
  netnsPath,
  run,
  sh,
  uniqueName,
  withNetns,
  withTempDir,
} from '../../helpers/sandbox';
import { PLUGINS, assertNotAnswered, isBuilt, target, viaBun, viaFront, withLoneFront, type Input } from '../../helpers/front';

const test = suite('the C front of the compiled plugins');
const it = isBuilt ? test : test.skip;
const asRoot = isBuilt && isRoot ? test : test.skip;

const deep = (n: number) => `{"cniVersion":"0.4.0","a":${'['.repeat(n)}${']'.repeat(n)}}`;
const VERSION_INPUTS: Input[] = [
  '',
  '{}',
  ...['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0', '9.9.9', ''].map((v) => `{"cniVersion":"${v}"}`),
  '{"cniVersion":4}',
  '{"cniVersion":"0.4.0","cniVersion":"0.3.1"}',
  '{"cniVersion":"0.4.0","cniVersion":null}',
  '{"cniVersion":"0\\u002e4.0"}',
  '{"cni\\u0056ersion":"0.3.0"}',
  '{"CNIVersion":"0.4.0"}',
  '\ufeff{"cniVersion":"0.4.0"}',
  '\f{"cniVersion":"0.4.0"}',
  ' \t\r\n{"cniVersion" : "1.0.0" } \n',
  '{"cniVersion":"0.4.0"} x',
  '{"cniVersion":"0.4.0",}',
  '[{"cniVersion":"0.4.0"}]',
  'null',
  '"0.4.0"',
  '{"cniVersion":"0.4.0","a":"\u0001"}',
  '{"cniVersion":"0.4.0","a":01}',
  '{"cniVersion":"0.4.0","a":1.}',
  '{"cniVersion":"0.4.0","a":"\\x"}',
  '{"cniVersion":"0.4.0","a":"\\u12"}',
  '{"cniVersion":"0.4.0","a":-0.5e+3,"b":[true,false,null,{},[]],"c":"\\ud800\\n\\"","d":{"cniVersion":"0.1.0"}}',
  '{"cniVersion":"0.4.0","a":tru}',
  Buffer.concat([Buffer.from('{"cniVersion":"0.3.1","a":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"cniVersion":"0.3.1",'), Buffer.from([0xff]), Buffer.from('"a":1}')]),
  Buffer.from('{"cniVersion":"0.3.1","a":"\0"}'),
  deep(600),
  deep(100_000),
];

/** Random mutations of a valid config: JSON's structural characters inserted, deleted or swapped in. */
function mutations(seed: number, count: number): string[] {
  const g = new Gen(prng(seed));
  const base = '{"cniVersion":"0.4.0","name":"n1","type":"loopback","x":[1,-2.5e3,"a\\"b",true,null,{}]}';
  const chars = '{}[]",:\\ 0.-e\u00e9tn';
  return Array.from({ length: count }, () => {
    let s = base;
    for (let k = 1 + g.int(3); k > 0; k--) {
      const at = g.int(s.length);
      const op = g.int(3);
      s = s.slice(0, at) + (op === 1 ? '' : g.pick([...chars])) + s.slice(op === 0 ? at : at + 1);
    }
    return s;
  });
}

it('VERSION: the front answers every stdin itself, byte for byte as the compiled plugin does', async () => {
  await withLoneFront(async (alone) => {
    const inputs = [...VERSION_INPUTS, ...mutations(19, 40)];
    for (const [i, input] of inputs.entries()) {
      const plugin = PLUGINS[i % PLUGINS.length];
      const env = { CNI_COMMAND: 'VERSION' };
      const [bun, mine] = [await viaBun(plugin, env, input), await alone(plugin, env, input)];
      const what = `${plugin} VERSION of ${JSON.stringify(String(input).slice(0, 80))}`;
      assert.is(bun.code, 0, what);
      assert.is(mine.code, 0, what);
      assert.is(mine.stdout, bun.stdout, what);
      assert.is(mine.stderr, '', what);
    }
  });
});

const DEL = { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' };
const lo = (extra: object = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'lo-net', type: 'loopback', ...extra });
const gone = () => `/run/netns/${RUN_PREFIX}-never-made`;

/** loopback DELs the front answers: no namespace, or one that does not exist; the config as the plugin accepts it. */
const NOOPS: Array<[string, Record<string, string>, Input]> = [
  ['CNI_NETNS unset', DEL, lo()],
  ['CNI_NETNS empty', { ...DEL, CNI_NETNS: '' }, lo()],
  ['CNI_NETNS gone', { ...DEL, CNI_NETNS: gone() }, lo()],
  ...['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.1.0'].map((v): [string, Record<string, string>, Input] => [
    `cniVersion ${v}`,
    DEL,
    lo({ cniVersion: v }),
  ]),
  ['a name of every allowed character', DEL, lo({ name: 'A-z_0.9' })],
  ['other keys', { ...DEL, CNI_ARGS: 'not;pairs' }, lo({ ipam: {}, dns: { nameservers: ['1.1.1.1'] }, runtimeConfig: { x: [1] } })],
  ['a long container ID', { ...DEL, CNI_CONTAINERID: 'a'.repeat(300) }, lo()],
  ['a good prevResult', DEL, lo({ prevResult: { cniVersion: '1.0.0', ips: [] } })],
];

/** loopback DELs the front passes on: the plugin refuses, logs, converts or does something. */
const PASSED: Array<[string, Record<string, string>, Input]> = [
  ['not JSON', DEL, '{"cniVersion":"1.0.0",'],
  ['a BOM', DEL, `\ufeff${lo()}`],
  ['not an object', DEL, '[]'],
  ['no cniVersion (0.1.0 by default)', DEL, '{"name":"lo-net","type":"loopback"}'],
  ['an empty cniVersion', DEL, lo({ cniVersion: '' })],
  ['cniVersions instead', DEL, '{"cniVersions":["1.0.0"],"name":"lo-net","type":"loopback"}'],
  ['an unknown cniVersion', DEL, lo({ cniVersion: '9.9.9' })],
  ['a cniVersion number', DEL, lo({ cniVersion: 1 })],
  ['no name', DEL, '{"cniVersion":"1.0.0","type":"loopback"}'],
  ['a bad name', DEL, lo({ name: 'bad name' })],
  ['a name number', DEL, lo({ name: 7 })],
  ['"Name" matched ignoring case', DEL, '{"cniVersion":"1.0.0","Name":"lo-net","type":"loopback"}'],
  ['"CNIVersion" matched ignoring case', DEL, '{"CNIVersion":"1.0.0","name":"lo-net","type":"loopback"}'],
  ['a key with the long s', DEL, '{"cniVersion":"1.0.0","name":"lo-net","\u017fomething":1}'],
  ['a bad prevResult', DEL, lo({ prevResult: 5 })],
  ['a prevResult with a float', DEL, lo({ prevResult: { cniVersion: '1.0.0', ips: [], x: 1.5 } })],
  ['too deep', DEL, lo({ a: JSON.parse('['.repeat(600) + ']'.repeat(600)) })],
  ['no CNI_CONTAINERID', { CNI_COMMAND: 'DEL', CNI_IFNAME: 'eth0' }, lo()],
  ['a bad CNI_CONTAINERID', { ...DEL, CNI_CONTAINERID: '-c1' }, lo()],
  ['no CNI_IFNAME', { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1' }, lo()],
  ['a long CNI_IFNAME', { ...DEL, CNI_IFNAME: 'e'.repeat(16) }, lo()],
  ['a CNI_IFNAME with a slash', { ...DEL, CNI_IFNAME: 'e/0' }, lo()],
  ['a debug log', { ...DEL, BERTH_DEBUG: 'stderr' }, lo()],
  ['a CNI_NETNS that is no namespace', { ...DEL, CNI_NETNS: '/etc/hostname' }, lo()],
  ['a CNI_NETNS under a file', { ...DEL, CNI_NETNS: '/etc/hostname/x' }, lo()],
];

it('loopback DEL with no namespace: answered by the front, as the compiled plugin answers it', async () => {
  await withLoneFront(async (alone) => {
    for (const [what, env, input] of NOOPS) {
      const [bun, mine] = [await viaBun('loopback', env, input), await alone('loopback', env, input)];
      assert.equal([bun.code, bun.stdout, bun.stderr], [0, '', ''], `${what} (compiled plugin)`);
      assert.equal([mine.code, mine.stdout, mine.stderr], [0, '', ''], `${what} (front)`);
    }
  });
});

it('every other loopback DEL, and DEL of the other plugins, goes to the compiled plugin with stdin intact', async () => {
  await withLoneFront(async (alone) => {
    const cases: Array<[string, string, Record<string, string>, Input]> = [
      ...PASSED.map(([what, env, input]): [string, string, Record<string, string>, Input] => [what, 'loopback', env, input]),
      ...['bridge', 'portmap', 'host-local', 'dnsname'].map((p): [string, string, Record<string, string>, Input] => [
        `${p} DEL`,
        p,
        DEL,
        lo({ type: p }),
      ]),
      ...mutations(21, 30).map((m, i): [string, string, Record<string, string>, Input] => [`mutation ${i}`, 'loopback', DEL, m]),
    ];
    for (const [what, plugin, env, input] of cases) {
      const [bun, mine] = [await viaBun(plugin, env, input), await viaFront(plugin, env, input)];
      assert.is(mine.stdout, bun.stdout, what);
      assert.is(mine.code, bun.code, what);
      if (bun.code !== 0 || what.startsWith('mutation')) continue;
      assertNotAnswered(await alone(plugin, env, input), what);
    }
    for (const [what, env, input] of PASSED) assertNotAnswered(await alone('loopback', env, input), what);
  });
});

asRoot('loopback DEL with a namespace that exists brings lo down, answered by the front', async () => {
  await withNetns(1, async (ns) => {
    const env = { ...DEL, CNI_NETNS: netnsPath(ns) };
    const isUp = () => (linkOf(ns, 'lo')?.flags as string[]).includes('UP');
    assert.ok(isUp());
    const r = await viaFront('loopback', env, lo());
    assert.equal([r.code, r.stdout], [0, '']);
    assert.not.ok(isUp(), 'lo is down');
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await withLoneFront(async (alone) => assert.equal((await alone('loopback', env, lo())).code, 0, 'answered alone'));
    assert.not.ok(isUp(), 'lo is down again');
  });
});

it('without the compiled executable beside it, the front answers every other call with a CNI error object', async () => {
  await withLoneFront(async (alone) => {
    for (const plugin of PLUGINS) {
      const r = await alone(plugin, { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: gone() }, lo());
      assertNotAnswered(r, plugin);
      assert.is(r.stdout.trim().split('\n').length, 1, 'one line of JSON');
      assert.equal(Object.keys(r.json), ['cniVersion', 'code', 'msg', 'details']);
      assert.equal([r.json.cniVersion, r.json.code], ['1.1.0', 999]);
      assert.match(r.json.details, /make install/);
    }
  });
});

asRoot('bridge runs host-local in its own process through the front (no third exec)', async () => {
  ensurePackages('strace');
  await withNetns(1, async (host) => {
    await withTempDir(async (dir) => {
      const conf = JSON.stringify({
        cniVersion: '1.0.0',
        name: 'front-net',
        type: 'bridge',
        bridge: uniqueName('br'),
        firewallDir: join(dir, 'fw'),
        ipam: { type: 'host-local', dataDir: join(dir, 'leases'), ranges: [[{ subnet: '10.251.0.0/24' }]] },
      });
      const trace = join(dir, 'trace');
      const r = await run(
        'nsenter',
        [`--net=${netnsPath(host)}`, 'strace', '-f', '-qq', '-e', 'trace=execve', '-o', trace, join(BIN_DIR, 'bridge')],
        { env: { ...DEL, CNI_PATH: BIN_DIR }, input: conf },
      );
      assert.equal([r.code, r.stdout], [0, ''], r.stderr);
      const execs = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => /execve\(/.test(l) && !/ENOENT/.test(l))
        .map((l) => /execve\("([^"]+)"/.exec(l)![1]);
      assert.equal(execs, [join(BIN_DIR, 'bridge'), `${BIN_DIR}/../lib/${target}`], 'the front, then the compiled plugin');
    });
  });
});

test.run();
