import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pendingNetns } from '../../fakes/pending-netns';
import { runPlugin, type Handlers, type PluginContext, type PluginIO } from '../../../cni/skel';
import { CniError, ErrCode } from '../../../cni/errors';
import { PLUGIN_VERSIONS, SUPPORTED_VERSIONS, versionReplyFor } from '../../../cni/version';

interface Outcome {
  code: number;
  out: string[];
  err: string[];
  calls: Array<{ cmd: string; ctx: PluginContext }>;
}

const NETNS = '/run/netns/c1';
const ENV = { CNI_CONTAINERID: 'c1', CNI_NETNS: NETNS, CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };
const conf = (cniVersion: unknown = '1.0.0', extra: object = {}) => JSON.stringify({ cniVersion, name: 'web', type: 'fake', ...extra });
const PREV = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: NETNS }], ips: [{ address: '192.0.2.5/24', interface: 0 }] };
const SUPPORTED = 'supported versions: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0';

function recordingHandlers(calls: Outcome['calls'], overrides: Partial<Handlers> = {}): Handlers {
  return {
    add: async (ctx) => {
      calls.push({ cmd: 'add', ctx });
      return {
        cniVersion: ctx.cniVersion,
        interfaces: [{ name: ctx.ifName, sandbox: ctx.netns, mtu: 1400 }],
        ips: [{ address: '192.0.2.5/24', interface: 0 }],
      };
    },
    del: async (ctx) => {
      calls.push({ cmd: 'del', ctx });
    },
    check: async (ctx) => {
      calls.push({ cmd: 'check', ctx });
    },
    gc: async (ctx) => {
      calls.push({ cmd: 'gc', ctx });
    },
    status: async (ctx) => {
      calls.push({ cmd: 'status', ctx });
    },
    ...overrides,
  };
}

/** Runs the skeleton against a fake PluginIO with exactly `env` and `stdin`. */
async function call(env: Record<string, string | undefined>, stdin: string, overrides: Partial<Handlers> = {}): Promise<Outcome> {
  const out: string[] = [],
    err: string[] = [];
  const calls: Outcome['calls'] = [];
  const io: PluginIO = { env, readStdin: async () => stdin, writeStdout: (t) => out.push(t), writeStderr: (t) => err.push(t) };
  const code = await runPlugin(recordingHandlers(calls, overrides), io);
  return { code, out, err, calls };
}

/** Asserts exit 1, exactly one error object on stdout (parsed and compared whole), no handler run, nothing on stderr. */
async function expectError(env: Record<string, string | undefined>, stdin: string, expected: object): Promise<void> {
  const r = await call(env, stdin);
  assert.is(r.code, 1);
  assert.is(r.out.length, 1);
  assert.ok(r.out[0].endsWith('\n') && !r.out[0].slice(0, -1).includes('\n'));
  assert.equal(JSON.parse(r.out[0]), expected);
  assert.equal(r.calls, []);
  assert.equal(r.err, []);
}

// P4, P5: the command itself.
test("runPlugin() answers a missing CNI_COMMAND with code 4 (not the reference's exit 0)", () =>
  expectError({ ...ENV }, conf(), { cniVersion: '1.0.0', code: 4, msg: 'required environment variable CNI_COMMAND is missing' }));
test('runPlugin() answers an empty CNI_COMMAND with code 4', () =>
  expectError({ ...ENV, CNI_COMMAND: '' }, conf(), {
    cniVersion: '1.0.0',
    code: 4,
    msg: 'required environment variable CNI_COMMAND is missing',
  }));
for (const cmd of ['FOO', 'add', 'Add', ' ADD'])
  test(`runPlugin() answers CNI_COMMAND ${JSON.stringify(cmd)} with code 4`, () =>
    expectError({ ...ENV, CNI_COMMAND: cmd }, conf('0.4.0'), {
      cniVersion: '0.4.0',
      code: 4,
      msg: `unknown CNI_COMMAND ${JSON.stringify(cmd)}`,
      details: 'known commands: ADD, DEL, CHECK, VERSION, GC, STATUS',
    }));

