import { suite } from 'uvu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { parseFlags, type FlagDef } from '../../../berth/flags';
import { HelpRequest } from '../../../berth/help';
import { parseGlobals } from '../../../berth/globals';
import { runOptionsOf, RUN_FLAGS } from '../../../berth/run-flags';
import { capabilityMask, planCapabilities } from '../../../runtime/caps';
import { describeStatus, inspectShape, newestFirst, PS_SIZE_COLUMNS, psRow, renderPsTable } from '../../../runtime/format';
import { dockerHostConfig, MASKED_PATHS, READONLY_PATHS } from '../../../runtime/inspect-host-config';
import { psFilter } from '../../../runtime/ps-filter';
import { renderSize } from '../../../runtime/disk-size';
import { FrameDecoder, encodeFrame } from '../../../runtime/frames';
import { generateName, resolveContainer } from '../../../runtime/ids';
import type { Live } from '../../../runtime/live';
import { parseSince, renderLogRecord, selectRecords } from '../../../runtime/logs';
import type { ContainerRecord } from '../../../runtime/record';
import { parseRecord, parseSummary, recordText, summarize, summaryIn } from '../../../runtime/record-text';
import { execArgs, superviseArgs } from '../../../runtime/shim-args';
import { parseSignal } from '../../../runtime/signals';
import { topTable } from '../../../runtime/top';
import { netDevTotals } from '../../../runtime/net-io';
import { exposedKeys, mergeEnv, parseEnvFile, parseRestartPolicy, planContainer, processEnv } from '../../../runtime/spec';
import { resolveUser } from '../../../runtime/user';

const test = suite('berth and runtime: pure logic');

test('parseGlobals() takes --root and --state-dir before the command only', () => {
  assert.equal(parseGlobals(['--root', '/r', '--state-dir=/s', 'ps', '--root', 'x']), {
    globals: { root: '/r', stateDir: '/s' },
    rest: ['ps', '--root', 'x'],
  });
  assert.equal(parseGlobals(['ps']).globals, { root: '/var/lib/berth', stateDir: '/run/berth' });
  assert.throws(() => parseGlobals(['--nope', 'ps']), /unknown flag: --nope/);
  assert.throws(() => parseGlobals(['--root']), /flag needs an argument: --root/);
});

test('parseFlags() follows pflag: grouped shorts, = forms, lists, the first positional ends flags', () => {
  const { flags, args } = parseFlags(
    RUN_FLAGS,
    ['-dit', '-e', 'A=1', '--env=B=2', '-eC=3', '--name=x', '-m32m', 'img', 'sh', '-c', 'echo -d'],
    'run',
    false,
  );
  assert.equal(flags, { detach: true, interactive: true, tty: true, env: ['A=1', 'B=2', 'C=3'], name: 'x', memory: '32m' });
  assert.equal(args, ['img', 'sh', '-c', 'echo -d']);
  assert.throws(() => parseFlags(RUN_FLAGS, ['--nope'], 'run'), /^unknown flag: --nope\nSee 'berth run --help'\.$/);
  assert.throws(() => parseFlags(RUN_FLAGS, ['-Z'], 'run'), /unknown shorthand flag: 'Z' in -Z/);
  assert.throws(() => parseFlags(RUN_FLAGS, ['--name'], 'run'), /flag needs an argument: --name/);
  assert.equal(parseFlags(RUN_FLAGS, ['--rm=false', 'img'], 'run', false).flags, { rm: false });
});

test("parseFlags() answers --help, and -h where the command has no -h, with docker's usage text", () => {
  const helpOf = (defs: FlagDef[], argv: string[], command: string, interspersed = true) => {
    try {
      parseFlags(defs, argv, command, interspersed);
    } catch (err) {
      if (err instanceof HelpRequest) return err.text;
      throw err;
    }
    return undefined;
  };
  const start: FlagDef[] = [{ name: 'attach', short: 'a', type: 'bool', describe: 'attach' }];
  const text = helpOf(start, ['c1', '--help'], 'start');
  assert.ok(text?.startsWith('\nUsage:  berth start [OPTIONS] CONTAINER [CONTAINER...]\n\nStart one or more stopped containers\n'), text);
  assert.match(text!, /\n {2}-a, --attach +attach\n/);
  assert.is(helpOf(start, ['-h'], 'start'), text);
  assert.is(helpOf(start, ['-ah'], 'start'), text);
  assert.is(helpOf([], ['--help'], 'wait')?.split('\n')[1], 'Usage:  berth wait CONTAINER [CONTAINER...]');
  // run's -h is --hostname; after the image, --help is the container command's
  assert.equal(parseFlags(RUN_FLAGS, ['-h', 'x', 'img', 'sh', '--help'], 'run', false), {
    flags: { hostname: 'x' },
    args: ['img', 'sh', '--help'],
  });
  assert.match(helpOf(RUN_FLAGS, ['--help'], 'run', false)!, /^\nUsage: {2}berth run \[OPTIONS\] IMAGE\|--rootfs DIR/);
});

