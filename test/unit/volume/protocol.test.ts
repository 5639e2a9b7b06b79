import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handle, parseBody, type VolumeDriver } from '../../../volume/protocol';

const test = suite('volume protocol (handle with a recording fake driver)');

function fakeDriver(calls: unknown[][] = []): VolumeDriver {
  return {
    create: async (...a) => {
      calls.push(['create', ...a]);
    },
    remove: async (...a) => {
      calls.push(['remove', ...a]);
    },
    mount: async (...a) => {
      calls.push(['mount', ...a]);
      return '/m';
    },
    unmount: async (...a) => {
      calls.push(['unmount', ...a]);
    },
    path: async (...a) => {
      calls.push(['path', ...a]);
      return '/m';
    },
    get: async (name) => ({ Name: name, Mountpoint: '/m', CreatedAt: '2026-01-02T03:04:05Z', Status: {} }),
    list: async () => [{ Name: 'a', Mountpoint: '/a' }],
    release: async (...a) => {
      calls.push(['release', ...a]);
      return ['x'];
    },
  };
}

test('handle() answers /Plugin.Activate with an empty body', async () => {
  assert.equal(await handle(fakeDriver(), '/Plugin.Activate', ''), { status: 200, body: { Implements: ['VolumeDriver'] } });
});

test('handle() answers Capabilities with scope local', async () => {
  assert.equal(await handle(fakeDriver(), '/VolumeDriver.Capabilities', '{}\n'), {
    status: 200,
    body: { Capabilities: { Scope: 'local' } },
  });
});

test('handle() passes Create with null Opts, {} Opts or no Opts', async () => {
  const calls: unknown[][] = [];
  const d = fakeDriver(calls);
  for (const body of ['{"Name":"vv","Opts":null}\n', '{"Name":"vv","Opts":{}}', '{"Name":"vv"}'])
    assert.equal(await handle(d, '/VolumeDriver.Create', body), { status: 200, body: { Err: '' } });
  assert.equal(calls, [
    ['create', 'vv', null],
    ['create', 'vv', {}],
    ['create', 'vv', null],
  ]);
});

test('handle() shapes Mount, Path, Get, List, Unmount, Remove and Release replies', async () => {
  const calls: unknown[][] = [];
  const d = fakeDriver(calls);
  assert.equal((await handle(d, '/VolumeDriver.Mount', '{"Name":"vv","ID":"i1"}')).body, { Mountpoint: '/m', Err: '' });
  assert.equal((await handle(d, '/VolumeDriver.Path', '{"Name":"vv"}')).body, { Mountpoint: '/m', Err: '' });
  assert.equal((await handle(d, '/VolumeDriver.Get', '{"Name":"vv"}')).body, {
    Volume: { Name: 'vv', Mountpoint: '/m', CreatedAt: '2026-01-02T03:04:05Z', Status: {} },
    Err: '',
  });
  assert.equal((await handle(d, '/VolumeDriver.List', '{}')).body, { Volumes: [{ Name: 'a', Mountpoint: '/a' }], Err: '' });
  assert.equal((await handle(d, '/VolumeDriver.Unmount', '{"Name":"vv","ID":"i1"}')).body, { Err: '' });
  assert.equal((await handle(d, '/VolumeDriver.Remove', '{"Name":"vv"}')).body, { Err: '' });
  assert.equal((await handle(d, '/Berth.Release', '{"Name":"vv"}')).body, { Released: ['x'], Err: '' });
  assert.equal((await handle(d, '/Berth.Release', '{"Name":"vv","ID":"i1"}')).body, { Released: ['x'], Err: '' });
  assert.equal(calls, [
    ['mount', 'vv', 'i1'],
    ['path', 'vv'],
    ['unmount', 'vv', 'i1'],
    ['remove', 'vv'],
    ['release', 'vv', []],
    ['release', 'vv', ['i1']],
  ]);
});

