import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chmodSync,
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { DiskStore, openDiskStore } from '../../../ipam/disk-store';
import { isLeaseName, parseLeaseContent, renderLeaseContent } from '../../../ipam/lease-file';

const withStore = (fn: (dir: string) => void): Promise<void> => withTempDir(async (root) => fn(root));
const h = (containerId: string, ifname = 'eth0') => ({ containerId, ifname });
/** A store whose directory its first lock has made, as every ADD's is. */
const opened = (root: string, network: string) => {
  const s = openDiskStore(root, network);
  s.withLock(() => undefined);
  return s;
};

test('parseLeaseContent() reads the reference formats, trimmed like Go strings.TrimSpace', () => {
  assert.equal(parseLeaseContent('abc\r\neth0'), { containerId: 'abc', ifname: 'eth0' });
  assert.equal(parseLeaseContent('abc\r\neth0\n'), { containerId: 'abc', ifname: 'eth0' });
  assert.equal(parseLeaseContent('abc'), { containerId: 'abc' });
  assert.equal(parseLeaseContent(' \n'), undefined);
  assert.is(renderLeaseContent(h('abc')), 'abc\r\neth0');
});

test('isLeaseName() takes the names the reference gives addresses, as the pattern it replaces', () => {
  const pattern = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;
  const names = [
    '192.0.2.5',
    '2001:db8::5',
    '::ffff:192.0.2.5',
    '::',
    'FE80::1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.1234',
    '1..2.3',
    '.1.2.3',
    '1.2.3.',
    '1.2:3',
    'a.b:',
    ':.',
    '',
    'lock',
    'last_reserved_ip.0',
    '.berth-index',
    '.berth-lease.tmp',
    '0.0.0.0',
    '1.2.3.4/24',
    'g::1',
    ' ::1',
  ];
  const chars = '0123456789abcdefgABCF.:x/ ';
  let seed = 7;
  for (let i = 0; i < 3000; i++) {
    let s = '';
    for (let n = (i % 12) + 1; n > 0; n--) s += chars[(seed = (seed * 1103515245 + 12345) % 2147483648) % chars.length];
    names.push(s);
  }
  for (const name of names) assert.is(isLeaseName(name), pattern.test(name), JSON.stringify(name));
  assert.ok(isLeaseName('192.0.2.5') && isLeaseName('2001:db8::5'));
  assert.not.ok(isLeaseName('last_reserved_ip.0') || isLeaseName('lock'));
});

test('DiskStore.reserve() creates the lease exclusively, mode 0600, and leaves no temporary file', () =>
  withStore((root) => {
    const s = opened(root, 'net');
    assert.ok(s.reserve('2001:db8::5', h('a')));
    assert.not.ok(s.reserve('2001:db8::5', h('b')));
    assert.is(readFileSync(join(root, 'net', '2001:db8::5'), 'utf8'), 'a\r\neth0');
    assert.is(statSync(join(root, 'net', '2001:db8::5')).mode & 0o777, 0o600);
    assert.equal(
      readdirSync(join(root, 'net')).sort(),
      ['.berth-lease.tmp', '2001:db8::5', 'lock'],
      'the failed try leaves its file for the next',
    );
    assert.ok(s.reserve('2001:db8::6', h('b')));
    assert.is(readFileSync(join(root, 'net', '2001:db8::6'), 'utf8'), 'b\r\neth0');
    assert.equal(readdirSync(join(root, 'net')).sort(), ['2001:db8::5', '2001:db8::6', 'lock']);
  }));

test("DiskStore.release() leaves the lease's file as the next temporary one, which reserve() fills when it is a lone 0600 file", () =>
  withStore((root) => {
    const s = opened(root, 'net');
    const tmp = join(root, 'net', '.berth-lease.tmp');
    s.reserve('192.0.2.5', h('a'.repeat(70)));
    const ino = statSync(join(root, 'net', '192.0.2.5')).ino;
    s.release('192.0.2.5');
    assert.not.ok(existsSync(join(root, 'net', '192.0.2.5')));
    assert.is(statSync(tmp).ino, ino);
    assert.ok(s.reserve('192.0.2.6', h('b')), 'shorter: truncated');
    assert.is(statSync(join(root, 'net', '192.0.2.6')).ino, ino);
    assert.is(readFileSync(join(root, 'net', '192.0.2.6'), 'utf8'), 'b\r\neth0');
    assert.is(statSync(join(root, 'net', '192.0.2.6')).nlink, 1);
    s.release('192.0.2.6');
    s.release('192.0.2.6'); // none: nothing to do
    s.reserve('192.0.2.7', h('c'));
    s.release('192.0.2.7');
    writeFileSync(join(root, 'net', '192.0.2.8'), 'ref\r\neth0', { mode: 0o644 }); // the reference's
    s.release('192.0.2.8'); // a temporary file there already: unlinked alone
    assert.is(readFileSync(tmp, 'utf8'), 'c\r\neth0');
    chmodSync(tmp, 0o644);
    assert.ok(s.reserve('192.0.2.9', h('d')), 'another mode: a new file');
    assert.is(statSync(join(root, 'net', '192.0.2.9')).mode & 0o777, 0o600);
    writeFileSync(join(root, 'outside'), 'keep');
    symlinkSync(join(root, 'outside'), tmp);
    assert.ok(s.reserve('192.0.2.10', h('e')), 'a symlink: not followed');
    assert.is(readFileSync(join(root, 'outside'), 'utf8'), 'keep');
    assert.is(readFileSync(join(root, 'net', '192.0.2.10'), 'utf8'), 'e\r\neth0');
  }));