test("planCapabilities() starts from Docker's defaults; ALL; capabilityMask() as /proc shows it", () => {
  assert.is(capabilityMask(planCapabilities([], [])), 'a80425fb');
  assert.is(capabilityMask(planCapabilities(['net_admin'], ['CAP_CHOWN'])), 'a80435fa');
  assert.equal(planCapabilities(['KILL'], ['ALL']), ['KILL']);
  assert.is(planCapabilities(['ALL'], []).length, 41);
  assert.throws(() => planCapabilities(['BOGUS'], []), /unknown capability: "BOGUS"/);
});

test('parseSignal() takes names with or without SIG and numbers', () => {
  assert.equal(['KILL', 'sigterm', 'USR1', '9'].map(parseSignal), [9, 15, 10, 9]);
  assert.throws(() => parseSignal('NOPE'), /Invalid signal: NOPE/);
  assert.throws(() => parseSignal('99'), /Invalid signal: 99/);
});

test('parseRestartPolicy() as Docker', () => {
  assert.equal(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(parseRestartPolicy(undefined), { Name: 'no', MaximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy('always:2'), /maximum retry count cannot be used with restart policy 'always'/);
  assert.throws(() => parseRestartPolicy('sometimes'), /invalid restart policy 'sometimes'/);
});

test("mergeEnv() and parseEnvFile(): later wins, NAME alone takes the caller's value", () => {
  assert.equal(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'HOMEVAR', 'UNSET'], { HOMEVAR: 'h' }), ['PATH=/bin', 'A=2', 'HOMEVAR=h']);
  assert.equal(parseEnvFile('# c\n\nA=1\n  B=2\r\n'), ['A=1', 'B=2']);
});

const baseOpts = (over: Record<string, unknown> = {}) =>
  runOptionsOf({ ...over } as never, ['img', ...((over.cmd as string[]) ?? [])], {}, []);

test('planContainer(): a run command replaces Cmd, not Entrypoint; --entrypoint resets Cmd', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'], Env: ['PATH=/img', 'X=1'], WorkingDir: '/w', StopSignal: 'SIGQUIT' };
  const id = 'a'.repeat(64);
  const plain = planContainer(baseOpts(), image, id);
  assert.equal([plain.path, plain.args, plain.config.WorkingDir, plain.config.StopSignal], ['/entry', ['default'], '/w', 'SIGQUIT']);
  assert.equal(plain.config.Env, ['PATH=/img', 'X=1'], "Config.Env: the image's and the user's only, as dockerd keeps it");
  assert.equal(processEnv(plain.config, false, '/root'), ['PATH=/img', 'HOSTNAME=aaaaaaaaaaaa', 'X=1', 'HOME=/root']);
  assert.equal(processEnv({ Env: ['HOME=/h', 'HOSTNAME=x'], Hostname: 'aaa' }, true, '/root'), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOSTNAME=x',
    'TERM=xterm',
    'HOME=/h',
  ]);
  assert.is(plain.hostConfig.NetworkMode, 'default', 'no --network: dockerd shows default');
  const onBridge = planContainer({ ...baseOpts(), net: { ...baseOpts().net, networks: ['bridge'] } }, image, id);
  assert.equal([onBridge.hostConfig.NetworkMode, Object.keys(onBridge.endpoints)], ['bridge', ['bridge']]);
  assert.equal(Object.keys(plain.endpoints), ['bridge'], 'default joins the default bridge network');
  const withCmd = planContainer({ ...baseOpts(), command: ['x', 'y'] }, image, id);
  assert.equal([withCmd.path, withCmd.args], ['/entry', ['x', 'y']]);
  const ep = planContainer({ ...baseOpts(), entrypoint: 'sh' }, image, id);
  assert.equal([ep.path, ep.args, ep.config.Cmd], ['sh', [], null]);
  assert.throws(() => planContainer({ ...baseOpts(), entrypoint: '' }, { Entrypoint: ['/e'] }, id), /No command specified/);
  assert.throws(
    () => planContainer({ ...baseOpts(), autoRemove: true, restart: 'always' }, image, id),
    /Conflicting options: --restart and --rm/,
  );
  assert.throws(
    () => planContainer({ ...baseOpts(), net: { ...baseOpts().net, networks: ['host'], ip: '192.0.2.9' } }, image, id),
    /user specified IP address is supported on user defined networks only/,
  );
  // ExposedPorts as docker's CLI makes it: the image's, --expose's, every -p container port; sorted
  const exposing = planContainer(
    {
      ...baseOpts(),
      exposedPorts: ['53/udp'],
      expose: ['90-91/udp', '80'],
      net: { ...baseOpts().net, networks: ['bridge'], publish: ['8080:80', '443'] },
    },
    image,
    id,
  );
  assert.equal(Object.keys(exposing.config.ExposedPorts ?? {}), ['443/tcp', '53/udp', '80/tcp', '90/udp', '91/udp']);
  assert.throws(
    () => exposedKeys('bogus'),
    /^invalid range format for --expose: bogus, error: strconv\.ParseUint: parsing "bogus": invalid syntax$/,
  );
  assert.throws(() => exposedKeys('70000'), /value out of range/);
  assert.equal(exposedKeys('80/sctp'), ['80/sctp']);
});

