import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyChanges, commandLine, parseCommandValue, parseConfigBlob, resolveUser } from '../../../image/config';

const files = {
  passwd:
    'root:x:0:0:root:/root:/bin/sh\n# a comment\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n',
  group: 'root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nwheel:x:10:root\nnogroup:x:65534:\n',
};

const users: Array<[string | undefined, { uid: number; gid: number; additionalGids: number[]; home: string }]> = [
  [undefined, { uid: 0, gid: 0, additionalGids: [10], home: '/root' }],
  ['', { uid: 0, gid: 0, additionalGids: [10], home: '/root' }],
  ['app', { uid: 1000, gid: 1000, additionalGids: [2000], home: '/home/app' }],
  ['1000', { uid: 1000, gid: 1000, additionalGids: [2000], home: '/home/app' }],
  ['4242', { uid: 4242, gid: 0, additionalGids: [], home: '/' }],
  ['app:extra', { uid: 1000, gid: 2000, additionalGids: [], home: '/home/app' }],
  ['app:77', { uid: 1000, gid: 77, additionalGids: [], home: '/home/app' }],
  ['4242:4343', { uid: 4242, gid: 4343, additionalGids: [], home: '/' }],
  ['nobody', { uid: 65534, gid: 65534, additionalGids: [], home: '/nonexistent' }],
];
for (const [spec, expected] of users)
  test(`resolveUser(${JSON.stringify(spec)}) as runc resolves it`, () => assert.equal(resolveUser(spec, files), expected));

test("resolveUser() refuses unknown names with runc's message", () => {
  assert.throws(() => resolveUser('ghost', files), /^unable to find user ghost: no matching entries in passwd file$/);
  assert.throws(() => resolveUser('app:ghosts', files), /unable to find group ghosts: no matching entries in group file/);
  assert.throws(() => resolveUser('app', {}), /unable to find user app/);
  assert.throws(() => resolveUser('4294967296', {}), /uids and gids must be in range 0-2147483647/);
});

test('resolveUser() takes numeric IDs as they are without an /etc/passwd', () => {
  assert.equal(resolveUser('5:6', {}), { uid: 5, gid: 6, additionalGids: [], home: '/' });
});

const image = { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'] };
const commands: Array<[string, Parameters<typeof commandLine>[1], string[]]> = [
  ["the image's Entrypoint and Cmd", {}, ['/bin/sh', '-c', 'echo hi']],
  ['a run command replaces Cmd, keeps Entrypoint', { cmd: ['date'] }, ['/bin/sh', '-c', 'date']],
  ["--entrypoint drops the image's Cmd", { entrypoint: '/bin/ls' }, ['/bin/ls']],
  ['--entrypoint with a run command', { entrypoint: '/bin/ls', cmd: ['-l', '/'] }, ['/bin/ls', '-l', '/']],
  ['--entrypoint "" resets it', { entrypoint: '', cmd: ['true'] }, ['true']],
];
for (const [what, run, argv] of commands) test(`commandLine(): ${what}`, () => assert.equal(commandLine(image, run), argv));

test('commandLine() with only a Cmd, and with nothing to run', () => {
  assert.equal(commandLine({ Cmd: ['/bin/sh'] }, {}), ['/bin/sh']);
  assert.equal(commandLine({ Entrypoint: null, Cmd: ['/bin/sh'] }, { cmd: ['echo', 'x'] }), ['echo', 'x']);
  assert.throws(() => commandLine({}, {}), /no command specified/);
  assert.throws(() => commandLine(image, { entrypoint: '' }), /no command specified/);
});

test('parseCommandValue() tells the exec form from the shell form', () => {
  assert.equal(parseCommandValue('["/bin/echo", "a b"]'), ['/bin/echo', 'a b']);
  assert.equal(parseCommandValue('echo $HOME'), ['/bin/sh', '-c', 'echo $HOME']);
  assert.equal(parseCommandValue('[not json'), ['/bin/sh', '-c', '[not json']);
});

test('applyChanges() applies docker import --change instructions', () => {
  const config = applyChanges({ Env: ['A=0'] }, [
    'CMD ["/bin/sh"]',
    'ENTRYPOINT /init',
    'ENV A=1 B="two words"',
    'ENV C 3',
    'WORKDIR /srv',
    'USER app',
    'EXPOSE 80 53/udp',
    'VOLUME ["/data"]',
    'LABEL k=v',
    'STOPSIGNAL SIGINT',
  ]);
  assert.equal(config, {
    Env: ['A=1', 'B=two words', 'C=3'],
    Cmd: ['/bin/sh'],
    Entrypoint: ['/bin/sh', '-c', '/init'],
    WorkingDir: '/srv',
    User: 'app',
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Volumes: { '/data': {} },
    Labels: { k: 'v' },
    StopSignal: 'SIGINT',
  });
  assert.throws(() => applyChanges({}, ['RUN rm -rf /']), /RUN is not a valid change command/);
});

test('parseConfigBlob() checks the rootfs and the config', () => {
  const ok = {
    os: 'linux',
    architecture: 'amd64',
    rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] },
    config: { Cmd: ['x'] },
  };
  assert.equal(parseConfigBlob(JSON.stringify(ok)).diffIds, ok.rootfs.diff_ids);
  assert.throws(() => parseConfigBlob('{'), /bad image config: not valid JSON/);
  assert.throws(() => parseConfigBlob(JSON.stringify({ ...ok, rootfs: { type: 'x', diff_ids: [] } })), /rootfs.type must be "layers"/);
  assert.throws(
    () => parseConfigBlob(JSON.stringify({ ...ok, rootfs: { type: 'layers', diff_ids: ['md5:1'] } })),
    /diff_ids must be a list of sha256 digests/,
  );
  assert.throws(() => parseConfigBlob(JSON.stringify({ ...ok, os: 'windows' })), /the image is for "windows", not linux/);
  assert.throws(() => parseConfigBlob(JSON.stringify({ ...ok, config: { Cmd: 'ls' } })), /config.Cmd must be a list of strings/);
});

test.run();
