import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VolumeError } from '../../../volume/errors';
import { describeOptionConflict, parseMode, parseSize, parseVolumeOptions } from '../../../volume/options';
import { thrownBy } from '../../helpers/thrown';

const test = suite('volume options');

const messageOf = (fn: () => unknown): string => thrownBy(fn, VolumeError).message;

test('parseVolumeOptions() makes a root:root 0755 managed volume from null or {}', () => {
  assert.equal(parseVolumeOptions(null), { kind: 'managed', uid: 0, gid: 0, mode: 0o755 });
  assert.equal(parseVolumeOptions({}), { kind: 'managed', uid: 0, gid: 0, mode: 0o755 });
  assert.equal(parseVolumeOptions(undefined), { kind: 'managed', uid: 0, gid: 0, mode: 0o755 });
});

test('parseVolumeOptions() reads uid, gid, mode and size', () => {
  assert.equal(parseVolumeOptions({ uid: '1000', gid: '100', mode: '0750', size: '10M' }), {
    kind: 'managed',
    uid: 1000,
    gid: 100,
    mode: 0o750,
    size: 10 * 1024 * 1024,
  });
  assert.equal(parseVolumeOptions({ mode: '1777' }), { kind: 'managed', uid: 0, gid: 0, mode: 0o1777 });
});

test('parseVolumeOptions() reads the bind idiom', () => {
  assert.equal(parseVolumeOptions({ type: 'none', o: 'bind', device: '/srv/data' }), { kind: 'bind', device: '/srv/data', o: 'bind' });
  assert.equal(parseVolumeOptions({ type: 'none', o: 'rbind', device: '/srv' }), { kind: 'bind', device: '/srv', o: 'rbind' });
});

const refused: Array<[string, Record<string, string>, string]> = [
  ['an unknown option', { foo: '1' }, 'invalid option "foo": known options are type, o, device, uid, gid, mode, size'],
  [
    'a device without type and o',
    { device: '/srv' },
    'invalid options: a bind volume needs type=none, o=bind and device=/host/path; "type" and "o" missing',
  ],
  [
    'o without device',
    { type: 'none', o: 'bind' },
    'invalid options: a bind volume needs type=none, o=bind and device=/host/path; "device" missing',
  ],
  [
    'a type other than none',
    { type: 'nfs', o: 'bind', device: '/srv' },
    'invalid option "type": "nfs" is not supported: only "none" (a bind mount of device)',
  ],
  [
    'o with ro',
    { type: 'none', o: 'bind,ro', device: '/srv' },
    'invalid option "o": "bind,ro" is not supported: use "bind" or "rbind" (read-only is set per container: -v NAME:/path:ro)',
  ],
  ['a relative device', { type: 'none', o: 'bind', device: 'srv' }, 'invalid option "device": "srv" is not an absolute path'],
  [
    'uid on a bind volume',
    { type: 'none', o: 'bind', device: '/srv', uid: '1' },
    'invalid option "uid": only for managed volumes, not with "type" (a bind volume keeps the host directory\'s owner and mode)',
  ],
  ['a negative uid', { uid: '-1' }, 'invalid option "uid": "-1" is not a number from 0 to 4294967294'],
  ['a uid of 2^32-1', { uid: '4294967295' }, 'invalid option "uid": "4294967295" is not a number from 0 to 4294967294'],
  ['a gid that is not a number', { gid: 'staff' }, 'invalid option "gid": "staff" is not a number from 0 to 4294967294'],
  ['a decimal mode', { mode: '999' }, 'invalid option "mode": "999" is not an octal mode such as "0755"'],
  ['a mode above 07777', { mode: '17777' }, 'invalid option "mode": "17777" is not an octal mode such as "0755"'],
  ['a size without number', { size: 'big' }, 'invalid option "size": "big" is not a size such as "10G", "512M" or a number of bytes'],
  ['a tiny size', { size: '10k' }, 'invalid option "size": "10k" is out of range: at least 1M'],
];
for (const [what, opts, message] of refused)
  test(`parseVolumeOptions() refuses ${what}`, () =>
    assert.is(
      messageOf(() => parseVolumeOptions(opts)),
      message,
    ));

test('parseSize() reads suffixes as powers of 1024', () => {
  assert.is(parseSize('1048576'), 1048576);
  assert.is(parseSize('2g'), 2 * 1024 ** 3);
  assert.is(parseSize('1.5GiB'), 1.5 * 1024 ** 3);
  assert.is(parseSize('512MB'), 512 * 1024 ** 2);
});

test('parseMode() reads 3 and 4 digit octal modes', () => {
  assert.is(parseMode('755'), 0o755);
  assert.is(parseMode('0700'), 0o700);
  assert.is(parseMode('2775'), 0o2775);
});

test('describeOptionConflict() is undefined for the same options, defaults included', () => {
  assert.is(describeOptionConflict(parseVolumeOptions({}), parseVolumeOptions({ uid: '0', mode: '755' })), undefined);
  assert.is(
    describeOptionConflict(
      parseVolumeOptions({ type: 'none', o: 'bind', device: '/srv' }),
      parseVolumeOptions({ type: 'none', o: 'bind', device: '/srv' }),
    ),
    undefined,
  );
});

test('describeOptionConflict() names each differing option, what it is and what was asked', () => {
  assert.is(
    describeOptionConflict(parseVolumeOptions({ mode: '0700' }), parseVolumeOptions({ uid: '5' })),
    'volume exists with different options: uid is "0", requested "5"; mode is "0700", requested "0755"',
  );
  assert.is(
    describeOptionConflict(parseVolumeOptions({}), parseVolumeOptions({ size: '1G' })),
    'volume exists with different options: size is unset, requested "1073741824"',
  );
  assert.is(
    describeOptionConflict(parseVolumeOptions({ type: 'none', o: 'bind', device: '/srv' }), parseVolumeOptions({})),
    'volume exists with different options: type is "none", requested unset; o is "bind", requested unset; device is "/srv", requested unset; uid is unset, requested "0"; gid is unset, requested "0"; mode is unset, requested "0755"',
  );
});

test.run();