test('resolveUser() reads passwd and group texts; the primary group is a supplementary one too (Docker 20.10.18+)', () => {
  const passwd = 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
  const group = 'app:x:1000:\nextra:x:2000:app\n';
  assert.equal(resolveUser('app', passwd, group), { uid: 1000, gid: 1000, groups: [2000, 1000], home: '/home/app' });
  assert.equal(resolveUser('5:extra', passwd, group), { uid: 5, gid: 2000, groups: [2000], home: '/' });
  assert.equal(resolveUser('', undefined, undefined), { uid: 0, gid: 0, groups: [0], home: '/' });
  assert.throws(() => resolveUser('bob', passwd, group), /unable to find user bob: no matching entries in passwd file/);
});

test('resolveContainer() by full ID, name, then unique prefix', () => {
  const all = [
    { id: 'abc1'.padEnd(64, '0'), name: 'one' },
    { id: 'abc2'.padEnd(64, '0'), name: 'two' },
  ];
  assert.is(resolveContainer('two', all).id, all[1].id);
  assert.is(resolveContainer('abc1', all).name, 'one');
  assert.throws(() => resolveContainer('abc', all), /multiple IDs found with provided prefix: abc/);
  assert.throws(() => resolveContainer('zzz', all), /No such container: zzz/);
});

test('generateName() makes adjective_surname names not taken', () => {
  const seq = [0, 0, 0, 0, 0.5, 0.5];
  let i = 0;
  const first = generateName(new Set(), () => seq[i++ % seq.length]);
  assert.match(first, /^[a-z]+_[a-z]+$/);
  assert.is.not(
    generateName(new Set([first]), () => seq[i++ % seq.length]),
    first,
  );
});

const live = (over: Partial<Live>): Live => ({
  status: 'running',
  pid: 5,
  exitCode: 0,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '0001-01-01T00:00:00Z',
  restartCount: 0,
  error: '',
  needsCleanup: false,
  ...over,
});
const NOW = Date.parse('2026-01-01T00:02:03Z');

test('describeStatus() as docker ps', () => {
  assert.is(describeStatus(live({ startedAt: '2026-01-01T00:02:00Z' }), NOW), 'Up 3 seconds');
  assert.is(describeStatus(live({ status: 'paused', startedAt: '2026-01-01T00:01:58Z' }), NOW), 'Up 5 seconds (Paused)');
  assert.is(
    describeStatus(live({ status: 'exited', exitCode: 137, finishedAt: '2026-01-01T00:00:00Z' }), NOW),
    'Exited (137) 2 minutes ago',
  );
  assert.is(describeStatus(live({ status: 'created' }), NOW), 'Created');
});

