import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { isRoot, run, withTempDir } from '../../helpers/sandbox';
import { VOLUMED, post, startDaemon, withDaemon, type Daemon } from '../../helpers/volumed';
import { decodeJournal, encodeRecord } from '../../../volume/journal';
import { ENDPOINTS } from '../../../volume/protocol';
import { Gen, prng } from '../../helpers/prng';

const test = suite('berth-volumed (built executable, real unix socket)');
const it = isRoot ? test : test.skip;

const CT = 'application/vnd.docker.plugins.v1.2+json';
const paths = (dir: string) => ({ socket: join(dir, 'v.sock'), root: join(dir, 'root') });
const withVolumed = <T>(fn: (d: Daemon, dir: string) => Promise<T>, args: string[] = []) =>
  withTempDir((dir) => withDaemon({ ...paths(dir), args }, (d) => fn(d, dir)));

it('every endpoint answers with JSON, Content-Length and the plugin media type', async () => {
  await withVolumed(async (d, dir) => {
    const data = join(dir, 'root', 'vv', '_data');
    const expect: Array<[string, unknown, unknown]> = [
      ['/Plugin.Activate', '', { Implements: ['VolumeDriver'] }],
      ['/VolumeDriver.Capabilities', {}, { Capabilities: { Scope: 'local' } }],
      ['/VolumeDriver.Create', { Name: 'vv', Opts: null }, { Err: '' }],
      ['/VolumeDriver.Path', { Name: 'vv' }, { Mountpoint: data, Err: '' }],
      ['/VolumeDriver.List', {}, { Volumes: [{ Name: 'vv', Mountpoint: data }], Err: '' }],
      ['/VolumeDriver.Mount', { Name: 'vv', ID: 'a'.repeat(64) }, { Mountpoint: data, Err: '' }],
      ['/VolumeDriver.Unmount', { Name: 'vv', ID: 'a'.repeat(64) }, { Err: '' }],
      ['/Berth.Release', { Name: 'vv' }, { Released: [], Err: '' }],
      ['/VolumeDriver.Remove', { Name: 'vv' }, { Err: '' }],
      ['/VolumeDriver.List', {}, { Volumes: [], Err: '' }],
    ];
    for (const [endpoint, body, reply] of expect) {
      const r = await d.call(endpoint, body);
      assert.is(r.status, 200, endpoint);
      assert.equal(r.body, reply, endpoint);
      assert.is(r.headers['content-type'], CT);
      assert.is(Number(r.headers['content-length']), Buffer.byteLength(r.text));
    }
  });
});

it('VolumeDriver.Get returns an RFC 3339 CreatedAt with a zone', async () => {
  await withVolumed(async (d) => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    await d.call('/VolumeDriver.Create', { Name: 'vv', Opts: {} });
    const r = await d.call('/VolumeDriver.Get', { Name: 'vv' });
    assert.match(r.body.Volume.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Date.parse(r.body.Volume.CreatedAt) >= before);
    assert.is(r.body.Volume.Status.kind, 'managed');
  });
});

