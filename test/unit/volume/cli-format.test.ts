import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  describeMounts,
  parseOptionPairs,
  pruneFilter,
  renderTable,
  selectPrunable,
  volumeFilter,
  type VolumeInfo,
} from '../../../volume/cli-format';

const test = suite('berth volume output and arguments');

test('renderTable() pads columns like the docker CLI and trims the last', () => {
  assert.is(
    renderTable(
      ['NAME', 'MOUNTPOINT'],
      [
        ['a', '/x'],
        ['longer', '/y/z'],
      ],
    ),
    'NAME     MOUNTPOINT\na        /x\nlonger   /y/z',
  );
  assert.is(renderTable(['NAME', 'MOUNTPOINT'], []), 'NAME   MOUNTPOINT');
});

test('parseOptionPairs() splits at the first = and refuses pairs without key or twice', () => {
  assert.equal(parseOptionPairs(['type=none', 'o=bind', 'device=/a=b']), { type: 'none', o: 'bind', device: '/a=b' });
  assert.throws(() => parseOptionPairs(['novalue']), /^invalid option "novalue": expected KEY=VALUE$/);
  assert.throws(() => parseOptionPairs(['=x']), /^invalid option "=x": expected KEY=VALUE$/);
  assert.throws(() => parseOptionPairs(['a=1', 'a=2']), /^invalid option "a=2": "a" given twice$/);
});

const vol = (Name: string, kind: string, mounts: Record<string, number> = {}): VolumeInfo => ({
  Name,
  Mountpoint: `/m/${Name}`,
  CreatedAt: '',
  Status: { kind, mounts },
});

test('selectPrunable() keeps mounted volumes, and bind volumes unless all', () => {
  const vols = [vol('m2', 'managed'), vol('m1', 'managed'), vol('busy', 'managed', { a: 1 }), vol('b', 'bind')];
  assert.equal(selectPrunable(vols, false), ['m1', 'm2']);
  assert.equal(selectPrunable(vols, true), ['b', 'm1', 'm2']);
});

test('describeMounts() shortens IDs and shows repeated mounts', () => {
  assert.is(describeMounts({}), '-');
  assert.is(describeMounts({ ['a'.repeat(64)]: 2, b: 1 }), `${'a'.repeat(12)}x2,b`);
});

test("volumeFilter(): dockerd's dangling, driver, name (a regexp), label; one key's values are alternatives", () => {
  const names = (filters: string[]) =>
    [
      { name: 'kept', inUse: () => true, labels: () => ({ team: 'a', x: '' }) },
      { name: 'loose', inUse: () => false, labels: () => ({}) },
    ]
      .filter(volumeFilter(filters))
      .map((v) => v.name);
  assert.equal(names(['dangling=true']), ['loose']);
  assert.equal(names(['dangling=0']), ['kept']);
  assert.equal(names(['name=^k', 'name=se$']), ['kept', 'loose']);
  assert.equal(names(['name=^k', 'driver=berth']), ['kept']);
  assert.equal(names(['driver=local']), []);
  assert.equal(names(['name=[']), [], 'a pattern that does not compile matches nothing');
  assert.equal(names(['label=x']), ['kept']);
  assert.equal(names(['label=team=a']), ['kept']);
  assert.equal(names(['label=team=b']), []);
  assert.throws(() => volumeFilter(['dangling=maybe']), /^Invalid filter 'dangling=\[maybe\]'$/);
  assert.throws(() => volumeFilter(['Size=1']), /^Invalid filter 'size'$/);
  assert.throws(() => volumeFilter(['name']), /bad format of filter/);
});

test("pruneFilter(): dockerd's label (all must match) and label! (a volume matching all of them stays)", () => {
  const team = { team: 'a', keep: '' };
  assert.ok(pruneFilter([])({}));
  assert.ok(pruneFilter(['label=team=a'])(team));
  assert.not.ok(pruneFilter(['label=team=a', 'label=x'])(team));
  assert.not.ok(pruneFilter(['label!=keep'])(team));
  assert.ok(pruneFilter(['label!=keep'])({}));
  assert.ok(pruneFilter(['label!=keep', 'label!=other'])(team), 'spared only when every label! matches');
  assert.throws(() => pruneFilter(['dangling=true']), /^Invalid filter 'dangling'$/);
});

test.run();