const record = (): ContainerRecord => ({
  Id: 'f'.repeat(64),
  Name: 'web',
  Image: '',
  Created: '2026-01-01T00:00:00Z',
  Path: 'sh',
  Args: ['-c', 'a long command line here'],
  Config: {
    Hostname: 'h',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: [],
    Cmd: ['sh'],
    Image: '',
    WorkingDir: '',
    Entrypoint: null,
    Labels: { team: 'a' },
  },
  HostConfig: {
    Binds: ['/h:/c:ro'],
    NetworkMode: 'none',
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    CapAdd: null,
    CapDrop: null,
    Privileged: false,
    ReadonlyRootfs: false,
    Init: false,
    CgroupParent: '/berth',
    LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    ResourceFlags: {},
  },
  LayerDirs: ['/l1', '/l2'],
  Rootfs: '/rootfs',
  Process: { uid: 0, gid: 0, groups: [], capabilities: ['KILL'] },
  RestartCount: 0,
  State: {
    Status: 'created',
    ExitCode: 0,
    Error: '',
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
    OOMKilled: false,
  },
  Mounts: [{ Type: 'bind', Source: '/h', Destination: '/c', Mode: 'ro', RW: false, Propagation: 'rprivate' }],
});

test("psRow() and renderPsTable(): Docker's columns, truncated command, -s's SIZE", () => {
  const row = psRow(record(), live({ startedAt: '2026-01-01T00:02:00Z' }), NOW, false);
  // an argument with a space in single quotes, as dockerd lists it
  assert.equal([row.ID, row.Command, row.Status, row.Names], ['ffffffffffff', `"sh -c 'a long comma…"`, 'Up 3 seconds', 'web']);
  assert.is(psRow(record(), live({}), NOW, true).Command, `"sh -c 'a long command line here'"`);
  const lines = renderPsTable([row]).split('\n');
  assert.is(lines[0].indexOf('IMAGE'), 15);
  assert.is(lines[1].indexOf('/rootfs'), 15);
  const sized = renderPsTable([{ ...row, Size: renderSize(3000, 1_983_000) }], PS_SIZE_COLUMNS).split('\n');
  assert.match(sized[0], /NAMES {5}SIZE$/);
  assert.match(sized[1], /web {7}3kB \(virtual 1\.98MB\)$/);
  assert.is(renderSize(0, 0), '0B');
  assert.ok(psFilter(['label=team=a', 'name=we'])(record(), live({})));
  assert.not.ok(psFilter(['status=exited'])(record(), live({})));
  assert.throws(() => psFilter(['color=red']), /Invalid filter 'color'/);
});

test("psFilter(): name is a regular expression, with or without the leading /; status must be Docker's", () => {
  const web = record(); // named "web"
  for (const pattern of ['^we', 'eb$', '^/web$', 'w.b', 'e']) assert.ok(psFilter([`name=${pattern}`])(web, live({})), pattern);
  for (const pattern of ['^eb', 'we$', '^/eb', '(']) assert.not.ok(psFilter([`name=${pattern}`])(web, live({})), pattern);
  assert.throws(() => psFilter(['status=bogus']), /^Invalid filter 'status=bogus'$/);
  assert.ok(psFilter(['status=running'])(web, live({})));
});

test("psFilter(): dockerd's before/since, volume, network, publish, expose, health, is-task; labels must all match", () => {
  const web = record();
  const endpoint = { IPAMConfig: null, Aliases: null, MacAddress: '' };
  const withPorts: ContainerRecord = {
    ...web,
    Config: { ...web.Config, ExposedPorts: { '80/tcp': {} } },
    HostConfig: { ...web.HostConfig, NetworkMode: 'front', PortBindings: { '53/udp': [{ HostIp: '', HostPort: '' }] } },
    NetworkingConfig: { EndpointsConfig: { front: endpoint, back: endpoint } },
  };
  const lookups = (rec: ContainerRecord) => ({
    record: () => rec,
    createdOf: (ref: string) => {
      if (ref !== 'old' && ref !== 'new') throw new Error(`No such container: ${ref}`);
      return ref === 'old' ? '2025-01-01T00:00:00Z' : '2027-01-01T00:00:00Z';
    },
  });
  const ok = (filters: string[], rec = web) => psFilter(filters, lookups(rec))(rec, live({}));
  assert.ok(ok(['before=new', 'since=old']));
  assert.not.ok(ok(['before=old']));
  assert.throws(() => psFilter(['since=gone'], lookups(web)), /^no such container gone$/);
  assert.ok(ok(['volume=/c']));
  assert.not.ok(ok(['volume=/d']));
  assert.ok(ok(['network=none']));
  assert.ok(ok(['network=back'], withPorts));
  assert.not.ok(ok(['network=none'], withPorts));
  assert.ok(ok(['expose=80'], withPorts));
  assert.ok(ok(['publish=50-60/udp'], withPorts));
  assert.not.ok(ok(['publish=53'], withPorts), 'tcp unless named');
  assert.ok(ok(['health=none', 'is-task=false']));
  assert.not.ok(ok(['health=healthy']));
  assert.not.ok(ok(['label=team=a', 'label=team=b']), 'every label filter must match');
  assert.ok(ok(['id=fff$']), 'id is a regular expression');
  assert.throws(() => psFilter(['health=ok']), /^Unrecognised filter value for health: ok$/);
  assert.throws(() => psFilter(['is-task=maybe']), /^Invalid filter 'is-task=\[maybe\]'$/);
});