it('a keep-alive connection carries several requests, dockerd style (no Content-Type, trailing newline)', async () => {
  await withVolumed(async (d) => {
    const replies = await new Promise<string>((resolve, reject) => {
      const s = connect({ path: d.socket });
      let data = '';
      s.on('data', (c) => {
        data += c;
        if ((data.match(/HTTP\/1\.1 /g) ?? []).length === 3 && data.endsWith('}')) {
          s.end();
          resolve(data);
        }
      });
      s.on('error', reject);
      const req = (path: string, body: string) =>
        `POST ${path} HTTP/1.1\r\nHost: plugin\r\nAccept: ${CT}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      s.write(
        req('/Plugin.Activate', '') +
          req('/VolumeDriver.Create', '{"Name":"kk","Opts":null}\n') +
          req('/VolumeDriver.Get', '{"Name":"kk"}\n'),
      );
    });
    assert.is((replies.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 3, replies);
    assert.match(replies, /"Implements":\["VolumeDriver"\]/);
    assert.match(replies, /"Name":"kk"/);
    assert.not.match(replies, /Connection: close/i);
  });
});

const bad: Array<[string, string, string, number, string]> = [
  [
    'malformed JSON',
    '/VolumeDriver.Create',
    '{"Name": "vv"',
    400,
    "cannot read request to /VolumeDriver.Create: body is not valid JSON: Expected ',' or '}' after property value in JSON at position 13",
  ],
  [
    'a JSON array',
    '/VolumeDriver.Get',
    '["vv"]',
    400,
    'cannot read request to /VolumeDriver.Get: body must be a JSON object, got an array',
  ],
  [
    'a wrong type',
    '/VolumeDriver.Mount',
    '{"Name":"vv","ID":7}',
    400,
    'cannot read request to /VolumeDriver.Mount: "ID" must be a string, got a number',
  ],
  ['an unknown endpoint', '/VolumeDriver.Snapshot', '{}', 404, ''],
  [
    'an unknown option',
    '/VolumeDriver.Create',
    '{"Name":"vv","Opts":{"foo":"bar"}}',
    500,
    'cannot create volume "vv": invalid option "foo": known options are type, o, device, uid, gid, mode, size',
  ],
  [
    'a name with ..',
    '/VolumeDriver.Create',
    '{"Name":".."}',
    500,
    'cannot create volume "..": invalid name: must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two or more characters, the first a letter or digit)',
  ],
  [
    'a name with NUL',
    '/VolumeDriver.Create',
    '{"Name":"a\\u0000b"}',
    500,
    'cannot create volume "a\\u0000b": invalid name: must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two or more characters, the first a letter or digit)',
  ],
  [
    'a name over 255 bytes',
    '/VolumeDriver.Create',
    JSON.stringify({ Name: 'x'.repeat(256) }),
    500,
    `cannot create volume "${'x'.repeat(256)}": invalid name: must not be longer than 255 bytes`,
  ],
];
it('bad input gets a JSON {Err} and the daemon keeps serving', async () => {
  await withVolumed(async (d) => {
    for (const [what, endpoint, body, status, message] of bad) {
      const r = await d.call(endpoint, body);
      assert.is(r.status, status, what);
      assert.is(r.headers['content-type'], CT, what);
      assert.type(r.body?.Err, 'string', what);
      if (message) assert.is(r.body.Err, message, what);
      else assert.match(r.body.Err, /^unknown endpoint "\/VolumeDriver\.Snapshot": this plugin serves /);
    }
    const big = await d.call('/VolumeDriver.Create', `{"Name":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    assert.equal([big.status, big.body], [413, { Err: 'cannot read request to /VolumeDriver.Create: body larger than 1048576 bytes' }]);
    const get = await new Promise<any>((resolve, reject) => {
      const s = connect({ path: d.socket });
      let data = '';
      s.on('data', (c) => (data += c));
      s.on('end', () => resolve(data));
      s.on('error', reject);
      s.end('GET /VolumeDriver.List HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    assert.match(get, /^HTTP\/1\.1 405 /);
    assert.match(get, /\{"Err":"method GET not allowed on \/VolumeDriver\.List: the plugin protocol uses POST"\}$/);
    const garbage = await new Promise<string>((resolve, reject) => {
      const s = connect({ path: d.socket });
      let data = '';
      s.on('data', (c) => (data += c));
      s.on('end', () => resolve(data));
      s.on('close', () => resolve(data));
      s.on('error', reject);
      s.write('THIS IS NOT HTTP\r\n\r\n');
    });
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(garbage, /\{"Err":"cannot read HTTP request: HPE_INVALID_METHOD"\}$/);
    assert.equal((await d.call('/VolumeDriver.List', {})).body, { Volumes: [], Err: '' });
    assert.is(d.proc.exitCode, null);
  });
});

it('400 random bodies on every endpoint each get a JSON object reply, and the daemon lives on', async () => {
  await withVolumed(async (d) => {
    const gen = new Gen(prng(42));
    const rand = (n: number) => gen.int(n);
    const values = (): unknown =>
      [null, 0, -1, 1.5, true, '', 'vv', '..', 'a/b', [], ['x'], {}, { a: 'b' }, 'x'.repeat(300), '\u0000'][rand(15)];
    const endpoints = [...ENDPOINTS, '/Nope', '/'];
    for (let i = 0; i < 400; i++) {
      const kind = rand(4);
      const body =
        kind === 0
          ? String.fromCharCode(...Array.from({ length: rand(40) }, () => rand(256)))
          : kind === 1
            ? JSON.stringify(values())
            : JSON.stringify({ Name: values(), ID: values(), Opts: rand(2) ? values() : { [String(values())]: values() }, IDs: values() });
      const endpoint = endpoints[rand(endpoints.length)];
      const r = await d.call(endpoint, body);
      assert.is(r.headers['content-type'], CT, `${endpoint} ${body}`);
      assert.type(r.body, 'object', `${endpoint} ${body} -> ${r.text}`);
      assert.ok(r.body !== null && !Array.isArray(r.body), `${endpoint} ${body} -> ${r.text}`);
      if (r.status !== 200) assert.ok(typeof r.body.Err === 'string' && r.body.Err.length > 0, `${endpoint} ${body} -> ${r.text}`);
    }
    assert.is(d.proc.exitCode, null);
    assert.is((await d.call('/VolumeDriver.Capabilities', {})).status, 200);
  });
});

it('the socket is 0600; --group makes it 0660 and group-owned', async () => {
  await withVolumed(async (d) => {
    assert.is(statSync(d.socket).mode & 0o777, 0o600);
  });
  await withVolumed(
    async (d) => {
      const st = statSync(d.socket);
      assert.equal([st.mode & 0o777, st.gid], [0o660, 4]);
    },
    ['--group', '4'],
  );
  await withTempDir(async (dir) => {
    const r = await run(VOLUMED, ['--socket', join(dir, 's'), '--root', join(dir, 'rr'), '--group', 'no-such-group-xyz']);
    assert.equal([r.code, r.stderr], [1, 'berth-volumed: cannot use --group "no-such-group-xyz": no such group\n']);
  });
});

it('a stale socket file is replaced; a live one, or a file that is not a socket, is refused', async () => {
  await withTempDir(async (dir) => {
    const { socket, root } = paths(dir);
    const first = await startDaemon({ socket, root });
    await first.kill(); // kill -9 leaves the socket file behind
    assert.ok(existsSync(socket));
    await withDaemon({ socket, root }, async (d) => {
      assert.equal((await d.call('/VolumeDriver.List', {})).body, { Volumes: [], Err: '' });
      const second = await run(VOLUMED, ['--socket', socket, '--root', join(dir, 'root2')]);
      assert.equal(
        [second.code, second.stderr],
        [1, `berth-volumed: cannot listen on ${JSON.stringify(socket)}: another process is serving ${JSON.stringify(socket)}\n`],
      );
    });
    writeFileSync(join(dir, 'file'), 'x');
    const r = await run(VOLUMED, ['--socket', join(dir, 'file'), '--root', root]);
    assert.equal(
      [r.code, r.stderr],
      [
        1,
        `berth-volumed: cannot listen on ${JSON.stringify(join(dir, 'file'))}: ${JSON.stringify(join(dir, 'file'))} exists and is not a socket: move it away\n`,
      ],
    );
    assert.is(readFileSync(join(dir, 'file'), 'utf8'), 'x');
  });
});

it('bad command-line options exit 2 with a message', async () => {
  const r = await run(VOLUMED, ['--bogus']);
  assert.equal([r.code, r.stderr], [2, 'berth-volumed: unknown argument: --bogus\n']);
  const l = await run(VOLUMED, ['--log-level', 'loud']);
  assert.equal(
    [l.code, l.stderr],
    [2, 'berth-volumed: invalid value "loud" for --log-level: must be one of "debug", "info", "warn", "error"\n'],
  );
});

it('SIGTERM finishes, removes the socket and exits 0; one log line per request', async () => {
  await withTempDir(async (dir) => {
    const d = await startDaemon(paths(dir));
    await d.call('/VolumeDriver.Create', { Name: 'vv' });
    await d.call('/VolumeDriver.Get', { Name: 'nope' });
    assert.is(await d.stop(), 0);
    assert.not.ok(existsSync(d.socket));
    const lines = d
      .stderr()
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\S+ /, ''));
    assert.match(lines[0], /^info serving 0 volumes from ".*root" on .*v\.sock \(mode 0600\)$/);
    assert.match(lines[1], /^info POST \/Plugin\.Activate 200 \d+\.\d\dms$/);
    assert.match(lines[2], /^info POST \/VolumeDriver\.Create name="vv" 200 \d+\.\d\dms$/);
    assert.match(
      lines[3],
      /^warn POST \/VolumeDriver\.Get name="nope" 500 \d+\.\d\dms err="cannot get volume \\"nope\\": no such volume"$/,
    );
    assert.equal(lines.slice(4), ['info SIGTERM: shutting down', 'info stopped']);
  });
});

it('after a burst of requests the idle daemon runs one full garbage collection', async () => {
  await withVolumed(
    async (d) => {
      // A burst as volume-rss.ts makes: without the collection its garbage stays in V8's old generation.
      for (let i = 0; i < 1000; i++) await d.call('/VolumeDriver.Get', { Name: `v${i}` });
      const collected = /debug idle after (\d+) requests: full garbage collection/;
      for (let waited = 0; !collected.test(d.stderr()) && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      assert.is(collected.exec(d.stderr())?.[1], '1001', d.stderr().slice(-300)); // the burst and Plugin.Activate
      await d.call('/VolumeDriver.Get', { Name: 'v' });
      await d.stop();
      assert.is(d.stderr().match(new RegExp(collected, 'g'))?.length, 1, 'one request after it starts no new collection');
    },
    ['--log-level', 'debug'],
  );
});

it('--log-level warn logs only failures', async () => {
  await withVolumed(
    async (d) => {
      await d.call('/VolumeDriver.Create', { Name: 'vv' });
      await d.call('/VolumeDriver.Remove', { Name: 'nope' });
      await d.stop();
      const lines = d.stderr().trim().split('\n');
      assert.is(lines.length, 1, d.stderr());
      assert.match(lines[0], /warn POST \/VolumeDriver\.Remove name="nope" 500 /);
    },
    ['--log-level', 'warn'],
  );
});

it('under systemd socket activation it serves the passed socket and leaves it in place', async () => {
  await withTempDir(async (dir) => {
    const { socket, root } = paths(dir);
    const proc = await import('node:child_process').then((cp) =>
      cp.spawn('systemd-socket-activate', ['-l', socket, VOLUMED, '--socket', join(dir, 'unused.sock'), '--root', root], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let err = '';
    proc.stderr!.on('data', (c) => (err += c));
    const exited = new Promise((r) => proc.on('exit', r));
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      const r = await post(socket, '/VolumeDriver.Create', { Name: 'sa' });
      assert.equal(r.body, { Err: '' });
      assert.equal(
        (await post(socket, '/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name),
        ['sa'],
      );
      assert.not.ok(existsSync(join(dir, 'unused.sock')));
      assert.match(err, /serving 0 volumes from .* on socket passed by systemd \(fd 3\)/);
      proc.kill('SIGTERM');
      assert.is(await exited, 0);
      assert.ok(existsSync(socket), 'the socket belongs to systemd and stays');
    } finally {
      proc.kill('SIGKILL');
    }
  });
});

it('50 parallel creates, then 50 parallel removes', async () => {
  await withVolumed(async (d, dir) => {
    const names = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const created = await Promise.all(names.map((Name) => d.call('/VolumeDriver.Create', { Name, Opts: null })));
    assert.ok(created.every((r) => r.status === 200 && r.body.Err === ''));
    assert.equal((await d.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name).sort(), [...names].sort());
    assert.equal(
      readdirSync(join(dir, 'root'))
        .filter((e) => !e.startsWith('.'))
        .sort(),
      [...names].sort(),
    );
    const removed = await Promise.all(names.map((Name) => d.call('/VolumeDriver.Remove', { Name })));
    assert.ok(removed.every((r) => r.status === 200 && r.body.Err === ''));
    assert.equal((await d.call('/VolumeDriver.List', {})).body.Volumes, []);
    assert.equal(
      readdirSync(join(dir, 'root')).filter((e) => !e.startsWith('.')),
      [],
    );
  });
});

it('10 parallel creates of one name make one volume, all succeed', async () => {
  await withVolumed(async (d, dir) => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => d.call('/VolumeDriver.Create', { Name: 'one', Opts: null })));
    assert.equal(
      replies.map((r) => r.body),
      Array(10).fill({ Err: '' }),
    );
    assert.equal(
      (await d.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name),
      ['one'],
    );
    assert.equal(readdirSync(join(dir, 'root')).sort(), ['.journal.0', '.journal.1', '.spare', '.staging', '.trash', 'one']);
    assert.equal(readdirSync(join(dir, 'root', '.staging')), []);
  });
});

it('volumes, options and mount counts survive a restart', async () => {
  await withTempDir(async (dir) => {
    const p = paths(dir);
    mkdirSync(join(dir, 'host'));
    await withDaemon(p, async (d) => {
      await d.call('/VolumeDriver.Create', { Name: 'mm', Opts: { uid: '1000', mode: '0700' } });
      await d.call('/VolumeDriver.Create', { Name: 'bv', Opts: { type: 'none', o: 'bind', device: join(dir, 'host') } });
      await d.call('/VolumeDriver.Mount', { Name: 'mm', ID: 'x' });
      await d.call('/VolumeDriver.Mount', { Name: 'mm', ID: 'x' });
      writeFileSync(join(dir, 'root', 'mm', '_data', 'f'), 'kept');
    });
    await withDaemon(p, async (d) => {
      const m = (await d.call('/VolumeDriver.Get', { Name: 'mm' })).body.Volume;
      assert.equal(m.Status, {
        kind: 'managed',
        options: { uid: '1000', mode: '0700' },
        mounts: { x: 2 },
        uid: 1000,
        gid: 0,
        mode: '0700',
      });
      assert.equal((await d.call('/VolumeDriver.Get', { Name: 'bv' })).body.Volume.Mountpoint, join(dir, 'host'));
      assert.match((await d.call('/VolumeDriver.Remove', { Name: 'mm' })).body.Err, /in use by mount ID "x"/);
      await d.call('/VolumeDriver.Unmount', { Name: 'mm', ID: 'x' });
      assert.match((await d.call('/VolumeDriver.Remove', { Name: 'mm' })).body.Err, /in use by mount ID "x"/);
      await d.call('/VolumeDriver.Unmount', { Name: 'mm', ID: 'x' });
      assert.equal((await d.call('/VolumeDriver.Remove', { Name: 'mm' })).body, { Err: '' });
    });
  });
});

it('kill -9 during a burst loses no acknowledged change and leaves no half-made volume', async () => {
  await withTempDir(async (dir) => {
    const p = paths(dir);
    chownSync(dir, 0, 0);
    const d = await startDaemon(p);
    // What the client knows: acknowledged changes are certain; a request in flight at the kill may or may not have happened.
    const acked = new Map<string, 'created' | 'removing' | 'removed' | 'mounting' | 'mounted'>();
    const ops: Promise<void>[] = [];
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `k${w}-${i}`;
        try {
          const c = await d.call('/VolumeDriver.Create', { Name: name, Opts: i % 3 === 0 ? { mode: '0700' } : null });
          if (c.body?.Err === '') acked.set(name, 'created');
          if (i % 2 === 0) {
            if (acked.has(name)) acked.set(name, 'mounting');
            const m = await d.call('/VolumeDriver.Mount', { Name: name, ID: `id-${name}` });
            if (m.body?.Err === '') acked.set(name, 'mounted');
          } else if (i % 5 === 1) {
            if (acked.has(name)) acked.set(name, 'removing');
            const r = await d.call('/VolumeDriver.Remove', { Name: name });
            if (r.body?.Err === '') acked.set(name, 'removed');
          }
        } catch {
          return; /* the daemon died mid-request: that change may or may not have happened */
        }
      }
    };
    for (let w = 0; w < 8; w++) ops.push(worker(w));
    await new Promise((r) => setTimeout(r, 700));
    await d.kill();
    stop = true;
    await Promise.all(ops);
    assert.ok(acked.size > 20, `only ${acked.size} operations acknowledged before the kill`);
    await withDaemon(p, async (d2) => {
      const listed = new Set<string>((await d2.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name));
      for (const [name, state] of acked) {
        if (state === 'removing') continue;
        if (state === 'removed') assert.not.ok(listed.has(name), `${name} was removed but is listed`);
        else assert.ok(listed.has(name), `${name} was ${state} but is gone`);
        const mounts = listed.has(name) ? (await d2.call('/VolumeDriver.Get', { Name: name })).body.Volume.Status.mounts : undefined;
        if (state === 'mounted') assert.equal(mounts, { [`id-${name}`]: 1 }, name);
        if (state === 'mounting') assert.ok(Object.keys(mounts).length === 0 || mounts[`id-${name}`] === 1, name);
        if (state === 'created') assert.equal(mounts, {}, name);
      }
      for (const name of listed) {
        const st = statSync(join(p.root, name, '_data'));
        assert.ok(st.isDirectory(), name);
        const mode = Number(name.split('-')[1]) % 3 === 0 ? 0o700 : 0o755;
        assert.is(st.mode & 0o7777, mode, name);
      }
      const onDisk = readdirSync(p.root).filter((e) => !e.startsWith('.'));
      assert.equal(onDisk.sort(), [...listed].sort(), 'every directory under the root is a listed volume');
      assert.equal(readdirSync(join(p.root, '.staging')), []);
      // The replay wrote every volume.json (what the journal held), so the store no longer needs the journal for them.
      for (const name of listed) assert.is(JSON.parse(readFileSync(join(p.root, name, 'volume.json'), 'utf8')).Name, name);
    });
    // A second start (after a clean stop) sees the same volumes: nothing removed comes back, nothing made goes away.
    const first = await withDaemon(p, async (d3) => (await d3.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name).sort());
    const again = await withDaemon(p, async (d4) => (await d4.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name).sort());
    assert.equal(again, first);
    for (const [name, state] of acked) if (state === 'removed') assert.not.ok(first.includes(name), name);
  });
});

/** The journal file written last and where its valid records end (test helper: reads the files as the daemon does). */
function activeJournal(root: string): { path: string; end: number; epoch: number; lastCrc: number; seq: number } {
  const files = ['.journal.0', '.journal.1'].map((f) => ({ path: join(root, f), d: decodeJournal(readFileSync(join(root, f))) }));
  const best = files.filter((f) => f.d.epoch !== undefined).sort((a, b) => (b.d.epoch as number) - (a.d.epoch as number))[0];
  return { path: best.path, end: best.d.end, epoch: best.d.epoch as number, lastCrc: best.d.lastCrc, seq: best.d.entries.length };
}

it('a journal whose last record was torn by a crash: the records before it are replayed, the torn one is ignored', async () => {
  await withTempDir(async (dir) => {
    const p = paths(dir);
    const d = await startDaemon(p);
    try {
      for (const name of ['av', 'bv']) assert.equal((await d.call('/VolumeDriver.Create', { Name: name, Opts: null })).body, { Err: '' });
    } finally {
      await d.kill(); // before the checkpoint (2 s): the volumes' volume.json exist only through the journal
    }
    for (const name of ['av', 'bv']) assert.not.ok(existsSync(join(p.root, name, 'volume.json')), `${name}: written before the checkpoint`);
    // What a power loss in the middle of a third record leaves: its first half on disk, zeros after.
    const j = activeJournal(p.root);
    const { bytes } = encodeRecord(
      { op: 'create', name: 'torn', id: '0123', createdAt: '2026-11-22T08:00:00Z', options: {} },
      j.epoch,
      j.seq,
      j.lastCrc,
    );
    const fd = openSync(j.path, 'r+');
    writeSync(fd, bytes.subarray(0, Math.floor(bytes.length / 2)), 0, Math.floor(bytes.length / 2), j.end);
    closeSync(fd);
    await withDaemon(p, async (d2) => {
      assert.equal((await d2.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name).sort(), ['av', 'bv']);
      assert.not.ok(existsSync(join(p.root, 'torn')));
      // The journal goes on after the torn record: new records are read back at the next start.
      assert.equal((await d2.call('/VolumeDriver.Create', { Name: 'cv', Opts: null })).body, { Err: '' });
      await d2.kill();
    });
    await withDaemon(p, async (d3) => {
      assert.equal((await d3.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name).sort(), ['av', 'bv', 'cv']);
    });
  });
});

it('a replay completes a half-made volume: missing volume.json, _data or the whole directory', async () => {
  await withTempDir(async (dir) => {
    const p = paths(dir);
    const d = await startDaemon(p);
    let before: unknown;
    try {
      await d.call('/VolumeDriver.Create', { Name: 'hh', Opts: { uid: '1000', mode: '0700' } });
      await d.call('/VolumeDriver.Create', { Name: 'mm', Opts: null });
      await d.call('/VolumeDriver.Mount', { Name: 'mm', ID: 'c1' }); // journaled: m's files are not written yet
      await d.call('/VolumeDriver.Create', { Name: 'ww', Opts: null });
      before = (await d.call('/VolumeDriver.Get', { Name: 'hh' })).body.Volume;
    } finally {
      await d.kill();
    }
    // What a power loss could leave of Creates answered before the checkpoint made them durable.
    rmSync(join(p.root, 'hh', '_data'), { recursive: true, force: true });
    rmSync(join(p.root, 'hh', 'volume.json'), { force: true });
    rmSync(join(p.root, 'ww'), { recursive: true, force: true });
    await withDaemon(p, async (d2) => {
      assert.equal((await d2.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name).sort(), ['hh', 'mm', 'ww']);
      assert.equal((await d2.call('/VolumeDriver.Get', { Name: 'hh' })).body.Volume, before);
      const st = statSync(join(p.root, 'hh', '_data'));
      assert.equal([st.uid, st.mode & 0o7777], [1000, 0o700]);
      assert.equal(readdirSync(join(p.root, 'ww', '_data')), []);
      assert.equal((await d2.call('/VolumeDriver.Get', { Name: 'mm' })).body.Volume.Status.mounts, { c1: 1 });
      assert.match(d2.stderr(), /completed the half-made volume/);
    });
  });
});

it('a Remove that was answered does not come back after a crash, even if its rename was lost', async () => {
  await withTempDir(async (dir) => {
    const p = paths(dir);
    const d = await startDaemon(p);
    await d.call('/VolumeDriver.Create', { Name: 'rr', Opts: null });
    await d.call('/VolumeDriver.Create', { Name: 'keep', Opts: null });
    try {
      // Past a checkpoint (at most 2 s after the first record): r is on disk in full.
      for (const until = Date.now() + 10_000; !existsSync(join(p.root, 'rr', 'volume.json')) && Date.now() < until;)
        await new Promise((res) => setTimeout(res, 50));
      assert.ok(existsSync(join(p.root, 'rr', 'volume.json')));
      assert.equal((await d.call('/VolumeDriver.Remove', { Name: 'rr' })).body, { Err: '' });
    } finally {
      await d.kill(); // within 200 ms of the Remove: r waits in .trash
    }
    // A power loss that lost the rename into .trash puts r back under its name.
    const trashed = readdirSync(join(p.root, '.trash'));
    assert.is(trashed.length, 1);
    renameSync(join(p.root, '.trash', trashed[0]), join(p.root, 'rr'));
    await withDaemon(p, async (d2) => {
      assert.equal(
        (await d2.call('/VolumeDriver.List', {})).body.Volumes.map((v: any) => v.Name),
        ['keep'],
      );
      assert.not.ok(existsSync(join(p.root, 'rr')));
      // And a new volume of that name is a new, empty one.
      assert.equal((await d2.call('/VolumeDriver.Create', { Name: 'rr', Opts: null })).body, { Err: '' });
    });
  });
});

test.run();
