import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { execPlugin, findPlugin, getPluginVersions, parseErrorObject, renderPluginEnv } from '../../../cni/invoke';
import { CniError } from '../../../cni/errors';
import { readFakeCalls, writeFakePlugins } from '../../fakes/cni-plugin';

const withDir = <T>(fn: (dir: string) => Promise<T> | T): Promise<T> => withTempDir(async (dir) => fn(dir));

async function cniErrorOf(p: Promise<unknown> | (() => unknown)): Promise<CniError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.instance(err, CniError);
    return err as CniError;
  }
  throw new Error('expected a CniError');
}

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

test('findPlugin() returns the first executable regular file of that name in path order', () =>
  withDir((dir) => {
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(dir, d));
    for (const d of [a, b, c]) mkdirSync(d);
    mkdirSync(join(a, 'bridge')); // a directory is not a plugin
    writeFileSync(join(b, 'bridge'), 'not executable'); // nor is a file without x bit
    script(join(c, 'bridge'), 'exit 0');
    script(join(c, 'loopback'), 'exit 0');
    assert.is(findPlugin('bridge', [a, b, c]), join(c, 'bridge'));
    script(join(b, 'loopback'), 'exit 0');
    assert.is(findPlugin('loopback', [a, '', b, c]), join(b, 'loopback'));
  }));

test('findPlugin() fails with code 105 naming the type and the directories', () =>
  withDir(async (dir) => {
    const e = await cniErrorOf(() => findPlugin('host-local', [dir, '/nonexistent']));
    assert.is(e.code, 105);
    assert.is(e.message, `cannot find plugin "host-local" in CNI_PATH ${JSON.stringify(`${dir}:/nonexistent`)}`);
    assert.is((await cniErrorOf(() => findPlugin('x', []))).message, 'cannot find plugin "x": CNI_PATH is empty');
    assert.is(
      (await cniErrorOf(() => findPlugin('../bin/sh', ['/usr']))).message,
      'cannot find plugin "../bin/sh": not a valid plugin name',
    );
  }));

test('renderPluginEnv() sets the CNI_* variables and PATH only', () => {
  const env = renderPluginEnv({
    command: 'ADD',
    containerId: 'c1',
    netns: '/run/netns/x',
    ifName: 'eth0',
    args: [
      ['IP', '192.0.2.5'],
      ['IgnoreUnknown', '1'],
    ],
    path: ['/a', '/b'],
  });
  assert.equal(
    { ...env, PATH: undefined },
    {
      PATH: undefined,
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/x',
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'IP=192.0.2.5;IgnoreUnknown=1',
      CNI_PATH: '/a:/b',
    },
  );
  assert.equal(renderPluginEnv({ command: 'GC', path: ['/a'], args: '' }, { BERTH_LOG: 'stderr' }), {
    BERTH_LOG: 'stderr',
    PATH: env.PATH,
    CNI_COMMAND: 'GC',
    CNI_PATH: '/a',
  });
});

test('execPlugin() passes env and stdin and returns the ADD result in the 1.1.0 shape', () =>
  withDir(async (dir) => {
    writeFakePlugins(dir, ['fake']);
    process.env.BERTH_TEST_SECRET = 'leak';
    try {
      const result = await execPlugin(
        join(dir, 'fake'),
        { command: 'ADD', containerId: 'c1', netns: '/run/netns/x', ifName: 'eth0', args: 'A=1', path: [dir] },
        { cniVersion: '0.4.0', name: 'n', type: 'fake' },
      );
      assert.equal(result, {
        cniVersion: '0.4.0',
        interfaces: [{ name: 'eth0', sandbox: '/run/netns/x' }],
        ips: [{ address: '192.0.2.5/24', interface: 0 }],
      });
    } finally {
      delete process.env.BERTH_TEST_SECRET;
    }
    const [call] = readFakeCalls(dir);
    assert.equal(call.env, {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/x',
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'A=1',
      CNI_PATH: dir,
    });
    assert.equal(
      call.envKeys.filter((k) => !k.startsWith('CNI_')),
      ['PATH'],
    );
    assert.equal(call.conf, { cniVersion: '0.4.0', name: 'n', type: 'fake' });
  }));

test('execPlugin() returns undefined for DEL, CHECK, GC and STATUS', () =>
  withDir(async (dir) => {
    writeFakePlugins(dir, ['fake']);
    for (const command of ['DEL', 'CHECK', 'GC', 'STATUS'] as const)
      assert.is(
        await execPlugin(join(dir, 'fake'), { command, path: [dir] }, '{"cniVersion":"1.1.0","name":"n","type":"fake"}'),
        undefined,
      );
  }));

test("execPlugin() throws the plugin's own error object", () =>
  withDir(async (dir) => {
    writeFakePlugins(dir, ['fake']);
    const e = await cniErrorOf(
      execPlugin(
        join(dir, 'fake'),
        { command: 'ADD', containerId: 'c', netns: '/x', ifName: 'eth0', path: [dir] },
        {
          cniVersion: '1.0.0',
          name: 'n',
          type: 'fake',
          fake: { fail: { code: 100, msg: 'no free address', details: 'range 192.0.2.0/24' } },
        },
      ),
    );
    assert.equal([e.code, e.message, e.details], [100, 'no free address', 'range 192.0.2.0/24']);
  }));