const bad: Array<[string, string, string, number, string]> = [
  [
    'malformed JSON',
    '/VolumeDriver.Create',
    '{"Name":',
    400,
    'cannot read request to /VolumeDriver.Create: body is not valid JSON: Unexpected end of JSON input',
  ],
  [
    'a JSON array',
    '/VolumeDriver.Create',
    '[{"Name":"vv"}]',
    400,
    'cannot read request to /VolumeDriver.Create: body must be a JSON object, got an array',
  ],
  ['a JSON string', '/VolumeDriver.Get', '"vv"', 400, 'cannot read request to /VolumeDriver.Get: body must be a JSON object, got a string'],
  ['JSON null', '/VolumeDriver.Get', 'null', 400, 'cannot read request to /VolumeDriver.Get: body must be a JSON object, got null'],
  ['no Name', '/VolumeDriver.Create', '{}', 400, 'cannot read request to /VolumeDriver.Create: "Name" is required'],
  [
    'a numeric Name',
    '/VolumeDriver.Remove',
    '{"Name":5}',
    400,
    'cannot read request to /VolumeDriver.Remove: "Name" must be a string, got a number',
  ],
  [
    'Opts as a list',
    '/VolumeDriver.Create',
    '{"Name":"vv","Opts":["a"]}',
    400,
    'cannot read request to /VolumeDriver.Create: "Opts" must be an object of strings or null, got an array',
  ],
  [
    'an option that is not a string',
    '/VolumeDriver.Create',
    '{"Name":"vv","Opts":{"uid":1000}}',
    400,
    'cannot read request to /VolumeDriver.Create: option "uid" must be a string, got a number',
  ],
  ['Mount without ID', '/VolumeDriver.Mount', '{"Name":"vv"}', 400, 'cannot read request to /VolumeDriver.Mount: "ID" is required'],
  [
    'Mount with an empty ID',
    '/VolumeDriver.Mount',
    '{"Name":"vv","ID":""}',
    400,
    'cannot read request to /VolumeDriver.Mount: "ID" must not be empty',
  ],
  [
    'Mount with a newline in the ID',
    '/VolumeDriver.Mount',
    '{"Name":"vv","ID":"a\\nb"}',
    400,
    'cannot read request to /VolumeDriver.Mount: "ID" must not contain control characters',
  ],
  [
    'Unmount with a numeric ID',
    '/VolumeDriver.Unmount',
    '{"Name":"vv","ID":1}',
    400,
    'cannot read request to /VolumeDriver.Unmount: "ID" must be a string, got a number',
  ],
  [
    'Release with bad IDs',
    '/Berth.Release',
    '{"Name":"vv","IDs":[1]}',
    400,
    'cannot read request to /Berth.Release: "ID" must be a non-empty string and "IDs" a list of them',
  ],
];
for (const [what, endpoint, body, status, message] of bad)
  test(`handle() answers ${what} with {Err} and ${status}`, async () => {
    assert.equal(await handle(fakeDriver(), endpoint, body), { status, body: { Err: message } });
  });

test('handle() answers an unknown endpoint with 404 and the list of endpoints', async () => {
  const reply = await handle(fakeDriver(), '/VolumeDriver.Frobnicate', '{}');
  assert.is(reply.status, 404);
  assert.match(
    String(reply.body.Err),
    /^unknown endpoint "\/VolumeDriver\.Frobnicate": this plugin serves \/Plugin\.Activate, \/VolumeDriver\.Create, /,
  );
});

test('handle() turns an unexpected driver exception into a 500 {Err}', async () => {
  const d = {
    ...fakeDriver(),
    get: async () => {
      throw new TypeError('boom');
    },
  };
  assert.equal(await handle(d, '/VolumeDriver.Get', '{"Name":"vv"}'), {
    status: 500,
    body: { Err: 'cannot serve /VolumeDriver.Get: boom' },
  });
});

test('parseBody() reads an empty or blank body as {}', () => {
  assert.equal(parseBody('/x', ''), {});
  assert.equal(parseBody('/x', ' \n'), {});
});

test.run();
