import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN_DIR, isRoot, run, withTempDir } from '../../helpers/sandbox';
import { withDaemon, type Daemon } from '../../helpers/volumed';

const test = suite('berth volume (built executable against berth-volumed)');
const it = isRoot ? test : test.skip;
const BERTH = join(BIN_DIR, 'berth');

const withCli = (fn: (berth: (...args: string[]) => ReturnType<typeof run>, d: Daemon, dir: string) => Promise<void>) =>
  withTempDir((dir) =>
    withDaemon({ socket: join(dir, 's.sock'), root: join(dir, 'root') }, (d) =>
      fn((...args) => run(BERTH, ['--root', join(dir, 'berth'), 'volume', '--socket', d.socket, ...args]), d, dir),
    ),
  );

it('create, ls (table, json, -q), inspect and rm', async () => {
  await withCli(async (berth, _d, dir) => {
    assert.equal(await berth('create', 'b-vol', '-o', 'mode=0700'), { code: 0, stdout: 'b-vol\n', stderr: '', json: undefined });
    assert.is((await berth('create', '-o', 'uid=1000', 'a-vol')).stdout, 'a-vol\n');
    const anon = await berth('create');
    assert.match(anon.stdout, /^[0-9a-f]{64}\n$/);
    const root = join(dir, 'root');
    const names = [anon.stdout.trim(), 'a-vol', 'b-vol'].sort();
    const table = await berth('ls');
    // docker's columns: DRIVER, VOLUME NAME
    assert.is(table.stdout, ['DRIVER    VOLUME NAME', ...names.map((n) => `berth     ${n}`)].join('\n') + '\n');
    assert.equal((await berth('ls', '-q')).stdout.split('\n').filter(Boolean), names);
    assert.equal(
      JSON.parse((await berth('ls', '--format', 'json')).stdout).map((v: any) => v.Name),
      names,
    );
    const [info] = JSON.parse((await berth('inspect', 'b-vol')).stdout);
    assert.equal(info.Status, { kind: 'managed', options: { mode: '0700' }, mounts: {}, uid: 0, gid: 0, mode: '0700' });
    // Go templates, as docker volume ls --format and volume inspect -f take them.
    assert.is(
      (await berth('inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}} {{.Options.mode}}', 'b-vol')).stdout,
      'b-vol berth local 0700\n',
    );
    assert.is((await berth('inspect', '--format', '{{.Mountpoint}}', 'b-vol')).stdout, `${join(root, 'b-vol', '_data')}\n`);
    // types.Volume's zero values: UsageData is a nil pointer, Labels an empty map (docker 20.10's output).
    assert.is((await berth('inspect', '-f', '{{.UsageData}}|{{.Labels}}', 'b-vol')).stdout, '<nil>|map[]\n');
    assert.is((await berth('ls', '--format', '{{.Driver}}:{{.Name}}')).stdout, names.map((n) => `berth:${n}\n`).join(''));
    assert.is(
      (await berth('ls', '--format', 'table {{.Driver}}\t{{.Name}}')).stdout,
      ['DRIVER    VOLUME NAME', ...names.map((n) => `berth     ${n}`)].join('\n') + '\n',
    );
    const badField = await berth('inspect', '-f', '{{.Nope}}', 'b-vol');
    assert.equal([badField.code, badField.stderr], [1, 'berth: template: can\'t evaluate ".Nope": no entry for key "Nope"\n']);
    assert.equal(await berth('rm', 'a-vol', 'nope', 'b-vol'), {
      code: 1,
      stdout: 'a-vol\nb-vol\n',
      stderr: 'Error: No such volume: nope\n',
      json: undefined,
    });
    assert.equal((await berth('ls', '-q')).stdout, `${anon.stdout}`);
  });
});

it('release drops a stale mount ID so rm works', async () => {
  await withCli(async (berth, d) => {
    await berth('create', 'vv');
    await d.call('/VolumeDriver.Mount', { Name: 'vv', ID: 'f'.repeat(64) });
    await d.call('/VolumeDriver.Mount', { Name: 'vv', ID: 'e'.repeat(64) });
    const refused = await berth('rm', 'vv');
    assert.is(refused.code, 1);
    assert.is(
      refused.stderr,
      `berth: cannot remove volume "vv": volume is in use by mount IDs "${'e'.repeat(64)}", "${'f'.repeat(64)}" (if those containers are gone: berth volume release "vv")\n`,
    );
    assert.match((await berth('inspect', '--format', 'table', 'vv')).stdout, new RegExp(`eeeeeeeeeeee,ffffffffffff`));
    assert.equal(await berth('release', 'vv', 'f'.repeat(64)), { code: 0, stdout: `${'f'.repeat(64)}\n`, stderr: '', json: undefined });
    assert.is((await berth('release', 'vv')).stdout, `${'e'.repeat(64)}\n`);
    assert.is((await berth('release', 'vv')).stdout, 'no mount ID released on "vv"\n');
    assert.is((await berth('rm', 'vv')).code, 0);
  });
});

