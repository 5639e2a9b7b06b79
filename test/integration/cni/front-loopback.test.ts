/**
 * loopback ADD, DEL and CHECK with a namespace, answered by the C front (plugins/front/loopback.c):
 * the same calls go to the front in one namespace and to the compiled plugin, exec'd directly, in
 * another, in lockstep, and their exit codes, stdout, stderr and the namespaces' state (`ip -j`)
 * must agree after every call. A lone copy of the front (no compiled executable beside it) is tried
 * first on the front's side, so each call also shows whether the front answered it or passed it on,
 * and the calls it should answer are checked to be answered.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_PREFIX, ipJson, isRoot, linkOf, netnsPath, sh, withNetns, withTempDir, type RunResult } from '../../helpers/sandbox';
import { PREVS, VERSIONS, isBuilt, viaBun, viaFront, withLoneFront, type Input } from '../../helpers/front';

const test = suite('loopback with a namespace through the C front');
const it = isBuilt && isRoot ? test : test.skip;

const COMMANDS = ['ADD', 'CHECK', 'DEL', 'CHECK'];

const config = (version: string, prev: unknown) => {
  const base = `{"cniVersion":${JSON.stringify(version)},"name":"lo-net","type":"loopback"`;
  if (prev === undefined) return `${base}}`;
  return `${base},"prevResult":${typeof prev === 'string' ? prev : JSON.stringify(prev)}}`;
};
const envFor = (command: string, netns: string, extra: Record<string, string> = {}) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c1',
  CNI_IFNAME: 'lo',
  CNI_NETNS: netns,
  ...extra,
});
const isUp = (ns: string) => (linkOf(ns, 'lo')?.flags as string[]).includes('UP');
/** What a call leaves in a namespace: lo's flags and addresses (`ip -j`), the index and lifetimes aside. */
const stateOf = (ns: string) =>
  ipJson(ns, ['addr', 'show', 'dev', 'lo']).map((l) => ({
    flags: l.flags,
    operstate: l.operstate,
    addrs: (l.addr_info ?? []).map((a: any) => `${a.local}/${a.prefixlen} ${a.scope}`),
  }));

const escaped = (path: string) => JSON.stringify(path).slice(1, -1);
/** A call's exit code and output, its namespace path, and a log's times and process IDs, aside. */
const same = (r: RunResult, path: string) => [
  r.code,
  r.stdout.split(escaped(path)).join('NETNS'),
  r.stderr
    .split(path)
    .join('NETNS')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
    .replace(/\[\d+\]/g, '[PID]'),
];

interface Sides {
  front: string;
  bun: string;
  /** The path each side's CNI_NETNS holds; a namespace of the pair when undefined. */
  paths?: { front: string; bun: string };
}

/**
 * One call on both sides; asserts they agree, and returns whether the front answered it itself.
 * The lone front goes first: when it passes the call on, the front in dist/bin gets it, as a runtime would call it.
 */
async function both(
  s: Sides,
  alone: (p: string, e: Record<string, string>, i: Input) => Promise<RunResult>,
  env: (netns: string) => Record<string, string>,
  input: Input,
  what: string,
): Promise<boolean> {
  const paths = s.paths ?? { front: netnsPath(s.front), bun: netnsPath(s.bun) };
  let mine = await alone('loopback', env(paths.front), input);
  const answered = !/^cannot run \S+\/lib\/cni\./.test(mine.json?.msg ?? '');
  if (!answered) mine = await viaFront('loopback', env(paths.front), input);
  const bun = await viaBun('loopback', env(paths.bun), input);
  assert.equal(same(mine, paths.front), same(bun, paths.bun), `${what}: front ${mine.stdout} plugin ${bun.stdout}`);
  assert.equal(stateOf(s.front), stateOf(s.bun), `${what}: the namespaces`);
  return answered;
}

it('every cniVersion, with and without prevResult: the front answers as the plugin, and answers what it can prove', async () => {
  await withNetns(2, async (a, b) => {
    await withLoneFront(async (alone) => {
      let answered = 0;
      for (const version of VERSIONS)
        for (const [name, prev, isPlain] of PREVS)
          for (const command of COMMANDS) {
            const what = `${command} ${version} prevResult ${name}`;
            const wasUp = isUp(a);
            const took = await both({ front: a, bun: b }, alone, (ns) => envFor(command, ns), config(version, prev), what);
            const at = (v: string) => VERSIONS.indexOf(version) >= VERSIONS.indexOf(v);
            const provable =
              command === 'ADD'
                ? prev === undefined || (isPlain && at('0.3.0'))
                : command === 'DEL'
                  ? isPlain
                  : isPlain && prev !== undefined && at('0.4.0') && wasUp;
            assert.is(took, provable, `${what}: answered by the front`);
            answered += took ? 1 : 0;
          }
      assert.ok(answered >= 74, `${answered} calls answered by the front`);
    });
  });
});

