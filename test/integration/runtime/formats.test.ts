/** `--format` / `-f` Go templates of ps, inspect, stats, images and image inspect, as a docker user writes them. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tarDirectory } from '../../helpers/rootfs';
import { isRoot } from '../../helpers/sandbox';
import { withBerth } from '../../helpers/berth';

const test = suite('berth --format templates (built executables, real kernel)');
const it = isRoot ? test : test.skip;

it('inspect -f and ps --format take Go templates; a bad field exits 1 (as docker) and names it', async () => {
  await withBerth(async (b) => {
    const id = (await b('run', '-d', '--name', 'fmt', '-l', 'tier=web', '-m', '64m', '--rootfs', b.rootfs, 'sleep', '100')).stdout.trim();
    const f = async (...args: string[]) => {
      const r = await b(...args);
      assert.is(r.code, 0, r.stderr);
      return r.stdout;
    };
    assert.is(await f('inspect', '-f', '{{.State.Status}} {{.Name}} {{.Config.Cmd}}', 'fmt'), 'running /fmt [sleep 100]\n');
    assert.is(await f('inspect', '--format', '{{index .Config.Labels "tier"}} {{json .State.Running}}', id.slice(0, 8)), 'web true\n');
    assert.is(await f('inspect', '-f', '{{if .State.Running}}up{{else}}down{{end}}', 'fmt', 'fmt'), 'up\nup\n');
    // Variables and else if, as docker's own inspect examples write them.
    assert.is(
      await f(
        'inspect',
        '-f',
        '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}} {{$n := .Name}}{{with .State}}{{$n}} {{.Status}}{{end}}',
        'fmt',
      ),
      'tier=web /fmt running\n',
    );
    assert.is(await f('ps', '--format', '{{if eq .State "exited"}}down{{else if eq .State "running"}}{{$.Names}} up{{end}}'), 'fmt up\n');
    assert.is(
      await f('inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}}', 'fmt'),
      '67108864 134217728 0\n',
    );
    // Docker's typed zero values where the JSON has no such key (docker 20.10's output for the same container).
    assert.is(
      await f(
        'inspect',
        '-f',
        '{{.Config.StopSignal}}|{{.HostConfig.PidsLimit}}|{{.HostConfig.RestartPolicy}}|{{.State.Health}}|{{.HostConfig.Init}}',
        'fmt',
      ),
      '|<nil>|{no 0}|<nil>|<nil>\n',
    );
    const bad = await b('inspect', '-f', '{{.Nope}}', 'fmt');
    assert.equal([bad.code, bad.stderr], [1, 'berth: template: can\'t evaluate ".Nope": no entry for key "Nope"\n']);
    assert.is(await f('ps', '--format', '{{.Names}} {{.State}} {{.Label "tier"}}'), 'fmt running web\n');
    assert.match(await f('ps', '--format', 'table {{.ID}}\\t{{.Names}}'), new RegExp(`^CONTAINER ID   NAMES\n${id.slice(0, 12)}   fmt\n$`));
    assert.is(await f('ps', '-q', '--format', '{{.Names}}'), `${id.slice(0, 12)}\n`, '-q wins, as in docker');
    // Docker's filters: name is a regular expression; an unknown status is refused.
    assert.is(await f('ps', '-q', '--filter', 'name=^fm', '--filter', 'name=^/fmt$'), `${id.slice(0, 12)}\n`);
    assert.is(await f('ps', '-q', '--filter', 'name=^mt'), '');
    const badStatus = await b('ps', '--filter', 'status=sleeping');
    assert.equal([badStatus.code, badStatus.stderr], [1, "berth: Invalid filter 'status=sleeping'\n"]);
    // The default table: every column at least 10 wide, as the docker CLI's tabwriter.
    assert.is(await f('ps', '--filter', 'name=nomatch'), 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
    assert.is(await f('stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'fmt'), 'fmt 1\n');
    // A container that is not up has no figures (docker: 0B / 0B, not the host's memory); -a lists newest first.
    await f('create', '--name', 'idle', '--rootfs', b.rootfs, 'true');
    assert.is(
      await f('stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.MemPerc}} {{.PIDs}}', 'idle'),
      'idle 0B / 0B 0.00% 0\n',
    );
    assert.is(await f('stats', '--no-stream', '-a', '--format', '{{.Name}}'), 'idle\nfmt\n');
    // As dockerd: a name filter alone lists running containers only; -a, -n N or a status filter every state.
    assert.is(await f('ps', '--filter', 'name=idle', '--format', '{{.Names}}'), '');
    assert.is(await f('ps', '-a', '--filter', 'name=idle', '--format', '{{.Names}}'), 'idle\n');
    assert.is(await f('ps', '--filter', 'status=created', '--format', '{{.Names}}'), 'idle\n');
    assert.is(await f('ps', '-n', '1', '--format', '{{.Names}}'), 'idle\n');
    assert.is(await f('ps', '--last', '2', '--format', '{{.Names}}'), 'idle\nfmt\n');
    await f('rm', 'idle');
    const badPs = await b('ps', '--format', '{{.Names');
    assert.equal([badPs.code, badPs.stderr], [1, 'berth: template: unclosed action\n']);
  });
});

it("ps --filter: dockerd's before, since, volume, network, health, is-task, expose", async () => {
  await withBerth(async (b) => {
    const names = async (...filters: string[]) => {
      const r = await b('ps', '-a', '--format', '{{.Names}}', ...filters.flatMap((f) => ['--filter', f]));
      assert.is(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean);
    };
    await b('create', '--name', 'first', '--rootfs', b.rootfs, 'true');
    await b('create', '--name', 'second', '-v', `${b.rootfs}:/data:ro`, '--rootfs', b.rootfs, 'true');
    await b('create', '--name', 'third', '--network', 'host', '--expose', '80', '--rootfs', b.rootfs, 'true');
    assert.equal(await names('before=third'), ['second', 'first']);
    assert.equal(await names('since=first', 'before=third'), ['second']);
    assert.equal(await names('volume=/data'), ['second']);
    assert.equal(await names('network=none'), ['second', 'first']);
    assert.equal(await names('network=host'), ['third']);
    assert.equal(await names('expose=80/tcp'), ['third']);
    assert.equal(await names('health=none', 'is-task=false'), ['third', 'second', 'first']);
    assert.equal(await names('health=healthy'), []);
    // .Mounts, .Networks, .LocalVolumes as the docker CLI prints them (a bind: its source, cut at 15)
    const fields = await b('ps', '-a', '--filter', 'name=second', '--format', '{{.Mounts}}|{{.Networks}}|{{.LocalVolumes}}');
    assert.is(fields.stdout, `${b.rootfs.slice(0, 14)}…|none|0\n`);
    const full = await b('ps', '-a', '--no-trunc', '--filter', 'name=^third$', '--format', '{{.Mounts}}|{{.Networks}}');
    assert.is(full.stdout, '|host\n');
    for (const [filter, message] of [
      ['before=gone', 'no such container gone'],
      ['health=ok', 'Unrecognised filter value for health: ok'],
      ['is-task=x', "Invalid filter 'is-task=[x]'"],
    ]) {
      const r = await b('ps', '--filter', filter);
      assert.equal([r.code, r.stderr], [1, `berth: ${message}\n`]);
    }
  });
});

it("ps -s: the container layer's size and with the root below it (virtual), as docker 20.10", async () => {
  await withBerth(async (b) => {
    await b('run', '-d', '--name', 'sized', '--rootfs', b.rootfs, 'sleep', '100');
    // 3000 bytes, and a hard link to them that counts once
    const w = await b('exec', 'sized', 'sh', '-c', 'head -c 3000 /dev/zero >/f; mkdir /d; ln /f /d/hl');
    assert.is(w.code, 0, w.stderr);
    // The root's bytes as moby's directory.Size counts them: every non-directory, each inode once.
    const listed = execFileSync('find', [b.rootfs, '-not', '-type', 'd', '-printf', '%i %s\\n'], { encoding: 'utf8' });
    const below = [
      ...new Map(
        listed
          .trim()
          .split('\n')
          .map((l) => l.split(' ') as [string, string]),
      ).values(),
    ].reduce((a, n) => a + Number(n), 0);
    const virtual = `${Number(((3000 + below) / 1e6).toPrecision(3))}MB`;
    const table = (await b('ps', '-s')).stdout.split('\n');
    assert.match(table[0], /NAMES {5}SIZE$/);
    assert.ok(table[1].endsWith(`sized     3kB (virtual ${virtual})`), table[1]);
    // a template that names .Size gets it without -s, as the docker CLI asks for it
    assert.is((await b('ps', '--format', '{{.Names}}: {{.Size}}')).stdout, `sized: 3kB (virtual ${virtual})\n`);
    assert.is((await b('ps', '-s', '-q')).stdout.length, 13);
    // inspect -s: the same two sizes in bytes, right after GraphDriver; without -s a template sees nil
    const [info] = JSON.parse((await b('inspect', '-s', 'sized')).stdout);
    assert.equal([info.SizeRw, info.SizeRootFs], [3000, 3000 + below]);
    assert.equal(Object.keys(info).slice(19, 22), ['GraphDriver', 'SizeRw', 'SizeRootFs']);
    assert.is((await b('inspect', '-f', '{{.SizeRw}}', 'sized')).stdout, '<nil>\n');
    // stats --no-trunc: the whole ID
    const id = (await b('inspect', '-f', '{{.Id}}', 'sized')).stdout;
    assert.is((await b('stats', '--no-stream', '--no-trunc', '--format', '{{.ID}}', 'sized')).stdout, id);
  });
});

it('images --format and image inspect -f take Go templates', async () => {
  await withBerth(async (b) => {
    const tar = tarDirectory(b.rootfs, join(b.root, '..', 'rootfs.tar'));
    const id = (await b('image', 'import', '-c', 'CMD ["sh"]', tar, 'bb:1')).stdout.trim();
    assert.is((await b('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).stdout, `bb:1 ${id.slice(7, 19)}\n`);
    assert.is((await b('image', 'inspect', '-f', '{{.Id}} {{.Config.Cmd}}', 'bb:1')).stdout, `${id} [sh]\n`);
    // types.ImageInspect's zero values and structs, as docker prints them.
    assert.is(
      (await b('image', 'inspect', '-f', '{{.RootFS.BaseLayer}}|{{.Config.Healthcheck}}|{{.Config.Env}}', 'bb:1')).stdout,
      '|<nil>|[]\n',
    );
    // inspect without --type falls back to an image, as docker's; --type picks one kind.
    await b('create', '--name', 'bb', 'bb:1');
    assert.is((await b('inspect', '-f', '{{.Id}} {{.Config.Cmd}}', 'bb:1')).stdout, `${id} [sh]\n`);
    assert.is((await b('inspect', '-f', '{{.Name}}', 'bb')).stdout, '/bb\n', 'a container first');
    const wrongType = await b('inspect', '--type', 'image', 'bb');
    assert.equal([wrongType.code, wrongType.stderr], [1, 'Error: No such image: bb\n']);
    const badType = await b('inspect', '--type', 'pod', 'bb');
    assert.equal([badType.code, badType.stderr], [1, 'berth: "pod" is not a valid value for --type\n']);
    await b('rm', 'bb');
  });
});

test.run();
