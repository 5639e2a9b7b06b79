import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describeBindRefusal, isInside } from '../../../volume/bind-policy';
import { listenFdFromEnv, parseGroup } from '../../../volume/listen';
import { createLog } from '../../../volume/log';
import { describeQuotaSupport, parseMountinfo } from '../../../volume/quota-support';
import { LOG_BLOCK, mountLogName, planMountWrite, renderMountEvent, replayMountLog, splitMountLog } from '../../../volume/mount-log';
import { describeVolume, formatCreatedAt, parseRecord, renderRecord, type VolumeRecord } from '../../../volume/record';

const test = suite('volume pure helpers');

test('formatCreatedAt() gives RFC 3339 in UTC without fraction', () => {
  assert.is(formatCreatedAt(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03:04:05Z');
});

const record: VolumeRecord = {
  name: 'vv',
  createdAt: '2026-01-02T03:04:05Z',
  options: { uid: '7' },
  spec: { kind: 'managed', uid: 7, gid: 0, mode: 0o755 },
  mounts: { a: 2 },
  logGeneration: 3,
};

test('renderRecord() and parseRecord() round-trip', () => {
  assert.equal(parseRecord(renderRecord(record), 'vv'), record);
  const bind: VolumeRecord = {
    name: 'b',
    createdAt: '2026-01-02T03:04:05Z',
    options: { type: 'none', o: 'bind', device: '/srv/x' },
    spec: { kind: 'bind', device: '/srv/x', o: 'bind' },
    device: '/srv/y',
    mounts: {},
    logGeneration: 0,
  };
  assert.equal(parseRecord(renderRecord(bind), 'b'), bind);
});

test('parseRecord() refuses a record of another name, bad JSON and bad mounts', () => {
  assert.throws(() => parseRecord(renderRecord(record), 'w'), /^volume\.json names volume "vv", not "w"$/);
  assert.throws(() => parseRecord('{', 'vv'), /^volume\.json is not valid JSON$/);
  assert.throws(() => parseRecord(renderRecord({ ...record, mounts: { a: 0 } }), 'vv'), /^volume\.json has invalid Mounts$/);
});

test('replayMountLog() applies complete lines and ignores a torn last line', () => {
  assert.equal(replayMountLog({ a: 1 }, '+b\n+b\n-a\n-zz\n'), { counts: { b: 2 }, lines: 4 });
  assert.equal(replayMountLog({}, '+a\n+b'), { counts: { a: 1 }, lines: 1 });
  assert.equal(replayMountLog({}, ''), { counts: {}, lines: 0 });
  assert.equal(replayMountLog({}, 'garbage\n+a\n'), { counts: { a: 1 }, lines: 1 });
  assert.is(renderMountEvent('mount', 'x') + renderMountEvent('unmount', 'x'), '+x\n-x\n');
  assert.is(mountLogName(2), 'mounts.2.log');
});

test('splitMountLog() ends the text at the first zero byte and flags a torn write', () => {
  const log = (text: string, size = 16, at = 0) => {
    const b = new Uint8Array(size);
    b.set(new TextEncoder().encode(text), at);
    return b;
  };
  assert.equal(splitMountLog(log('+a\n-a\n')), { text: '+a\n-a\n', end: 6, clean: true });
  assert.equal(splitMountLog(log('')), { text: '', end: 0, clean: true });
  assert.equal(splitMountLog(new TextEncoder().encode('+a\n')), { text: '+a\n', end: 3, clean: true });
  assert.equal(splitMountLog(log('+a\n+h')), { text: '+a\n+h', end: 5, clean: false });
  assert.equal(splitMountLog(log('+x\n', 16, 8)), { text: '', end: 0, clean: false });
  assert.equal(splitMountLog(log('+é\n')), { text: '+é\n', end: 4, clean: true });
});

test('planMountWrite() writes the line in place, or pads it to the next block when it does not fit', () => {
  const line = new TextEncoder().encode('+abc\n');
  assert.is(planMountWrite(line, 0, LOG_BLOCK), line);
  assert.is(planMountWrite(line, LOG_BLOCK - 5, LOG_BLOCK), line);
  const grown = planMountWrite(line, LOG_BLOCK - 4, LOG_BLOCK);
  assert.equal([grown.length, [...grown.subarray(0, 5)], grown.subarray(5).every((b) => b === 0)], [LOG_BLOCK + 4, [...line], true]);
  assert.is(planMountWrite(line, 0, 0).length, LOG_BLOCK);
});

test('describeVolume() shows kind, options, mounts and the managed owner and mode', () => {
  assert.equal(describeVolume(record, '/r/vv/_data'), {
    Name: 'vv',
    Mountpoint: '/r/vv/_data',
    CreatedAt: '2026-01-02T03:04:05Z',
    Status: { kind: 'managed', options: { uid: '7' }, mounts: { a: 2 }, uid: 7, gid: 0, mode: '0755' },
  });
});

test('isInside() compares whole path components', () => {
  assert.ok(isInside('/srv/a', '/srv'));
  assert.ok(isInside('/srv', '/srv'));
  assert.not.ok(isInside('/srvx', '/srv'));
  assert.ok(isInside('/anything', '/'));
});

test('describeBindRefusal() refuses paths outside --allow-bind and around the root', () => {
  assert.is(describeBindRefusal('/srv/a', '/srv/a', [], '/var/lib/berth/volumes'), undefined);
  assert.is(describeBindRefusal('/srv/a', '/srv/a', ['/srv'], '/var/lib/berth/volumes'), undefined);
  assert.is(
    describeBindRefusal('/srv/../etc', '/etc', ['/srv'], '/v'),
    'host path "/srv/../etc" (resolved to "/etc") is outside the directories allowed by --allow-bind: "/srv"',
  );
  assert.is(describeBindRefusal('/v/x/_data', '/v/x/_data', [], '/v'), 'host path "/v/x/_data" overlaps the volume root "/v"');
  assert.is(describeBindRefusal('/', '/', [], '/v'), 'host path "/" overlaps the volume root "/v"');
});

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '40 22 254:16 / /srv/quota rw,relatime shared:2 - ext4 /dev/vdb rw,prjquota',
  '41 22 254:32 / /srv/x\\040fs rw - xfs /dev/vdc rw,attr2,inode64,prjquota',
  '42 22 0:40 / /srv/tmp rw - tmpfs tmpfs rw',
].join('\n');

test('describeQuotaSupport() finds the mount and its prjquota option', () => {
  const entries = parseMountinfo(MOUNTINFO);
  assert.equal(describeQuotaSupport(entries, '/srv/quota/vols'), { ok: true, fsType: 'ext4', mountPoint: '/srv/quota' });
  assert.equal(describeQuotaSupport(entries, '/srv/x fs/v'), { ok: true, fsType: 'xfs', mountPoint: '/srv/x fs' });
  assert.equal(describeQuotaSupport(entries, '/var/lib/berth'), {
    ok: false,
    reason: '"/var/lib/berth" is on ext4 ("/") mounted without prjquota',
  });
  assert.equal(describeQuotaSupport(entries, '/srv/tmp/v'), {
    ok: false,
    reason: '"/srv/tmp/v" is on tmpfs ("/srv/tmp"), which has no project quotas: use ext4 or xfs mounted with prjquota',
  });
});

test('listenFdFromEnv() takes fd 3 only when LISTEN_PID is this process', () => {
  assert.is(listenFdFromEnv({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42), 3);
  assert.is(listenFdFromEnv({ LISTEN_PID: '43', LISTEN_FDS: '1' }, 42), undefined);
  assert.is(listenFdFromEnv({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42), undefined);
  assert.is(listenFdFromEnv({}, 42), undefined);
});

test('parseGroup() reads names from /etc/group and numbers as they are', () => {
  const etc = 'root:x:0:\ndocker:x:998:alice\n';
  assert.is(parseGroup('docker', etc), 998);
  assert.is(parseGroup('1234', etc), 1234);
  assert.is(parseGroup('nope', etc), undefined);
});

test('createLog() filters by level and prefixes journald priorities', () => {
  const lines: string[] = [];
  const log = createLog('info', (l) => lines.push(l), true);
  log.debug('hidden');
  log.info('a\nb');
  log.error('bad');
  assert.equal(lines, ['<6>a\\nb\n', '<3>bad\n']);
  const plain: string[] = [];
  createLog(
    'warn',
    (l) => plain.push(l),
    false,
    () => new Date(0),
  ).warn('w');
  assert.equal(plain, ['1970-01-01T00:00:00.000Z warn w\n']);
});

test.run();