test('DiskStore.reserve() never writes into a temporary name a killed writer left on its lease', () =>
  withStore((root) => {
    const s = opened(root, 'net');
    s.reserve('192.0.2.5', h('a'));
    linkSync(join(root, 'net', '192.0.2.5'), join(root, 'net', '.berth-lease.tmp')); // killed between link() and unlink()
    assert.ok(s.reserve('192.0.2.6', h('b')));
    assert.is(readFileSync(join(root, 'net', '192.0.2.5'), 'utf8'), 'a\r\neth0');
    assert.is(readFileSync(join(root, 'net', '192.0.2.6'), 'utf8'), 'b\r\neth0');
    assert.equal(readdirSync(join(root, 'net')).sort(), ['192.0.2.5', '192.0.2.6', 'lock']);
    assert.is(statSync(join(root, 'net', '192.0.2.5')).nlink, 1);
  }));

test('DiskStore.reserve() takes over a lease a machine crash left empty, and no lease naming a holder', () =>
  withStore((root) => {
    const s = opened(root, 'net');
    writeFileSync(join(root, 'net', '192.0.2.5'), ''); // its data never reached the disk
    writeFileSync(join(root, 'net', '192.0.2.6'), '\0\0\0\0');
    writeFileSync(join(root, 'net', '192.0.2.7'), ' \n');
    writeFileSync(join(root, 'net', '192.0.2.8'), 'old'); // the reference's oldest format: held
    mkdirSync(join(root, 'net', '192.0.2.9'));
    for (const ip of ['192.0.2.5', '192.0.2.6', '192.0.2.7']) {
      assert.ok(s.reserve(ip, h(ip)), ip);
      assert.is(readFileSync(join(root, 'net', ip), 'utf8'), `${ip}\r\neth0`);
    }
    assert.not.ok(s.reserve('192.0.2.8', h('b')));
    assert.is(readFileSync(join(root, 'net', '192.0.2.8'), 'utf8'), 'old');
    assert.not.ok(s.reserve('192.0.2.9', h('b')));
    assert.ok(statSync(join(root, 'net', '192.0.2.9')).isDirectory());
    assert.is(statSync(join(root, 'net', '.berth-lease.tmp')).nlink, 1, "what is left is no lease's other name");
  }));

test('DiskStore.leases() lists address-named files only', () =>
  withStore((root) => {
    const s = opened(root, 'net');
    s.reserve('192.0.2.5', h('a'));
    writeFileSync(join(root, 'net', '192.0.2.6'), 'old');
    writeFileSync(join(root, 'net', 'lock'), '');
    s.setLastReserved(0, '192.0.2.6');
    mkdirSync(join(root, 'net', '192.0.2.7'));
    const leases = s.leases().sort((x, y) => x.ip.localeCompare(y.ip));
    assert.equal(leases, [
      { ip: '192.0.2.5', containerId: 'a', ifname: 'eth0' },
      { ip: '192.0.2.6', containerId: 'old' },
    ]);
    assert.is(s.lastReserved(0), '192.0.2.6');
    assert.is(s.lastReserved(1), undefined);
    assert.is(readFileSync(join(root, 'net', 'last_reserved_ip.0'), 'utf8'), '192.0.2.6');
    s.setLastReserved(0, '192.0.2.10'); // longer, then shorter: overwritten in place, never appended
    s.setLastReserved(0, '192.0.2.9');
    assert.is(readFileSync(join(root, 'net', 'last_reserved_ip.0'), 'utf8'), '192.0.2.9');
    assert.is(statSync(join(root, 'net', 'last_reserved_ip.0')).mode & 0o777, 0o600);
  }));

