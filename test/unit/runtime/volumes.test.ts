import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMountFlag, parseMountFlags, parseTmpfsFlag, parseVolumeFlag } from '../../../runtime/volumes/spec';
import { parseTmpfsOptions, renderTmpfsMount } from '../../../runtime/volumes/tmpfs';
import {
  describeMountPoints,
  parseVolumesFrom,
  planContainerMounts,
  planMountPoints,
  pluginSocket,
  renderShimMounts,
  type MountPoint,
} from '../../../runtime/volumes/points';

const test = suite('runtime/volumes: mount flags, mount points, supervisor arguments');

test('parseVolumeFlag() tells binds, named and anonymous volumes apart as Docker does', () => {
  const bind = parseVolumeFlag('/srv/www:/var/www:ro');
  assert.equal(
    [bind.Type, bind.Source, bind.Target, bind.ReadOnly, bind.Mode, bind.Propagation],
    ['bind', '/srv/www', '/var/www', true, 'ro', 'rprivate'],
  );
  const named = parseVolumeFlag('data:/data/');
  assert.equal([named.Type, named.Source, named.Target, named.ReadOnly, named.Mode], ['volume', 'data', '/data', false, 'z']);
  const anon = parseVolumeFlag('/cache');
  assert.equal([anon.Type, anon.Source, anon.Target, anon.Mode], ['volume', '', '/cache', '']);
  assert.is(parseVolumeFlag('data:/d:nocopy').NoCopy, true);
  assert.is(parseVolumeFlag('/h:/c:ro,rshared').Propagation, 'rshared');
});

const rejectedVolumes: Array<[string, string]> = [
  ['/a:/b:/c:/d', "invalid volume specification: '/a:/b:/c:/d'"],
  ['/data:ro', "invalid volume specification: '/data:ro'"],
  ['/h:/c:rw,ro', 'invalid mode: rw,ro'],
  ['/h:/c:xyz', 'invalid mode: xyz'],
  [
    '/h:rel',
    `invalid volume specification: '/h:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`,
  ],
  [
    'data:/',
    `invalid volume specification: 'data:/': invalid mount config for type "volume": invalid specification: destination can't be '/'`,
  ],
  [
    'data:/d:rshared',
    `invalid volume specification: 'data:/d:rshared': invalid mount config for type "volume": field BindOptions must not be specified`,
  ],
  [':/d', "invalid volume specification: ':/d'"],
];
/** Asserts that `fn` throws exactly `message`. */
const throwsExactly = (fn: () => unknown, message: string) => assert.throws(fn, (e: Error) => e.message === message);

for (const [raw, message] of rejectedVolumes)
  test(`parseVolumeFlag() rejects ${raw}`, () => throwsExactly(() => parseVolumeFlag(raw), message));

test('parseMountFlag() reads every key; type defaults to volume', () => {
  const v = parseMountFlag('source=data,target=/d,volume-driver=other,volume-opt=size=1G,volume-nocopy');
  assert.equal(
    [v.Type, v.Source, v.Target, v.Driver, v.DriverOpts, v.NoCopy, v.Mode],
    ['volume', 'data', '/d', 'other', { size: '1G' }, true, ''],
  );
  const b = parseMountFlag('type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave');
  assert.equal([b.Type, b.ReadOnly, b.Propagation], ['bind', true, 'rslave']);
  const t = parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770');
  assert.equal(t.TmpfsOptions, ['size=67108864', 'mode=1770']);
});