it('prune removes unmounted managed volumes, keeps bind ones unless --all, and needs --force without a terminal', async () => {
  await withCli(async (berth, d, dir) => {
    mkdirSync(join(dir, 'host'));
    writeFileSync(join(dir, 'host', 'keep'), 'x');
    await berth('create', 'm1');
    await berth('create', 'busy');
    await berth('create', 'bv', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${join(dir, 'host')}`);
    await d.call('/VolumeDriver.Mount', { Name: 'busy', ID: 'i' });
    assert.equal(await berth('prune'), {
      code: 1,
      stdout: '',
      stderr: 'berth: refusing to prune 1 volume without --force (not a terminal to ask on)\n',
      json: undefined,
    });
    writeFileSync(join(JSON.parse((await berth('inspect', 'm1')).stdout)[0].Mountpoint, 'data'), 'x'.repeat(1500));
    // docker's report: the names, a blank line, the bytes the removed data held (a bind volume's stay).
    assert.is((await berth('prune', '-f')).stdout, 'Deleted Volumes:\nm1\n\nTotal reclaimed space: 1.5kB\n');
    assert.is((await berth('prune', '-f', '--all')).stdout, 'Deleted Volumes:\nbv\n\nTotal reclaimed space: 0B\n');
    assert.is((await berth('prune', '-f')).stdout, 'Total reclaimed space: 0B\n', 'nothing to remove');
    assert.ok(existsSync(join(dir, 'host', 'keep')));
    assert.is((await berth('ls', '-q')).stdout, 'busy\n');
  });
});

it('errors: daemon not running, bad options, unknown commands', async () => {
  await withTempDir(async (dir) => {
    const sock = join(dir, 'none.sock');
    assert.equal(await run(BERTH, ['volume', '--socket', sock, 'ls']), {
      code: 1,
      stdout: '',
      stderr: `berth: cannot reach berth-volumed at ${JSON.stringify(sock)}: ENOENT (is berth-volumed running? systemctl start berth-volumed.socket, or pass --socket)\n`,
      json: undefined,
    });
  });
  await withCli(async (berth) => {
    assert.equal(await berth('create', '-o', 'foo=bar', 'x1'), {
      code: 1,
      stdout: '',
      stderr: 'berth: cannot create volume "x1": invalid option "foo": known options are type, o, device, uid, gid, mode, size\n',
      json: undefined,
    });
    assert.equal(await berth('create', '-o', 'novalue', 'x1'), {
      code: 1,
      stdout: '',
      stderr: 'berth: invalid option "novalue": expected KEY=VALUE\n',
      json: undefined,
    });
  });
  // A wrong command line that refuses no flag: 1, as the docker CLI's (which shows help for a bare `docker volume`).
  assert.equal(await run(BERTH, ['volume']), {
    code: 1,
    stdout: '',
    stderr: 'berth: name a volume command: create, ls, inspect, rm, prune, release\n',
    json: undefined,
  });
  assert.equal(await run(BERTH, ['bogus']), {
    code: 1,
    stdout: '',
    stderr: "berth: 'bogus' is not a berth command.\nSee 'berth --help'\n",
    json: undefined,
  });
  assert.equal(
    (await run(BERTH, ['--root', '/nonexistent', 'volume', '--socket', '/nonexistent.sock', 'ls'])).code,
    1,
    'global options before the command',
  );
});

it('-- ends the options: the name after it counts; -dash is an unknown option', async () => {
  await withCli(async (berth) => {
    assert.equal(await berth('create', '--', 'foo'), { code: 0, stdout: 'foo\n', stderr: '', json: undefined });
    assert.equal(await berth('create', '-dash'), { code: 125, stdout: '', stderr: 'berth: unknown argument: -dash\n', json: undefined });
    assert.equal(await berth('create', '-o'), { code: 125, stdout: '', stderr: 'berth: option -o needs a value\n', json: undefined });
    assert.is((await berth('ls', '-q')).stdout, 'foo\n');
  });
});

it("names follow Docker's rule, in the CLI and in the daemon (exit 1 either way, as docker's refusal)", async () => {
  await withCli(async (berth, d) => {
    const rule = 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two or more characters, the first a letter or digit)';
    for (const name of ['bad name', 'a', '_x', '-- x'])
      assert.equal(await berth('create', '--', name), {
        code: 1,
        stdout: '',
        stderr: `berth: invalid volume name ${JSON.stringify(name)}: ${rule}\n`,
        json: undefined,
      });
    assert.equal((await d.call('/VolumeDriver.Create', { Name: 'bad name' })).body, {
      Err: `cannot create volume "bad name": invalid name: ${rule}`,
    });
    assert.is((await berth('ls', '-q')).stdout, '');
  });
});

it('create of an existing volume: the same options are idempotent, other options a conflict naming them', async () => {
  await withCli(async (berth) => {
    assert.is((await berth('create', 'data', '-o', 'mode=0700', '-o', 'uid=1000')).code, 0);
    assert.equal(await berth('create', 'data', '-o', 'uid=1000', '-o', 'mode=700'), {
      code: 0,
      stdout: 'data\n',
      stderr: '',
      json: undefined,
    });
    assert.equal(await berth('create', 'data', '-o', 'mode=0700'), {
      code: 1,
      stdout: '',
      stderr: 'berth: cannot create volume "data": volume exists with different options: uid is "1000", requested "0"\n',
      json: undefined,
    });
    const [info] = JSON.parse((await berth('inspect', 'data')).stdout);
    assert.equal(info.Status.options, { mode: '0700', uid: '1000' });
  });
});

it('inspect of a missing volume: [] on stdout, the error on stderr, exit 1, as docker volume inspect', async () => {
  await withCli(async (berth) => {
    assert.equal(await berth('inspect', 'nope'), {
      code: 1,
      stdout: '[]\n',
      stderr: 'Error: No such volume: nope\n',
      json: [],
    });
    await berth('create', 'here');
    const both = await berth('inspect', 'nope', 'here');
    assert.equal([both.code, both.stderr, both.json.map((v: any) => v.Name)], [1, 'Error: No such volume: nope\n', ['here']]);
  });
});

it("create -d/--driver and --label, operand counts: docker's behaviour and words", async () => {
  await withCli(async (berth, d, dir) => {
    assert.is((await berth('create', '-d', 'local', '--label', 'team=a', '--label', 'x', 'lab')).stdout, 'lab\n');
    assert.is((await berth('create', '--driver', 'berth', 'plain')).stdout, 'plain\n');
    const [info] = JSON.parse((await berth('inspect', 'lab')).stdout);
    assert.equal(Object.keys(info), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope', 'Status']);
    assert.equal([info.Driver, info.Labels, info.Options, info.Scope], ['berth', { team: 'a', x: '' }, {}, 'local']);
    assert.is((await berth('inspect', '-f', '{{.Labels.team}}', 'lab')).stdout, 'a\n');
    assert.is((await berth('ls', '--format', '{{.Name}}|{{.Labels}}')).stdout, 'lab|team=a,x=\nplain|\n');
    assert.is((await berth('ls', '-q', '-f', 'label=team=a')).stdout, 'lab\n');
    assert.is((await berth('ls', '-q', '-f', 'label=x')).stdout, 'lab\n');
    const missing = await berth('create', '-d', 'nosuch', 'v9');
    assert.equal(
      [missing.code, missing.stderr],
      [1, 'berth: create v9: error looking up volume plugin nosuch: plugin "nosuch" not found\n'],
    );
    // Another plugin: DRIVER.sock beside berth-volumed's socket (here: another berth-volumed).
    await withDaemon({ socket: join(dirname(d.socket), 'other.sock'), root: join(dir, 'other') }, async (other) => {
      assert.is((await berth('create', '-d', 'other', 'elsewhere')).stdout, 'elsewhere\n');
      assert.equal(
        (await other.call('/VolumeDriver.List')).body.Volumes.map((v: { Name: string }) => v.Name),
        ['elsewhere'],
      );
    });
    assert.equal(await berth('rm', 'lab'), { code: 0, stdout: 'lab\n', stderr: '', json: undefined });
    // -f: a missing volume is named and no error, as docker volume rm -f
    assert.equal(await berth('rm', '-f', 'lab', 'gone'), { code: 0, stdout: 'lab\ngone\n', stderr: '', json: undefined });
    await berth('create', 'lab', '--label', 'again=1');
    // prune --filter: dockerd's label and label! on those labels
    await berth('create', '--label', 'keep', 'kept');
    await berth('create', '--label', 'tmp=1', 'scratch');
    assert.is((await berth('prune', '-f', '--filter', 'label=tmp=1')).stdout, 'Deleted Volumes:\nscratch\n\nTotal reclaimed space: 0B\n');
    assert.is(
      (await berth('prune', '-f', '--filter', 'label!=keep')).stdout,
      'Deleted Volumes:\nlab\nplain\n\nTotal reclaimed space: 0B\n',
    );
    assert.equal((await berth('ls', '-q')).stdout, 'kept\n');
    const badKey = await berth('prune', '-f', '--filter', 'dangling=true');
    assert.equal([badKey.code, badKey.stderr], [1, "berth: Invalid filter 'dangling'\n"]);
    await berth('create', 'lab');
    assert.equal(JSON.parse((await berth('inspect', 'lab')).stdout)[0].Labels, {}, 'a new volume of the name has none');
    for (const [args, requirement, usage] of [
      [['create', 'a1', 'b1'], 'requires at most 1 argument', 'volume create [OPTIONS] [VOLUME]\n\nCreate a volume'],
      [
        ['inspect', '-f', '{{.Name}}'],
        'requires at least 1 argument',
        'volume inspect [OPTIONS] VOLUME [VOLUME...]\n\nDisplay detailed information on one or more volumes',
      ],
      [['rm'], 'requires at least 1 argument', 'volume rm [OPTIONS] VOLUME [VOLUME...]\n\nRemove one or more volumes'],
    ] as const) {
      const r = await berth(...args);
      const sub = args[0];
      assert.equal(
        [r.code, r.stderr],
        [1, `berth: "berth volume ${sub}" ${requirement}.\nSee 'berth volume ${sub} --help'.\n\nUsage:  berth ${usage}\n`],
        args.join(' '),
      );
    }
  });
});

test.run();
