import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { claimName, claimedNames, releaseName } from '../../../runtime/store';

test('claimedNames() lists the names claimed and not released, from their files alone', async () => {
  await withTempDir(async (root) => {
    const d = { root, stateDir: join(root, 'state') };
    assert.equal([...claimedNames(d)], [], 'no container was ever named');
    claimName(d, 'web', 'a'.repeat(64));
    claimName(d, 'db.1', 'b'.repeat(64));
    assert.equal([...claimedNames(d)].sort(), ['db.1', 'web']);
    releaseName(d, 'web', 'c'.repeat(64)); // not its owner: kept
    releaseName(d, 'db.1', 'b'.repeat(64));
    assert.equal([...claimedNames(d)], ['web']);
  });
});

test.run();
