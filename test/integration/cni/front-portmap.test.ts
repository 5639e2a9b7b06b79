/**
 * portmap ADD and CHECK with no port mappings, answered by the C front (plugins/front/portmap.c):
 * prevResult passed through as the compiled plugin, exec'd directly, passes it, in every version,
 * and everything else (a mapping, a key the schema refuses or matches ignoring case, DEL) passed on.
 * A lone copy of the front (no compiled executable beside it) shows which calls it answered.
 * Calls that the plugin would apply to the kernel (a valid mapping, DEL) go to the lone front only.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PREVS, VERSIONS, assertNotAnswered, isBuilt, viaBun, withLoneFront } from '../../helpers/front';
import { cniEnv } from '../../helpers/sandbox';

const test = suite('portmap with no port mappings through the C front');
const it = isBuilt ? test : test.skip;

const env = (command: string) => cniEnv(command, 'c1', 'x');
const BRIDGE_RESULT = PREVS[1][1];
const config = (version: string, prev: unknown, extra = '') =>
  `{"cniVersion":${JSON.stringify(version)},"name":"pm-net","type":"portmap"${extra}` +
  (prev === undefined ? '}' : `,"prevResult":${typeof prev === 'string' ? prev : JSON.stringify(prev)}}`);

/** Config members: [what, the JSON members, whether the front answers ADD and CHECK with them]. */
const CONFIGS: Array<[string, string, boolean]> = [
  ['no runtimeConfig', '', true],
  ['containerd 1.6 with no hostPort', ',"capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[]}', true],
  ['other runtimeConfig', ',"runtimeConfig":{"bandwidth":{},"ips":["192.0.2.9/24"]}', true],
  ['portMappings null', ',"runtimeConfig":{"portMappings":null}', false],
  ['an empty runtimeConfig', ',"runtimeConfig":{}', true],
  ['snat false, a firewallDir, another key', ',"snat":false,"firewallDir":"/tmp/x","x":[1]', true],
  ['no type', '', true],
  ['"PortMappings"', ',"runtimeConfig":{"PortMappings":[]}', false],
  ['"SNAT"', ',"SNAT":true', false],
  ['"FirewallDir"', ',"FirewallDir":"/tmp/x"', false],
  ['snat a string', ',"snat":"true"', false],
  ['markMasqBit', ',"markMasqBit":3', false],
  ['externalSetMarkChain', ',"externalSetMarkChain":"X"', false],
  ['empty conditionsV4', ',"conditionsV4":[]', false],
  ['conditionsV4', ',"conditionsV4":["-s 192.0.2.0/24"]', false],
  ['an empty firewallDir', ',"firewallDir":""', false],
  ['capabilities null', ',"capabilities":null', false],
  ['type a number', ',"type":5', false],
  ['runtimeConfig null', ',"runtimeConfig":null', false],
  ['portMappings not a list', ',"runtimeConfig":{"portMappings":{}}', false],
  ['a bad mapping', ',"runtimeConfig":{"portMappings":[{"hostPort":0,"containerPort":80}]}', false],
];

it('every config, cniVersion and prevResult: the front answers as the plugin, and answers what it can prove', async () => {
  await withLoneFront(async (alone) => {
    let answered = 0;
    for (const [what, members, plain] of CONFIGS)
      for (const version of VERSIONS)
        for (const [name, prev, isPlain] of what === 'no runtimeConfig'
          ? PREVS
          : [...PREVS.slice(0, 2), [' none', undefined, true] as const])
          for (const command of ['ADD', 'CHECK']) {
            const input = config(version, prev, what === 'no type' ? '' : members).replace(
              what === 'no type' ? ',"type":"portmap"' : '\0',
              '',
            );
            const label = `${command} ${version} ${what}, prevResult ${name}`;
            const [mine, bun] = [await alone('portmap', env(command), input), await viaBun('portmap', env(command), input)];
            const took = !/^cannot run /.test(mine.json?.msg ?? '');
            const at = (v: string) => VERSIONS.indexOf(version) >= VERSIONS.indexOf(v);
            assert.is(took, plain && isPlain && prev !== undefined && at(command === 'ADD' ? '0.3.0' : '0.4.0'), `${label}: answered`);
            if (took) assert.equal([mine.code, mine.stdout, mine.stderr], [bun.code, bun.stdout, bun.stderr], label);
            answered += took ? 1 : 0;
          }
    assert.ok(answered >= 70, `${answered} calls answered by the front`);
  });
});

it('a port mapping, DEL, a log asked for and a bad environment go to the plugin', async () => {
  await withLoneFront(async (alone) => {
    const mapped = ',"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}';
    const cases: Array<[string, Record<string, string>, string]> = [
      ['a port mapping', env('ADD'), config('1.0.0', BRIDGE_RESULT, mapped)],
      ['DEL', env('DEL'), config('1.0.0', BRIDGE_RESULT)],
      ['BERTH_LOG', { ...env('ADD'), BERTH_LOG: 'stderr' }, config('1.0.0', BRIDGE_RESULT)],
      ['no CNI_NETNS', { ...env('ADD'), CNI_NETNS: '' }, config('1.0.0', BRIDGE_RESULT)],
      ['a bad CNI_IFNAME', { ...env('ADD'), CNI_IFNAME: 'a:b' }, config('1.0.0', BRIDGE_RESULT)],
      ['GC', { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, config('1.1.0', undefined)],
    ];
    for (const [what, e, input] of cases) assertNotAnswered(await alone('portmap', e, input), what);
  });
});

test.run();