const rejectedMounts: Array<[string, string]> = [
  ['type=bind,target=/c', 'invalid mount config for type "bind": field Source must not be empty'],
  ['type=bind,source=/h', 'invalid argument "type=bind,source=/h" for "--mount" flag: target is required'],
  ['type=disk,target=/c', 'invalid mount config for type "disk": mount type unknown'],
  [
    'type=bind,source=/h,target=/c,volume-driver=x',
    `invalid argument "type=bind,source=/h,target=/c,volume-driver=x" for "--mount" flag: cannot mix 'volume-*' options with mount type 'bind'`,
  ],
  ['target=/c,color=red', `invalid argument "target=/c,color=red" for "--mount" flag: unexpected key 'color' in 'color=red'`],
  ['target=/c,bogus', `invalid argument "target=/c,bogus" for "--mount" flag: invalid field 'bogus' must be a key=value pair`],
  ['target=/c,readonly=maybe', 'invalid argument "target=/c,readonly=maybe" for "--mount" flag: invalid value for readonly: maybe'],
  ['target=/c,readonly', 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
  ['type=bind,source=/h,target=/c,bind-propagation=up', 'invalid mount config for type "bind": invalid propagation mode: up'],
  ['type=tmpfs,source=x,target=/c', 'invalid mount config for type "tmpfs": field Source must not be specified'],
];
for (const [raw, message] of rejectedMounts)
  test(`parseMountFlag() rejects ${raw}`, () => throwsExactly(() => parseMountFlag(raw), message));

test('parseTmpfsFlag() and renderTmpfsMount(): Docker defaults noexec,nosuid,nodev, the last word wins', () => {
  const t = parseTmpfsFlag('/run:rw,exec,size=1m');
  assert.equal([t.Target, t.TmpfsOptions, t.ReadOnly], ['/run', ['rw', 'exec', 'size=1048576'], false]);
  assert.equal(renderTmpfsMount(t.TmpfsOptions), { flags: 2 | 4, data: 'size=1048576' });
  assert.equal(renderTmpfsMount(['ro', 'mode=1777']), { flags: 1 | 2 | 4 | 8, data: 'mode=1777' });
  assert.throws(
    () => parseTmpfsOptions(['foo']),
    (e: Error) => e.message === 'invalid tmpfs option ["foo"]',
  );
  assert.throws(
    () => parseTmpfsOptions(['mode=999']),
    (e: Error) => e.message === 'invalid tmpfs option ["mode=999"]',
  );
  assert.throws(
    () => parseTmpfsFlag('run'),
    (e: Error) => e.message === "invalid mount path: 'run' mount path must be absolute",
  );
});

test('parseMountFlags() refuses a target given twice, across flags', () => {
  assert.throws(
    () => parseMountFlags({ volumes: ['a:/d'], mounts: ['type=tmpfs,target=/d/'], tmpfs: [] }),
    (e: Error) => e.message === 'Duplicate mount point: /d',
  );
  const [v] = parseMountFlags({ volumes: ['a:/d'], mounts: [], tmpfs: [], volumeDriver: 'other' });
  assert.is(v.Driver, 'other');
});

const names = () => {
  let n = 0;
  return () => `anon${++n}`;
};

test('planMountPoints(): user mounts win over --volumes-from, which win over image Volumes', () => {
  const from: MountPoint[] = [
    {
      Type: 'volume',
      Name: 'shared',
      Source: '/v/shared',
      Destination: '/data',
      Driver: 'berth',
      Mode: '',
      RW: true,
      Propagation: '',
      Socket: '/p/berth.sock',
      Anonymous: true,
      CopyData: true,
    },
    { Type: 'bind', Source: '/h', Destination: '/conf', Mode: '', RW: true, Propagation: 'rprivate' },
  ];
  const points = planMountPoints({
    specs: parseMountFlags({ volumes: ['/host:/conf'], mounts: [], tmpfs: [] }),
    from: [{ points: from, mode: 'ro' }],
    imageVolumes: ['/data', '/logs/'],
    volumeDriver: '',
    pluginDir: '/p',
    newName: names(),
  });
  assert.equal(
    points.map((m) => [m.Destination, m.Type, m.Source, m.RW, m.Anonymous ?? false, m.Name ?? '']),
    [
      ['/conf', 'bind', '/host', true, false, ''],
      ['/data', 'volume', '/v/shared', false, false, 'shared'],
      ['/logs', 'volume', '', true, true, 'anon1'],
    ],
  );
  assert.is(points[2].Socket, '/p/berth.sock');
});

test('planContainerMounts() finds --volumes-from containers by name and refuses unknown ones', () => {
  const storage = { mounts: [], tmpfs: [], volumeDriver: '', volumesFrom: ['dbdata:ro'], pluginDir: '/p' };
  const records = [
    {
      Id: 'a'.repeat(64),
      Name: 'dbdata',
      Mounts: planContainerMounts({ volumes: ['/data'], storage: { ...storage, volumesFrom: [] } }, undefined, [], names()),
    },
  ];
  const [m] = planContainerMounts({ volumes: [], storage }, undefined, records, names());
  assert.equal([m.Name, m.RW, m.Mode, m.Anonymous], ['anon1', false, 'ro', false]);
  assert.throws(
    () => planContainerMounts({ volumes: [], storage: { ...storage, volumesFrom: ['nope'] } }, undefined, records, names()),
    /No such container: nope/,
  );
  throwsExactly(() => parseVolumesFrom('x:rx'), 'invalid mode for volumes-from: rx');
  assert.is(pluginSocket('/p', 'local'), '/p/berth.sock');
  assert.throws(() => pluginSocket('/p', '../x'), /invalid volume driver name: "..\/x"/);
});

test("renderShimMounts() puts parents first; describeMountPoints() keeps Docker's fields only", () => {
  const points: MountPoint[] = [
    { Type: 'bind', Source: '/h', Destination: '/a/b', Mode: 'ro', RW: false, Propagation: 'rshared' },
    {
      Type: 'volume',
      Name: 'v',
      Source: '/v/_data',
      Destination: '/a',
      Driver: 'berth',
      Mode: 'z',
      RW: true,
      Propagation: '',
      Socket: '/s',
      CopyData: true,
    },
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '', TmpfsOptions: ['size=1024'] },
  ];
  assert.equal(renderShimMounts(points, new Map([['/a', '/mnt/v']])), [
    '--bind',
    '/mnt/v:/a:rw,copy',
    '--tmpfs',
    '14:size=1024:/t',
    '--bind',
    '/h:/a/b:ro,rshared',
  ]);
  assert.throws(() => renderShimMounts(points, new Map()), /volume "v" at \/a is not mounted/);
  const { Socket, CopyData, ...shown } = points[1];
  assert.equal([Socket, CopyData], ['/s', true]);
  assert.equal(describeMountPoints(points)[1], shown, 'without Socket and CopyData');
});

test.run();