test('execPlugin() throws 105 with the last stderr line when stdout is not an error object', () =>
  withDir(async (dir) => {
    writeFakePlugins(dir, ['fake']);
    const e = await cniErrorOf(
      execPlugin(join(dir, 'fake'), { command: 'DEL', path: [dir] }, { cniVersion: '1.0.0', fake: { crash: 'panic: boom' } }),
    );
    assert.is(e.code, 105);
    assert.is(e.message, `plugin ${JSON.stringify(join(dir, 'fake'))} DEL failed with exit code 3: panic: boom`);
    script(join(dir, 'quiet'), 'exit 2');
    assert.is(
      (await cniErrorOf(execPlugin(join(dir, 'quiet'), { command: 'DEL', path: [] }, '{}'))).message,
      `plugin ${JSON.stringify(join(dir, 'quiet'))} DEL failed with exit code 2: no output`,
    );
    script(join(dir, 'killed'), 'kill -9 $$');
    assert.is(
      (await cniErrorOf(execPlugin(join(dir, 'killed'), { command: 'DEL', path: [] }, '{}'))).message,
      `plugin ${JSON.stringify(join(dir, 'killed'))} DEL was killed by SIGKILL: no output`,
    );
  }));

test('execPlugin() throws 105 when ADD answers with something that is not a result', () =>
  withDir(async (dir) => {
    writeFakePlugins(dir, ['fake']);
    const p = join(dir, 'fake');
    const garbage = await cniErrorOf(
      execPlugin(
        p,
        { command: 'ADD', containerId: 'c', netns: '/x', ifName: 'e', path: [] },
        { cniVersion: '1.0.0', fake: { garbage: true } },
      ),
    );
    assert.equal([garbage.code, garbage.message], [105, `plugin ${JSON.stringify(p)} ADD returned no result: not JSON: "not json"`]);
    script(join(dir, 'silent'), 'cat >/dev/null; exit 0');
    const silent = await cniErrorOf(execPlugin(join(dir, 'silent'), { command: 'ADD', path: [] }, '{}'));
    assert.is(silent.message, `plugin ${JSON.stringify(join(dir, 'silent'))} ADD returned no result: no output`);
    script(join(dir, 'list'), 'echo "{\\"ips\\": 3}"');
    const bad = await cniErrorOf(execPlugin(join(dir, 'list'), { command: 'ADD', path: [] }, '{}'));
    assert.is(bad.message, `plugin ${JSON.stringify(join(dir, 'list'))} ADD returned an invalid result: result.ips is not a list`);
  }));

test('execPlugin() reports a plugin that cannot be executed with code 105', () =>
  withDir(async (dir) => {
    writeFileSync(join(dir, 'noexec'), '');
    const e = await cniErrorOf(execPlugin(join(dir, 'noexec'), { command: 'DEL', path: [] }, '{}'));
    assert.equal([e.code, e.message], [105, `cannot exec plugin ${JSON.stringify(join(dir, 'noexec'))}: EACCES`]);
  }));

test('execPlugin() does not fail when the plugin exits without reading a large stdin', () =>
  withDir(async (dir) => {
    script(join(dir, 'early'), 'exit 0');
    assert.is(await execPlugin(join(dir, 'early'), { command: 'DEL', path: [] }, { big: 'x'.repeat(4 << 20) }), undefined);
  }));

test('execPlugin() kills a plugin that outlives timeoutMs', () =>
  withDir(async (dir) => {
    script(join(dir, 'slow'), 'exec sleep 10');
    const e = await cniErrorOf(execPlugin(join(dir, 'slow'), { command: 'DEL', path: [] }, '{}', { timeoutMs: 100 }));
    assert.match(e.message, /was killed by SIGKILL: no output$/);
  }));

test('getPluginVersions() reads supportedVersions', () =>
  withDir(async (dir) => {
    writeFakePlugins(dir, ['fake']);
    assert.equal(await getPluginVersions(join(dir, 'fake'), '1.1.0'), ['0.4.0', '1.0.0', '1.1.0']);
    assert.equal(readFakeCalls(dir)[0].env, { CNI_COMMAND: 'VERSION', CNI_PATH: '' });
  }));

test('parseErrorObject() accepts only {code: integer, msg: string}', () => {
  assert.equal(parseErrorObject('{"code":7,"msg":"bad","details":"d"}')?.toResult('1.0.0'), {
    cniVersion: '1.0.0',
    code: 7,
    msg: 'bad',
    details: 'd',
  });
  for (const text of ['', 'x', '[]', 'null', '{"code":"7","msg":"m"}', '{"code":7.5,"msg":"m"}', '{"code":7}'])
    assert.is(parseErrorObject(text), undefined, text);
});

test.run();
