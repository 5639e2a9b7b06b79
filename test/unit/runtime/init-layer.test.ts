import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { ensureInitLayer, initLayerDir } from '../../../runtime/init-layer';

const test = suite('runtime/init-layer');

const withRoot = (fn: (d: { root: string; stateDir: string }) => void): Promise<void> =>
  withTempDir(async (dir) => fn({ root: join(dir, 'root'), stateDir: join(dir, 'state') }));

const mode = (path: string) => statSync(path).mode & 0o7777;

test('ensureInitLayer() makes the mount points with their modes, whatever the umask, and leaves nothing beside', () => {
  return withRoot((d) => {
    const old = process.umask(0o077);
    let dir: string;
    try {
      dir = ensureInitLayer(d);
    } finally {
      process.umask(old);
    }
    assert.is(dir, initLayerDir(d));
    assert.equal(readdirSync(dir).sort(), ['dev', 'etc', 'proc', 'sys']);
    assert.equal(
      [mode(dir), mode(join(dir, 'proc')), mode(join(dir, 'sys')), mode(join(dir, 'dev')), mode(join(dir, 'etc'))],
      [0o755, 0o555, 0o555, 0o755, 0o755],
    );
    assert.equal(readdirSync(join(dir, 'etc')).sort(), ['hostname', 'hosts', 'resolv.conf']);
    for (const f of readdirSync(join(dir, 'etc')))
      assert.equal([statSync(join(dir, 'etc', f)).size, mode(join(dir, 'etc', f))], [0, 0o644]);
    assert.equal(readdirSync(d.root), ['init-layer'], 'no temp dir is left');
  });
});

test('ensureInitLayer() keeps a layer that exists (made by an earlier run or a racing berth)', () => {
  return withRoot((d) => {
    mkdirSync(join(initLayerDir(d), 'etc'), { recursive: true });
    writeFileSync(join(initLayerDir(d), 'marker'), '');
    assert.is(ensureInitLayer(d), initLayerDir(d));
    assert.equal(readdirSync(initLayerDir(d)).sort(), ['etc', 'marker']);
  });
});

test.run();