it('bad configs, environments and namespaces: the same answer and state on both sides', async () => {
  await withNetns(2, async (a, b) => {
    await withTempDir(async (dir) => {
      await withLoneFront(async (alone) => {
        const good = config('1.0.0', undefined);
        const odd = { front: join(dir, 'fr"o\\nt'), bun: join(dir, 'bu"n\\x') };
        symlinkSync(netnsPath(a), odd.front);
        symlinkSync(netnsPath(b), odd.bun);
        const fixed = (path: string) => ({ front: path, bun: path });
        /** [what, the paths (the pair's namespaces when undefined), env, stdin, the commands the front answers]. */
        const cases: Array<[string, Sides['paths'], Record<string, string>, Input, string[]]> = [
          ['a namespace path with a quote and a backslash', odd, {}, good, ['ADD', 'DEL']],
          ['a namespace path that is no file', fixed(`/run/netns/${RUN_PREFIX}-never-made`), {}, good, ['DEL']],
          ['a namespace path that is a file', fixed('/etc/hostname'), {}, good, []],
          ['a namespace path that is a directory', fixed(dir), {}, good, []],
          ['a namespace path under a file', fixed('/etc/hostname/x'), {}, good, []],
          ['a relative namespace path', fixed('run/netns/x'), {}, good, ['DEL']],
          ['a non-ASCII namespace path', fixed(join(dir, '\u00e9')), {}, good, ['DEL']],
          ['no CNI_NETNS', fixed(''), {}, good, ['DEL']],
          ['BERTH_LOG', undefined, { BERTH_LOG: 'stderr' }, good, []],
          ['a bad CNI_IFNAME', undefined, { CNI_IFNAME: 'a/b' }, good, []],
          ['a bad CNI_CONTAINERID', undefined, { CNI_CONTAINERID: '-x' }, good, []],
          ['unparseable CNI_ARGS (loopback never reads them)', undefined, { CNI_ARGS: 'x' }, good, ['ADD', 'DEL']],
          ['not JSON', undefined, {}, '{"cniVersion":', []],
          ['no name', undefined, {}, '{"cniVersion":"1.0.0","type":"loopback"}', []],
          ['"Name"', undefined, {}, '{"cniVersion":"1.0.0","Name":"lo-net","type":"loopback"}', []],
          ['"PrevResult"', undefined, {}, config('1.0.0', { ips: [] }).replace('prevResult', 'PrevResult'), []],
          ['an unknown cniVersion', undefined, {}, config('9.9.9', undefined), []],
          ['no cniVersion', undefined, {}, '{"name":"lo-net","type":"loopback"}', []],
          [
            'prevResult twice, the last one plain',
            undefined,
            {},
            good.replace('}', ',"prevResult":5,"prevResult":{"ips":[]}}'),
            ['ADD', 'CHECK', 'DEL'],
          ],
        ];
        for (const [what, paths, extra, input, answers] of cases)
          for (const command of ['ADD', 'CHECK', 'DEL']) {
            const took = await both({ front: a, bun: b, paths }, alone, (ns) => envFor(command, ns, extra), input, `${command}: ${what}`);
            assert.is(took, answers.includes(command), `${command}: ${what}: answered by the front`);
          }
      });
    });
  });
});

it('lo with addresses of its own: IPv4 ones answered by the front, IPv6 ones passed on', async () => {
  await withNetns(2, async (a, b) => {
    await withLoneFront(async (alone) => {
      for (const [cidr, provable] of [
        ['192.0.2.7/24', true],
        ['2001:db8::7/64', false],
      ] as const) {
        for (const ns of [a, b]) sh('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', 'lo']);
        for (const version of ['0.2.0', '0.4.0', '1.1.0']) {
          const took = await both({ front: a, bun: b }, alone, (ns) => envFor('ADD', ns), config(version, undefined), `${cidr} ${version}`);
          assert.is(took, provable, `${cidr} ${version}: answered`);
        }
      }
    });
  });
});

test.run();