test("renderPsTable(): columns at least 10 wide, as the docker CLI's tabwriter (minwidth 10, padding 3)", () => {
  const row = { ...psRow(record(), live({}), NOW, false), Image: 'bb', Ports: '' };
  const [head, line] = renderPsTable([row]).split('\n');
  assert.match(head, /^CONTAINER ID {3}IMAGE {5}COMMAND/);
  assert.is(line.indexOf('"'), 'CONTAINER ID   IMAGE     '.length);
  assert.match(head, /STATUS +PORTS {5}NAMES$/);
});

test('renderPsTable() pads by characters, not UTF-16 units, also past an astral one', () => {
  const a = psRow(record(), live({}), NOW, false);
  const b = { ...a, Image: '/rootfs-\u{1F600}' };
  const [, first, second] = renderPsTable([a, b]).split('\n');
  assert.is([...first].indexOf('"'), [...second].indexOf('"'));
});

test('recordText(): valid JSON, a summary on its first line that parseSummary and summaryIn read alone', () => {
  const rec = { ...record(), Config: { ...record().Config, Labels: { note: 'two\nlines', team: 'a' } } };
  const text = recordText(rec);
  assert.equal(parseRecord(text), rec);
  assert.not.ok('Ps' in parseRecord(text));
  assert.equal(parseSummary(text), summarize(rec));
  assert.equal(summarize(rec).Config, { Image: '', Labels: { note: 'two\nlines', team: 'a' } });
  const bytes = Buffer.from(text);
  assert.equal(summaryIn(bytes, bytes.length), summarize(rec));
  // A first line cut short by the read, or a record without one, is read whole instead.
  assert.is(summaryIn(bytes, text.indexOf('\n') - 1), undefined);
  assert.is(summaryIn(Buffer.from(JSON.stringify(rec, null, 1)), 100), undefined);
  assert.equal(parseSummary(JSON.stringify(rec, null, 1)), summarize(rec));
  assert.ok(summarize({ ...rec, Cni: { configDir: '/c', cacheDir: '/k', cniPath: [] } }).HasCni);
  assert.not.ok('HasCni' in summarize(rec));
});

test('newestFirst() orders by Created, newest first', () => {
  const at = (Created: string, Name: string) => ({ Created, Name });
  const sorted = newestFirst([
    at('2026-01-01T00:00:01.000Z', 'b'),
    at('2026-01-01T00:00:03.000Z', 'c'),
    at('2025-12-31T23:59:59.999Z', 'a'),
  ]);
  assert.equal(
    sorted.map((r) => r.Name),
    ['c', 'b', 'a'],
  );
  assert.equal(newestFirst([]), []);
});