// P3: required variables per command.
const required: Array<[string, string[]]> = [
  ['ADD', ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME']],
  ['CHECK', ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME']],
  ['DEL', ['CNI_CONTAINERID', 'CNI_IFNAME']],
  ['GC', ['CNI_PATH']],
];
for (const [cmd, names] of required)
  for (const name of names)
    for (const value of [undefined, ''])
      test(`runPlugin() ${cmd} without ${name}${value === '' ? ' (empty)' : ''} fails with code 4 naming it`, () =>
        expectError({ ...ENV, CNI_COMMAND: cmd, [name]: value }, conf('1.1.0', cmd === 'CHECK' ? { prevResult: PREV } : {}), {
          cniVersion: '1.1.0',
          code: 4,
          msg: `required environment variable ${name} is missing for ${cmd}`,
        }));

test('runPlugin() DEL needs no CNI_NETNS, STATUS only CNI_COMMAND, GC no container', async () => {
  const del = await call({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }, conf());
  assert.equal([del.code, del.out, del.calls.map((c) => c.cmd), del.calls[0].ctx.netns, del.calls[0].ctx.path], [0, [], ['del'], '', []]);
  const status = await call({ CNI_COMMAND: 'STATUS' }, conf('1.1.0'));
  assert.equal([status.code, status.out, status.calls.map((c) => c.cmd)], [0, [], ['status']]);
  const gc = await call(
    { CNI_COMMAND: 'GC', CNI_PATH: '/a:/b' },
    conf('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] }),
  );
  assert.equal(
    [gc.code, gc.out, gc.calls[0].ctx.path, gc.calls[0].ctx.config['cni.dev/valid-attachments']],
    [0, [], ['/a', '/b'], [{ containerID: 'c1', ifname: 'eth0' }]],
  );
});

// P6: container ID syntax.
for (const id of ['-c1', '.c1', '_c1', 'c 1', 'c/1', 'c1;rm', 'c:1', 'ü1', 'c1\n'])
  test(`runPlugin() refuses container id ${JSON.stringify(id)} with code 4`, () =>
    expectError({ ...ENV, CNI_COMMAND: 'ADD', CNI_CONTAINERID: id }, conf(), {
      cniVersion: '1.0.0',
      code: 4,
      msg: `invalid CNI_CONTAINERID ${JSON.stringify(id)}: must match ^[A-Za-z0-9][A-Za-z0-9_.\\-]*$`,
    }));
test('runPlugin() accepts container ids of letters, digits, "_", "." and "-"', async () => {
  for (const id of ['c', '0', 'a1_b.c-d', 'f'.repeat(64)])
    assert.is((await call({ ...ENV, CNI_COMMAND: 'ADD', CNI_CONTAINERID: id }, conf())).code, 0, id);
});

// P7: interface name rules.
const badIfnames: Array<[string, string]> = [
  ['.', 'is "." or ".."'],
  ['..', 'is "." or ".."'],
  ['a/b', 'contains "/", ":" or whitespace'],
  ['a:b', 'contains "/", ":" or whitespace'],
  ['a b', 'contains "/", ":" or whitespace'],
  ['a\tb', 'contains "/", ":" or whitespace'],
  ['a'.repeat(16), 'is longer than 15 bytes'],
  ['ééééééééé', 'is longer than 15 bytes'],
  ['a\u0085b', 'contains "/", ":" or whitespace'],
  ['a\u3000b', 'contains "/", ":" or whitespace'],
  ['a\rb', 'contains "/", ":" or whitespace'],
  ['a\vb', 'contains "/", ":" or whitespace'],
  ['é\u00a0', 'contains "/", ":" or whitespace'],
];
for (const [name, problem] of badIfnames)
  for (const cmd of ['ADD', 'DEL', 'CHECK'])
    test(`runPlugin() ${cmd} refuses interface name ${JSON.stringify(name)} with code 4`, () =>
      expectError({ ...ENV, CNI_COMMAND: cmd, CNI_IFNAME: name }, conf('1.0.0', { prevResult: PREV }), {
        cniVersion: '1.0.0',
        code: 4,
        msg: `invalid CNI_IFNAME ${JSON.stringify(name)}: ${problem}`,
      }));
test('runPlugin() accepts a 15-byte interface name', async () =>
  assert.is((await call({ ...ENV, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a'.repeat(15) }, conf())).code, 0));
test('runPlugin() accepts an interface name with U+FEFF, which Go does not count as whitespace', async () =>
  assert.is((await call({ ...ENV, CNI_COMMAND: 'ADD', CNI_IFNAME: 'a\ufeffb' }, conf())).code, 0));

test('runPlugin() hands a malformed CNI_ARGS to the handler as argsError (code 4), with no args', async () => {
  const r = await call({ ...ENV, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;=x' }, conf());
  const { args, argsError } = r.calls[0].ctx;
  assert.equal([r.code, [...args], argsError?.code, argsError?.message], [0, [], 4, 'invalid CNI_ARGS pair "=x": expected KEY=VALUE']);
});
test('runPlugin() reads CNI_ARGS and CNI_PATH into the context', async () => {
  const r = await call({ ...ENV, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1;IP=192.0.2.9;;K=a=b', CNI_PATH: '/a::/b' }, conf());
  assert.equal(
    [...r.calls[0].ctx.args],
    [
      ['IgnoreUnknown', '1'],
      ['IP', '192.0.2.9'],
      ['K', 'a=b'],
    ],
  );
  assert.equal(r.calls[0].ctx.path, ['/a', '/b']);
});

// P8: network name.
test('runPlugin() answers a missing name with code 7', () =>
  expectError({ ...ENV, CNI_COMMAND: 'ADD' }, JSON.stringify({ cniVersion: '1.0.0', type: 'fake' }), {
    cniVersion: '1.0.0',
    code: 7,
    msg: 'invalid network configuration: "name" is required',
  }));
for (const name of ['', 5, null])
  test(`runPlugin() answers name ${JSON.stringify(name)} with code 7`, () =>
    expectError({ ...ENV, CNI_COMMAND: 'DEL' }, conf('1.0.0', { name }), {
      cniVersion: '1.0.0',
      code: 7,
      msg: 'invalid network configuration: "name" is required',
    }));
for (const name of ['../etc', 'a/b', '-web', 'we b'])
  test(`runPlugin() answers network name ${JSON.stringify(name)} with code 7`, () =>
    expectError({ ...ENV, CNI_COMMAND: 'ADD' }, conf('1.0.0', { name }), {
      cniVersion: '1.0.0',
      code: 7,
      msg: `invalid network name ${JSON.stringify(name)}: must match ^[A-Za-z0-9][A-Za-z0-9_.\\-]*$`,
    }));
test('runPlugin() takes a config without "type" (the reference skel reads only name and cniVersion)', async () => {
  const r = await call({ ...ENV, CNI_COMMAND: 'ADD' }, JSON.stringify({ cniVersion: '1.0.0', name: 'web' }));
  assert.equal([r.code, r.calls.map((c) => c.cmd)], [0, ['add']]);
});

test('runPlugin() refuses JSON nested deeper than MAX_JSON_DEPTH with code 6, before parsing', () =>
  expectError({ ...ENV, CNI_COMMAND: 'ADD' }, '['.repeat(100_000), {
    cniVersion: '1.1.0',
    code: 6,
    msg: 'cannot decode the network configuration on stdin: nested deeper than 512 levels',
  }));

test('runPlugin() VERSION answers whatever stdin holds', async () => {
  for (const stdin of ['garbage', '[]', '{"cniVersion":"9"}', '['.repeat(100_000)]) {
    const r = await call({ CNI_COMMAND: 'VERSION' }, stdin);
    assert.equal([r.code, JSON.parse(r.out[0]).cniVersion], [0, '1.1.0'], stdin.slice(0, 20));
  }
});

// P9: decoding.
for (const text of ['', '{', '{"cniVersion":"1.0.0",}', 'nul', '{"a":1}}'])
  test(`runPlugin() answers stdin ${JSON.stringify(text)} with code 6`, async () => {
    let details = '';
    try {
      JSON.parse(text);
    } catch (e) {
      details = (e as Error).message;
    }
    await expectError({ ...ENV, CNI_COMMAND: 'ADD' }, text, {
      cniVersion: '1.1.0',
      code: 6,
      msg: 'cannot decode the network configuration on stdin: not valid JSON',
      details,
    });
  });
for (const text of ['[]', 'null', '"web"', '42', 'true'])
  test(`runPlugin() answers stdin ${text} (not an object) with code 6`, () =>
    expectError({ ...ENV, CNI_COMMAND: 'DEL' }, text, {
      cniVersion: '1.1.0',
      code: 6,
      msg: 'cannot decode the network configuration on stdin: not a JSON object',
    }));

// P10: versions.
for (const [version, shown] of [
  ['0.0.9', '"0.0.9"'],
  ['1.2.0', '"1.2.0"'],
  [1, '1'],
] as const)
  test(`runPlugin() answers cniVersion ${JSON.stringify(version)} with code 1 listing the supported versions`, () =>
    expectError({ ...ENV, CNI_COMMAND: 'ADD' }, JSON.stringify({ cniVersion: version, name: 'web', type: 'fake' }), {
      cniVersion: '1.1.0',
      code: 1,
      msg: `incompatible CNI version ${shown}`,
      details: SUPPORTED,
    }));
for (const version of ['0.2.0', '0.1.0', '', undefined])
  test(`runPlugin() ADD with cniVersion ${JSON.stringify(version)} answers in the 0.2.0 shape, as the reference`, async () => {
    const add = async (ctx: PluginContext) => ({
      cniVersion: ctx.cniVersion,
      interfaces: [{ name: 'eth0' }],
      ips: [{ address: '192.0.2.5/24', gateway: '192.0.2.1', interface: 0 }, { address: '192.0.2.6/24' }, { address: '2001:db8::5/64' }],
      routes: [{ dst: '0.0.0.0/0', gw: '192.0.2.1', mtu: 1400 }, { dst: '::/0' }],
      dns: { nameservers: ['192.0.2.53'] },
    });
    const r = await call({ ...ENV, CNI_COMMAND: 'ADD' }, JSON.stringify({ cniVersion: version, name: 'web' }), { add });
    assert.equal(JSON.parse(r.out[0]), {
      cniVersion: version || '0.1.0',
      dns: { nameservers: ['192.0.2.53'] },
      ip4: { ip: '192.0.2.5/24', gateway: '192.0.2.1', routes: [{ dst: '0.0.0.0/0', gw: '192.0.2.1' }] },
      ip6: { ip: '2001:db8::5/64', routes: [{ dst: '::/0' }] },
    });
  });
test('runPlugin() reads a prevResult in the 0.2.0 shape', async () => {
  const r = await call(
    { ...ENV, CNI_COMMAND: 'ADD' },
    conf('0.2.0', { prevResult: { cniVersion: '0.2.0', ip4: { ip: '192.0.2.5/24', routes: [{ dst: '0.0.0.0/0' }] }, dns: {} } }),
  );
  assert.equal(r.calls[0].ctx.prevResult, { cniVersion: '0.2.0', ips: [{ address: '192.0.2.5/24' }], routes: [{ dst: '0.0.0.0/0' }] });
});
test('runPlugin() negotiates the highest supported entry of cniVersions', async () => {
  const r = await call(
    { ...ENV, CNI_COMMAND: 'ADD' },
    JSON.stringify({ cniVersions: ['0.4.0', '1.0.0', '3.0.0'], name: 'web', type: 'fake' }),
  );
  assert.is(r.code, 0);
  assert.is(r.calls[0].ctx.cniVersion, '1.0.0');
  assert.is(JSON.parse(r.out[0]).cniVersion, '1.0.0');
});
test('runPlugin() answers an error in the version negotiated from cniVersions', () =>
  expectError({ CNI_COMMAND: 'ADD' }, JSON.stringify({ cniVersions: ['0.4.0'], name: 'web', type: 'fake' }), {
    cniVersion: '0.4.0',
    code: 4,
    msg: 'required environment variable CNI_CONTAINERID is missing for ADD',
  }));
for (const v of ['0.3.0', '0.3.1'])
  test(`runPlugin() refuses CHECK in ${v} with code 1`, () =>
    expectError({ ...ENV, CNI_COMMAND: 'CHECK' }, conf(v, { prevResult: PREV }), {
      cniVersion: v,
      code: 1,
      msg: `CHECK is not supported in CNI version ${v}`,
      details: 'CHECK needs 0.4.0 or later',
    }));
for (const cmd of ['GC', 'STATUS'])
  for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0'])
    test(`runPlugin() refuses ${cmd} in ${v} with code 1`, () =>
      expectError({ ...ENV, CNI_COMMAND: cmd }, conf(v), {
        cniVersion: v,
        code: 1,
        msg: `${cmd} is not supported in CNI version ${v}`,
        details: `${cmd} needs 1.1.0`,
      }));

// P21: CHECK needs prevResult.
test('runPlugin() refuses CHECK without prevResult with code 7', () =>
  expectError({ ...ENV, CNI_COMMAND: 'CHECK' }, conf('1.0.0'), {
    cniVersion: '1.0.0',
    code: 7,
    msg: 'CHECK needs prevResult in the network configuration',
  }));
test('runPlugin() refuses a prevResult that is not a result with code 7', () =>
  expectError({ ...ENV, CNI_COMMAND: 'CHECK' }, conf('1.0.0', { prevResult: { ips: 'x' } }), {
    cniVersion: '1.0.0',
    code: 7,
    msg: 'prevResult.ips is not a list',
  }));
test('runPlugin() CHECK gets prevResult in the 1.1.0 shape and prints nothing on success', async () => {
  const r = await call(
    { ...ENV, CNI_COMMAND: 'CHECK' },
    conf('0.4.0', { prevResult: { ...PREV, cniVersion: '0.4.0', ips: [{ version: '4', address: '192.0.2.5/24', interface: 0 }] } }),
  );
  assert.equal([r.code, r.out], [0, []]);
  assert.equal(r.calls[0].ctx.prevResult, {
    cniVersion: '0.4.0',
    interfaces: PREV.interfaces,
    ips: [{ address: '192.0.2.5/24', interface: 0 }],
  });
});

// P12: VERSION.
test('runPlugin() VERSION with an empty stdin lists every version under the latest', async () => {
  for (const stdin of ['', '  \n']) {
    const r = await call({ CNI_COMMAND: 'VERSION' }, stdin);
    assert.equal([r.code, r.out.length], [0, 1]);
    assert.equal(JSON.parse(r.out[0]), { cniVersion: '1.1.0', supportedVersions: [...PLUGIN_VERSIONS] });
  }
});
for (const v of PLUGIN_VERSIONS)
  test(`runPlugin() VERSION echoes the request's cniVersion ${v}`, async () => {
    const r = await call({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: v }));
    assert.equal(JSON.parse(r.out[0]), {
      cniVersion: v,
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });
test('runPlugin() VERSION needs no other variable and no name', async () => {
  const r = await call({ CNI_COMMAND: 'VERSION', CNI_CONTAINERID: '-bad', CNI_IFNAME: '..' }, '{"cniVersion":"0.0.9"}');
  assert.equal([r.code, JSON.parse(r.out[0])], [0, { cniVersion: '1.1.0', supportedVersions: [...PLUGIN_VERSIONS] }]);
});
// versionReplyFor() is VERSION's answer apart from the skeleton (the C front's table comes from cni/version.ts too): both must answer alike.
for (const stdin of [
  '',
  ' \n',
  '{}',
  '{"cniVersion":"0.3.1"}',
  '{"cniVersion":"1.1.0","name":"n"}',
  '{"cniVersion":"9.9.9"}',
  '{"cniVersion":5}',
  '{',
  '[1]',
  'null',
  '"x"',
  '7',
])
  test(`versionReplyFor(${JSON.stringify(stdin)}) answers as runPlugin() VERSION does`, async () => {
    const r = await call({ CNI_COMMAND: 'VERSION' }, stdin);
    assert.equal([r.code, r.out], [0, [versionReplyFor(stdin)]]);
  });

// P13: the result's version.
for (const v of SUPPORTED_VERSIONS)
  test(`runPlugin() ADD prints the result in the requested ${v} shape`, async () => {
    const r = await call({ ...ENV, CNI_COMMAND: 'ADD' }, conf(v));
    assert.equal([r.code, r.out.length, r.err], [0, 1, []]);
    const legacy = v.startsWith('0.');
    assert.equal(JSON.parse(r.out[0]), {
      cniVersion: v,
      interfaces: [{ name: 'eth0', sandbox: NETNS, ...(v === '1.1.0' && { mtu: 1400 }) }],
      ips: [{ address: '192.0.2.5/24', interface: 0, ...(legacy && { version: '4' }) }],
    });
  });

test('runPlugin() gives the handler the env, the config with the negotiated version, and the raw stdin', async () => {
  const stdin = conf('0.4.0', { bridge: 'br0', prevResult: PREV });
  const r = await call({ ...ENV, CNI_COMMAND: 'ADD', CNI_ARGS: 'A=1' }, stdin);
  const { ctx } = r.calls[0];
  assert.equal(
    [ctx.command, ctx.containerId, ctx.netns, ctx.ifName, ctx.cniVersion, ctx.stdin, ctx.config.bridge, ctx.config.name],
    ['ADD', 'c1', NETNS, 'eth0', '0.4.0', stdin, 'br0', 'web'],
  );
  assert.equal(ctx.prevResult, PREV);
});

test('runPlugin() GC and STATUS succeed without output when the plugin has no handler for them', async () => {
  for (const cmd of ['GC', 'STATUS']) {
    const r = await call({ ...ENV, CNI_COMMAND: cmd }, conf('1.1.0'), { gc: undefined, status: undefined });
    assert.equal([r.code, r.out], [0, []], cmd);
  }
});

// P11: failures inside handlers.
test("runPlugin() prints a handler's CniError as is, in the request's version", async () => {
  const r = await call({ ...ENV, CNI_COMMAND: 'ADD' }, conf('0.4.0'), {
    add: async () => {
      throw new CniError(ErrCode.RangeExhausted, 'no free address in range "192.0.2.0/24"', 'all 254 in use');
    },
  });
  assert.equal([r.code, r.out.length, r.err], [1, 1, []]);
  assert.equal(JSON.parse(r.out[0]), {
    cniVersion: '0.4.0',
    code: 100,
    msg: 'no free address in range "192.0.2.0/24"',
    details: 'all 254 in use',
  });
});
test('runPlugin() turns anything else thrown into code 999 without a stack trace', async () => {
  const cases: Array<[unknown, object]> = [
    [new TypeError('x is undefined'), { code: 999, msg: 'x is undefined' }],
    [new Error(''), { code: 999, msg: 'unexpected Error' }],
    ['a string', { code: 999, msg: 'a string' }],
    [Object.assign(new Error('cannot open "x": ENOENT'), { cniCode: 104 }), { code: 104, msg: 'cannot open "x": ENOENT' }],
    [Object.assign(new Error('odd'), { cniCode: 1.5 }), { code: 999, msg: 'odd' }],
    [
      new AggregateError([new Error('a'), new Error('b')], 'teardown incomplete'),
      { code: 999, msg: 'teardown incomplete', details: '999: a; 999: b' },
    ],
  ];
  for (const [thrown, expected] of cases) {
    const r = await call({ ...ENV, CNI_COMMAND: 'DEL' }, conf(), {
      del: async () => {
        throw thrown;
      },
    });
    assert.equal([r.code, JSON.parse(r.out[0]), r.err], [1, { cniVersion: '1.0.0', ...expected }, []]);
    assert.not.match(r.out[0], /\n\s+at /);
  }
});
for (const debugEnv of [{ BERTH_DEBUG: 'stderr' }, { BERTH_DEBUG: '1' }, { BERTH_LOG: 'stderr' }])
  test(`runPlugin() writes a debug log with the stack when ${Object.entries(debugEnv)[0].join('=')} asks`, async () => {
    const r = await call({ ...ENV, CNI_COMMAND: 'DEL', ...debugEnv }, conf(), {
      del: async () => {
        throw new Error('boom');
      },
    });
    assert.is(r.code, 1);
    assert.match(r.err.join(''), /error: Error: boom\n\s+at /);
    assert.equal(JSON.parse(r.out[0]), { cniVersion: '1.0.0', code: 999, msg: 'boom' });
  });
test('runPlugin() answers an unreadable stdin with code 5', async () => {
  const out: string[] = [];
  const code = await runPlugin(recordingHandlers([]), {
    env: { ...ENV, CNI_COMMAND: 'ADD' },
    readStdin: async () => {
      throw new Error('EIO: i/o error, read');
    },
    writeStdout: (t) => out.push(t),
    writeStderr: () => {},
  });
  assert.equal(
    [code, JSON.parse(out[0])],
    [1, { cniVersion: '1.1.0', code: 5, msg: 'cannot read the network configuration from stdin', details: 'EIO: i/o error, read' }],
  );
});
test('runPlugin() loads lazy handlers only for a real command', async () => {
  let loaded = 0;
  const lazy = async () => {
    loaded += 1;
    return recordingHandlers([]);
  };
  const io = (env: Record<string, string>, stdin: string): PluginIO => ({
    env,
    readStdin: async () => stdin,
    writeStdout: () => {},
    writeStderr: () => {},
  });
  assert.is(await runPlugin(lazy, io({ CNI_COMMAND: 'VERSION' }, '')), 0);
  assert.is(await runPlugin(lazy, io({ CNI_COMMAND: 'ADD' }, conf())), 1);
  assert.is(loaded, 0);
  assert.is(await runPlugin(lazy, io({ ...ENV, CNI_COMMAND: 'ADD' }, conf())), 0);
  assert.is(loaded, 1);
});

/** runPlugin with io.netnsReady; `aware`: the handlers say awaitsNetns. */
function callWithNetns(command: string, netnsReady: Promise<void>, aware: boolean) {
  const calls: Outcome['calls'] = [];
  const out: string[] = [];
  const io: PluginIO = {
    env: { ...ENV, CNI_COMMAND: command },
    readStdin: async () => conf(),
    writeStdout: (t) => out.push(t),
    writeStderr: () => undefined,
    netnsReady,
  };
  const done = runPlugin({ ...recordingHandlers(calls), ...(aware && { awaitsNetns: true }) }, io);
  return { calls, out, done };
}

test('runPlugin() with netnsReady: a plugin that does not await it runs ADD once the netns is there, without it', async () => {
  const netns = pendingNetns();
  const r = callWithNetns('ADD', netns.promise, false);
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(r.calls, []);
  netns.ready();
  assert.is(await r.done, 0);
  assert.is(r.calls.length, 1);
  assert.is(r.calls[0].ctx.netnsReady, undefined);
});

test('runPlugin() with netnsReady: ADD of a plugin that does not await it fails when the netns never comes; DEL runs', async () => {
  const netns = pendingNetns();
  const add = callWithNetns('ADD', netns.promise, false);
  const del = callWithNetns('DEL', netns.promise, false);
  netns.fail(new Error('no netns'));
  assert.is(await add.done, 1);
  assert.equal(add.calls, []);
  assert.match(add.out[0], /no netns/);
  assert.is(await del.done, 0);
  assert.is(del.calls.length, 1);
});

test('runPlugin() with netnsReady: a plugin whose handlers await it runs at once and gets it', async () => {
  const netns = pendingNetns();
  const r = callWithNetns('ADD', netns.promise, true);
  assert.is(await r.done, 0);
  assert.is(r.calls[0].ctx.netnsReady, netns.promise);
  netns.ready();
});

test.run();