test('DiskStore.indexedLeases() trusts the index only when every lease it names holds the attachment', () =>
  withStore((root) => {
    const s = opened(root, 'net');
    s.reserve('192.0.2.5', h('a'));
    s.reserve('2001:db8::5', h('a'));
    assert.is(s.indexedLeases(h('a')), undefined);
    s.writeIndex(h('a'), ['192.0.2.5', '2001:db8::5']);
    assert.equal(
      s.indexedLeases(h('a'))?.map((l) => l.ip),
      ['192.0.2.5', '2001:db8::5'],
    );
    s.release('2001:db8::5');
    s.reserve('2001:db8::5', h('b'));
    assert.is(s.indexedLeases(h('a')), undefined, 'reused by another attachment');
    assert.equal(
      s
        .knownLeases(h('a'))
        .map((l) => `${l.ip} ${l.containerId}`)
        .sort(),
      ['192.0.2.5 a', '2001:db8::5 b'],
      'a stale index: every lease, for the duplicate check',
    );
    s.dropIndex(h('a'));
    assert.equal(s.knownLeases(h('a')), [], 'no index: none');
    s.dropIndex(h('a'));
  }));

test('openDiskStore() makes the directory at its first lock, and only then', () =>
  withStore((root) => {
    const s = openDiskStore(join(root, 'data'), 'net');
    assert.not.ok(existsSync(join(root, 'data')));
    assert.is(
      s.withLock(() => 'ran'),
      'ran',
    );
    assert.equal(readdirSync(join(root, 'data', 'net')), ['lock']);
    assert.is(statSync(join(root, 'data', 'net')).mode & 0o777, 0o755);
    writeFileSync(join(root, 'file'), '');
    assert.throws(() => openDiskStore(join(root, 'file'), 'net').withLock(() => undefined), /ENOTDIR/);
    assert.throws(() => new DiskStore(join(root, 'absent')).withLock(() => undefined), /ENOENT/, 'DEL, CHECK, GC make nothing');
    assert.not.ok(existsSync(join(root, 'absent')));
  }));

test("DiskStore.writeIndex() writes the index whole through its temporary file, which a dropped index's file becomes", () =>
  withStore((root) => {
    const s = opened(root, 'net');
    const tmp = join(s.dir, '.berth-index.tmp');
    const index = join(s.dir, '.berth-index', 'a@eth0');
    s.reserve('192.0.2.5', h('a'));
    s.reserve('2001:db8::5', h('a'));
    s.writeIndex(h('a'), ['192.0.2.5', '2001:db8::5']);
    assert.is(readFileSync(index, 'utf8'), '192.0.2.5\n2001:db8::5\n');
    assert.is(statSync(index).mode & 0o777, 0o600);
    assert.is(statSync(join(s.dir, '.berth-index')).mode & 0o777, 0o755);
    assert.not.ok(existsSync(tmp));
    const ino = statSync(index).ino;
    s.dropIndex(h('a'));
    assert.not.ok(existsSync(index));
    assert.is(statSync(tmp).ino, ino, 'the dropped index waits as the temporary one');
    s.writeIndex(h('a'), ['192.0.2.5']); // shorter: truncated
    assert.is(statSync(index).ino, ino);
    assert.is(readFileSync(index, 'utf8'), '192.0.2.5\n');
    assert.not.ok(existsSync(tmp));
    s.writeIndex(h('a'), ['192.0.2.5']); // one left by a killed DEL: replaced
    assert.equal(s.knownLeases(h('a')), [{ ip: '192.0.2.5', ...h('a') }]);
    linkSync(index, tmp); // a DEL killed between its link and unlink
    s.writeIndex(h('b'), ['2001:db8::5']);
    assert.is(readFileSync(index, 'utf8'), '192.0.2.5\n', "an index's second name is not written into");
    writeFileSync(index, ''); // what a machine crash may leave of one
    assert.is(s.indexedLeases(h('a')), undefined, 'an empty index names nothing to trust');
    assert.equal(
      s
        .knownLeases(h('a'))
        .map((l) => l.ip)
        .sort(),
      ['192.0.2.5', '2001:db8::5'],
      'stale: every lease',
    );
    rmSync(join(s.dir, '.berth-index'), { recursive: true });
    s.writeIndex(h('a'), ['192.0.2.5']); // its directory made when the rename misses it
    assert.equal(s.indexedLeases(h('a')), [{ ip: '192.0.2.5', ...h('a') }]);
  }));

test('DiskStore keeps leases and index files of a 10,000-character container ID, and GC drops only unlisted indexes', () =>
  withStore((root) => {
    const s = opened(root, 'n'.repeat(300));
    const long = h('c'.repeat(10_000));
    assert.ok(s.reserve('192.0.2.5', long));
    s.writeIndex(long, ['192.0.2.5']);
    s.writeIndex(h('b'), []);
    assert.equal(s.indexedLeases(long), [{ ip: '192.0.2.5', ...long }]);
    for (const name of [...readdirSync(root), ...readdirSync(join(s.dir, '.berth-index'))])
      assert.ok(Buffer.byteLength(name) <= 255, name.slice(0, 20));
    s.dropIndexesExcept([long]);
    assert.equal(readdirSync(join(s.dir, '.berth-index')).length, 1);
    assert.equal(s.knownLeases(long), [{ ip: '192.0.2.5', ...long }]);
    s.dropIndex(long);
    assert.equal(s.knownLeases(long), []);
  }));

test.run();