test("inspectShape() has Docker's State, Mounts and GraphDriver fields", () => {
  const shape = inspectShape(record(), live({}), false, { log: '/log', upper: '/up' });
  assert.equal(Object.keys(shape.State), [
    'Status',
    'Running',
    'Paused',
    'Restarting',
    'OOMKilled',
    'Dead',
    'Pid',
    'ExitCode',
    'Error',
    'StartedAt',
    'FinishedAt',
  ]);
  assert.equal(shape.Mounts, [{ Type: 'bind', Source: '/h', Destination: '/c', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
  assert.is(shape.GraphDriver.Data.LowerDir, '/l2:/l1');
  assert.is(shape.Name, '/web');
  // dockerd 20.10's fields and order (docker inspect of a created container; SizeRw/SizeRootFs only with -s).
  assert.equal(
    Object.keys(shape).join(' '),
    'Id Created Path Args State Image ResolvConfPath HostnamePath HostsPath LogPath Name RestartCount Driver Platform ' +
      'MountLabel ProcessLabel AppArmorProfile ExecIDs HostConfig GraphDriver Mounts Config NetworkSettings',
  );
  assert.equal(
    Object.keys(shape.Config).join(' '),
    'Hostname Domainname User AttachStdin AttachStdout AttachStderr Tty OpenStdin StdinOnce Env Cmd Image Volumes WorkingDir ' +
      'Entrypoint OnBuild Labels',
  );
});

test("inspectShape() shows the resource flags in Docker's HostConfig fields (docker 20.10's values)", () => {
  const none = inspectShape(record(), live({}), false, { log: '/log', upper: '/up' }).HostConfig;
  assert.equal([none.Memory, none.MemorySwap, none.NanoCpus, none.PidsLimit, none.BlkioDeviceReadBps], [0, 0, 0, null, null]);
  const rec = record();
  rec.HostConfig.ResourceFlags = { memory: '64m', cpus: '1.5', 'pids-limit': '50', 'device-read-bps': ['/dev/vda:1mb'] };
  const set = inspectShape(rec, live({}), false, { log: '/log', upper: '/up' }).HostConfig;
  assert.equal(
    [set.Memory, set.MemorySwap, set.NanoCpus, set.PidsLimit, set.BlkioDeviceReadBps],
    [67108864, 134217728, 1500000000, 50, [{ Path: '/dev/vda', Rate: 1048576 }]],
  );
});

// `docker inspect -f '{{json .HostConfig}}'` of `docker create busybox` (dockerd 20.10.24), keys in order.
const DOCKER_KEYS =
  'Binds ContainerIDFile LogConfig NetworkMode PortBindings RestartPolicy AutoRemove VolumeDriver VolumesFrom CapAdd CapDrop ' +
  'CgroupnsMode Dns DnsOptions DnsSearch ExtraHosts GroupAdd IpcMode Cgroup Links OomScoreAdj PidMode Privileged ' +
  'PublishAllPorts ReadonlyRootfs SecurityOpt UTSMode UsernsMode ShmSize Runtime ConsoleSize Isolation CpuShares Memory ' +
  'NanoCpus CgroupParent BlkioWeight BlkioWeightDevice BlkioDeviceReadBps BlkioDeviceWriteBps BlkioDeviceReadIOps ' +
  'BlkioDeviceWriteIOps CpuPeriod CpuQuota CpuRealtimePeriod CpuRealtimeRuntime CpusetCpus CpusetMems Devices ' +
  'DeviceCgroupRules DeviceRequests KernelMemory KernelMemoryTCP MemoryReservation MemorySwap MemorySwappiness ' +
  'OomKillDisable PidsLimit Ulimits CpuCount CpuPercent IOMaximumIOps IOMaximumBandwidth MaskedPaths ReadonlyPaths';

test("dockerHostConfig() has dockerd's fields in its order, and no berth-only field", () => {
  const shown = JSON.parse(JSON.stringify(dockerHostConfig({ ...record().HostConfig, NetworkMode: 'default', CgroupParent: '' })));
  assert.equal(Object.keys(shown), DOCKER_KEYS.split(' '));
  assert.equal([shown.ShmSize, shown.IpcMode, shown.CgroupnsMode, shown.ConsoleSize], [67108864, 'private', 'host', [0, 0]]);
  assert.is(shown.ReadonlyPaths[3], '/proc/sys');
});

test('dockerHostConfig(): --privileged masks nothing (null, as dockerd); --init, --tmpfs and --mount appear where dockerd puts them', () => {
  const hc = {
    ...record().HostConfig,
    Privileged: true,
    Init: true,
    Tmpfs: { '/t': '' },
    Mounts: [{ Type: 'tmpfs', Source: '', Target: '/m' }],
  };
  const shown = dockerHostConfig(hc);
  assert.equal([shown.MaskedPaths, shown.ReadonlyPaths, shown.Init], [null, null, true]);
  const keys = Object.keys(shown);
  assert.is(keys[keys.indexOf('SecurityOpt') + 1], 'Tmpfs');
  assert.is(keys[keys.indexOf('IOMaximumBandwidth') + 1], 'Mounts');
});

test('MASKED_PATHS and READONLY_PATHS are the lists berth-shim applies (runtime/shim/container.c)', () => {
  const c = readFileSync(join(__dirname, '../../../runtime/shim/container.c'), 'utf8');
  const list = (name: string) => [...c.match(new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`))![1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  assert.equal(MASKED_PATHS, list('MASKED'));
  assert.equal(READONLY_PATHS, list('READONLY'));
});

test('superviseArgs() and execArgs() pass the user namespace maps only with --userns private', () => {
  const paths = { bundle: '/b', state: '/s', socket: '/k', exitCommand: ['/berth', 'cleanup', 'x'] };
  assert.not.ok(superviseArgs(record(), paths, []).includes('--uid-map'));
  const idMap = { uid: { hostId: 100000, size: 65536 }, gid: { hostId: 300000, size: 65536 } };
  const maps = (args: string[]) => args.filter((_, i) => args[i - 1] === '--uid-map' || args[i - 1] === '--gid-map');
  assert.equal(maps(superviseArgs({ ...record(), IdMap: idMap }, paths, [])), ['0 100000 65536', '0 300000 65536']);
  const exec = execArgs(
    { ...record(), IdMap: idMap },
    { pid: 7, env: [], cwd: '', user: { uid: 0, gid: 0, groups: [] }, tty: false, privileged: false },
    [],
    ['id'],
  );
  assert.equal(maps(exec), ['0 100000 65536', '0 300000 65536']);
});

test('superviseArgs() and execArgs(): --seccomp unconfined with --privileged or seccomp=unconfined; exec --privileged keeps the filter', () => {
  const paths = { bundle: '/b', state: '/s', socket: '/k', exitCommand: [] };
  const unconfined = (args: string[]) => args.join(' ').includes('--seccomp unconfined');
  assert.not.ok(unconfined(superviseArgs(record(), paths, [])));
  const priv = record();
  priv.HostConfig.Privileged = true;
  assert.ok(unconfined(superviseArgs(priv, paths, [])));
  const opt = record();
  opt.HostConfig.SecurityOpt = ['seccomp=unconfined'];
  assert.ok(unconfined(superviseArgs(opt, paths, [])));
  const execOpts = { pid: 7, env: [], cwd: '', user: { uid: 0, gid: 0, groups: [] }, tty: false, privileged: true };
  const exec = execArgs(record(), execOpts, [], ['id']);
  assert.ok(exec.includes('--privileged'));
  assert.not.ok(unconfined(exec));
  assert.ok(unconfined(execArgs(opt, execOpts, [], ['id'])));
});

test('superviseArgs() passes the layers lowest first and the command after --', () => {
  const args = superviseArgs(record(), { bundle: '/b', state: '/s', socket: '/k', exitCommand: ['/berth', 'cleanup', 'x'] }, [
    '/cg/cgroup.procs',
  ]);
  assert.equal(args.slice(args.indexOf('--')), ['--', 'sh', '-c', 'a long command line here']);
  assert.equal(
    args.filter((_, i) => args[i - 1] === '--lower'),
    ['/l1', '/l2'],
  );
  assert.equal(
    args.filter((_, i) => args[i - 1] === '--caps'),
    ['20'],
  );
  assert.equal(
    args.filter((_, i) => args[i - 1] === '--log-max-size'),
    ['1048576'],
  );
  const withInit = superviseArgs(record(), { bundle: '/b', state: '/s', socket: '/k', exitCommand: [], initLayer: '/init' }, []);
  assert.equal(
    withInit.filter((_, i) => withInit[i - 1] === '--lower'),
    ['/l1', '/l2', '/init'],
    'the init layer goes on top of the image',
  );
  assert.not.ok(args.includes('--ephemeral'));
  assert.not.ok(args.includes('--await-release'));
  assert.not.ok(args.includes('--make-netns'));
  assert.ok(
    superviseArgs(record(), { bundle: '/b', state: '/s', socket: '/k', exitCommand: [], netns: '/n', makeNetns: true }, []).includes(
      '--make-netns',
    ),
  );
  assert.ok(
    superviseArgs(record(), { bundle: '/b', state: '/s', socket: '/k', exitCommand: [], awaitRelease: true }, []).includes(
      '--await-release',
    ),
    'on a CNI network the command waits for the Release frame',
  );
  assert.not.ok(args.includes('--owned'));
  assert.ok(
    superviseArgs(record(), { bundle: '/b', state: '/s', socket: '/k', exitCommand: [], owned: true }, []).includes('--owned'),
    'a foreground run owns the container from the spawn: no Owner frame to race the exit',
  );
  const rm = record();
  assert.ok(
    superviseArgs(
      { ...rm, HostConfig: { ...rm.HostConfig, AutoRemove: true } },
      { bundle: '/b', state: '/s', socket: '/k', exitCommand: [] },
      [],
    ).includes('--ephemeral'),
  );
});

test('FrameDecoder splits frames across chunks', () => {
  const bytes = Buffer.concat([encodeFrame(1, 'hello'), encodeFrame(3, '0')]);
  const d = new FrameDecoder();
  assert.equal(d.push(bytes.subarray(0, 7)), []);
  assert.equal(
    d.push(bytes.subarray(7)).map((f) => [f.type, f.data.toString()]),
    [
      [1, 'hello'],
      [3, '0'],
    ],
  );
});

test('renderLogRecord(): -t, then --details (attributes sorted, query-escaped, as dockerd), then the line', () => {
  const r = { log: 'x\n', stream: 'stdout' as const, time: '2026-01-01T00:00:00.000000001Z' };
  assert.is(renderLogRecord(r, false, false), 'x\n');
  assert.is(renderLogRecord(r, true, true), '2026-01-01T00:00:00.000000001Z  x\n');
  assert.is(renderLogRecord({ ...r, attrs: { b: '1', a: 'x y/z' } }, false, true), 'a=x+y%2Fz,b=1 x\n');
  assert.is(renderLogRecord({ ...r, attrs: { a: '1' } }, false, false), 'x\n');
});

test('parseSince() and selectRecords() for logs --since, --until and --tail', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  assert.is(parseSince('10m', now), now - 600_000);
  assert.is(parseSince('1700000000', now), 1_700_000_000_000);
  assert.is(parseSince('2026-01-01T00:00:00Z', now), Date.parse('2026-01-01T00:00:00Z'));
  assert.throws(() => parseSince('yesterday', now), /invalid value for "since"/);
  const recs = [1, 2, 3].map((n) => ({ log: `${n}\n`, stream: 'stdout' as const, time: `2026-01-01T00:0${n}:00Z` }));
  assert.equal(
    selectRecords(recs, Date.parse('2026-01-01T00:02:00Z'), undefined).map((r) => r.log),
    ['2\n', '3\n'],
  );
  assert.equal(
    selectRecords(recs, undefined, 1).map((r) => r.log),
    ['3\n'],
  );
  // --until keeps records at or before the time (docker's json-file reader skips only those after it)
  assert.equal(
    selectRecords(recs, undefined, undefined, Date.parse('2026-01-01T00:02:00Z')).map((r) => r.log),
    ['1\n', '2\n'],
  );
  assert.equal(
    selectRecords(recs, undefined, 1, Date.parse('2026-01-01T00:02:00Z')).map((r) => r.log),
    ['2\n'],
  );
  assert.throws(() => parseSince('soon', now, 'until'), /^invalid value for "until": failed to parse value as time or duration: "soon"$/);
});

test("topTable() keeps the header and the given PIDs' lines, wherever PID is, in the docker CLI's columns", () => {
  const aux = ['USER  PID %CPU COMMAND', 'root    1  0.0 /sbin/init', 'root   42  0.1 sleep 42 1', 'app   420  0.0 sh'].join('\n');
  const pad = (s: string) => s.padEnd(20);
  assert.is(
    topTable(`${aux}\n`, [42, 420]),
    [
      pad('USER') + pad('PID') + pad('%CPU') + 'COMMAND',
      pad('root') + pad('42') + pad('0.1') + 'sleep 42 1',
      pad('app') + pad('420') + pad('0.0') + 'sh',
      '',
    ].join('\n'),
  );
  assert.is(topTable('  PID COMMAND\n    7 a\n   42 b\n', [42]), `${pad('PID')}COMMAND\n${pad('42')}b\n`);
  // ps m: thread lines (PID "-") follow their process.
  const threads = 'PID TID CMD\n7 - a\n- 7 -\n42 - b\n- 42 -\n- 43 -\n';
  assert.is(
    topTable(threads, [42]),
    `${pad('PID') + pad('TID')}CMD\n${pad('42') + pad('-')}b\n${pad('-') + pad('42')}-\n${pad('-') + pad('43')}-\n`,
  );
  assert.throws(() => topTable('COMMAND\nsleep\n', [1]), /^Couldn't find PID field in ps output$/);
});

test('netDevTotals() sums received and sent bytes over every interface but lo, as docker stats', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0',
    '  eth0:    2428      32    0    0    0     0          0         0      978      13    0    0    0     0       0          0',
    '  eth1:100000000       1    0    0    0     0          0         0       22       1    0    0    0     0       0          0',
    '',
  ].join('\n');
  assert.equal(netDevTotals(text), { netRx: 100002428, netTx: 1000 });
  assert.equal(netDevTotals(''), { netRx: 0, netTx: 0 });
});

test.run();
