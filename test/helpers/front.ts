/**
 * The compiled plugins' C front (plugins/front/) for tests: the front itself (dist/bin/<plugin>),
 * the compiled executable it execs, called directly as that plugin, and a lone copy of the front
 * with no compiled executable beside it, which shows which calls the front answers itself.
 */
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, run, withTempDir, type RunResult } from './sandbox';

export const PLUGINS = ['bridge', 'dnsname', 'host-local', 'loopback', 'portmap'];
export const LIB = join(BIN_DIR, '../lib');
/** dist/lib/cni-front.<hash>, of which dist/bin/loopback is a hard link, and the executable it execs. */
const inode = existsSync(join(BIN_DIR, 'loopback')) ? statSync(join(BIN_DIR, 'loopback')).ino : -1;
const frontFile = existsSync(LIB)
  ? readdirSync(LIB).find((f) => /^cni-front\.[0-9a-f]{16}$/.test(f) && statSync(join(LIB, f)).ino === inode)
  : undefined;
export const front = frontFile ? join(LIB, frontFile) : '';
export const target = frontFile ? readdirSync(LIB).find((f) => /^cni\.[0-9a-f]{16}$/.test(f)) : undefined;
/** Whether the plugins are built with their front and the compiled executable it execs. */
export const isBuilt = !!frontFile && !!target;

export type Input = string | Buffer;
/** The call through dist/bin (the front). */
export const viaFront = (plugin: string, env: Record<string, string>, input: Input) => run(join(BIN_DIR, plugin), [], { env, input });
/** The same call straight to the compiled executable, as the plugin it is exec'd as (argv[0]). */
export const viaBun = (plugin: string, env: Record<string, string>, input: Input) =>
  run(join(LIB, target!), [], { env, input, argv0: join(BIN_DIR, plugin) });

/** Runs `fn` with a dir holding copies of the front under every plugin name and no compiled executable. */
export async function withLoneFront<T>(
  fn: (alone: (plugin: string, env: Record<string, string>, input: Input) => Promise<RunResult>) => Promise<T>,
) {
  return withTempDir(async (dir) => {
    mkdirSync(join(dir, 'bin'));
    for (const p of PLUGINS) copyFileSync(front, join(dir, 'bin', p));
    return fn((plugin, env, input) => run(join(dir, 'bin', plugin), [], { env, input }));
  });
}

/** Asserts that the lone front passed the call on (it found no compiled executable to exec). */
export const assertNotAnswered = (r: RunResult, what: string) => {
  assert.is(r.code, 1, what);
  assert.match(r.json?.msg ?? '', /^cannot run \S+\/lib\/cni\.[0-9a-f]{16}: No such file or directory$/, `${what}: ${r.stdout}`);
};

export const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** prevResults: [what, value or raw JSON text, whether the front writes it back itself (when it answers the call)]. */
export const PREVS: Array<[string, unknown, boolean]> = [
  ['none', undefined, true],
  [
    'a bridge + portmap result',
    {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'cni0', mac: '0a:58:c0:00:02:01' },
        { name: 'veth1', mac: '0a:58:c0:00:02:02' },
        { name: 'eth0', mac: '0a:58:c0:00:02:03', sandbox: '/var/run/netns/x' },
      ],
      ips: [{ address: '192.0.2.3/24', gateway: '192.0.2.1', interface: 2 }],
      routes: [{ dst: '0.0.0.0/0', gw: '192.0.2.1' }],
      dns: {},
    },
    true,
  ],
  [
    'every 1.1.0 field, legacy versions, keys out of order, nested values',
    {
      extra: { a: [1, -2, null, true, false, 'q"uo\\te/'] },
      dns: { nameservers: ['192.0.2.53'], search: ['example.com'], options: [] },
      routes: [{ table: 100, dst: '198.51.100.0/24', scope: 0, priority: -1, gw: '192.0.2.1', mtu: 1400, advmss: 1360 }],
      ips: [
        { version: '4', address: '192.0.2.9/24', interface: 0 },
        { address: '2001:db8::9/64', version: '4', gateway: '2001:db8::1' },
      ],
      interfaces: [{ mtu: 9000, name: 'eth0', pciID: '0000:00:01.0', socketPath: '/s', mac: null }],
      cniVersion: '0.4.0',
    },
    true,
  ],
  ['empty lists', { cniVersion: '1.1.0', interfaces: [], ips: [], routes: [] }, true],
  ['a 0.2.0 result', { cniVersion: '0.2.0', ip4: { ip: '192.0.2.3/24', gateway: '192.0.2.1' }, dns: {} }, false],
  ['a float', { cniVersion: '1.0.0', ips: [{ address: '192.0.2.3/24', x: 1.5 }] }, false],
  ['an exponent', { cniVersion: '1.0.0', ips: [], x: 1e21 }, false],
  ['-0', '{"cniVersion":"1.0.0","ips":[],"x":-0}', false],
  ['a long integer', '{"cniVersion":"1.0.0","ips":[],"x":12345678901234567}', false],
  ['non-ASCII', { cniVersion: '1.0.0', interfaces: [{ name: 'eth\u00e9' }] }, false],
  ['a control character', { cniVersion: '1.0.0', interfaces: [{ name: 'eth\n0' }] }, false],
  ['an escaped slash', '{"cniVersion":"1.0.0","interfaces":[{"name":"a\\/b"}]}', true],
  ['a key twice', '{"cniVersion":"1.0.0","ips":[{"address":"192.0.2.1/24","address":"192.0.2.2/24"}]}', false],
  ['a numeric key', { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', 7: 'x' }] }, false],
  ['__proto__', '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","__proto__":{"a":1}}]}', false],
  ['null', null, false],
  ['a number', 5, false],
  ['ips not a list', { cniVersion: '1.0.0', ips: {} }, false],
  ['an ip without an address', { cniVersion: '1.0.0', ips: [{ gateway: '192.0.2.1' }] }, false],
  ['an interface without a name', { cniVersion: '1.0.0', interfaces: [{ mac: 'x' }] }, false],
  ['a route without dst', { cniVersion: '1.0.0', routes: [{ gw: '192.0.2.1' }] }, false],
  ['dns null', { cniVersion: '1.0.0', dns: null }, false],
];
