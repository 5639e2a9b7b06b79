import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../helpers/sandbox';
import { findNetwork, loadNetworks } from '../../../network/config-dir';

const conflist = (name: string, extra = '') => `{"cniVersion": "1.0.0", "name": ${name}, "plugins": [{"type": "bridge"${extra}}]}`;

test('loadNetworks(dir, name) parses only the files that may name the network, and finds it as the whole dir does', () =>
  withTempDir(async (dir) => {
    // Files sort before the network's own: each could name it, or mention it elsewhere.
    writeFileSync(join(dir, '01-mention.conflist'), conflist('"other"', ', "firewallDir": "/run/web/x", "bridge": "web"'));
    writeFileSync(join(dir, '02-broken.conflist'), '{ not json, no name');
    writeFileSync(join(dir, '03-spaced.conflist'), conflist('"spaced"', ', "x": {"name" \n\t :  "web"}'));
    writeFileSync(join(dir, '10-web.conflist'), conflist('"web"', ', "bridge": "br-web"'));
    const all = await loadNetworks(dir);
    assert.equal(
      all.networks.map((n) => n.name),
      ['other', 'spaced', 'web'],
    );
    assert.is(all.problems.length, 1);
    const only = await loadNetworks(dir, 'web');
    assert.equal(
      only.networks.map((n) => n.name),
      ['spaced', 'web'],
      'a "name": "web" anywhere is parsed; a mention elsewhere and a broken file are not',
    );
    assert.equal(only.problems, []);
    assert.is((await findNetwork(dir, 'web')).file, join(dir, '10-web.conflist'));
  }));

test('loadNetworks(dir, name) parses a file with an escape, which may spell the name: the first file of a name wins', () =>
  withTempDir(async (dir) => {
    writeFileSync(join(dir, '01-escaped.conflist'), conflist('"w\\u0065b"', ', "bridge": "br-first"'));
    writeFileSync(join(dir, '10-web.conflist'), conflist('"web"', ', "bridge": "br-web"'));
    const found = await findNetwork(dir, 'web');
    assert.is(found.file, join(dir, '01-escaped.conflist'));
    assert.equal((await loadNetworks(dir)).networks.find((n) => n.name === 'web')?.file, found.file);
    await findNetwork(dir, 'missing').then(
      () => assert.unreachable('found'),
      (err: Error) => assert.match(err.message, /network "missing" not found/),
    );
  }));

test('a config text is parsed once per process, and a changed file is read as changed', () =>
  withTempDir(async (dir) => {
    const file = join(dir, '10-web.conflist');
    writeFileSync(file, conflist('"web"', ', "bridge": "br-one"'));
    const first = await findNetwork(dir, 'web');
    const again = await findNetwork(dir, 'web');
    assert.is(again.list, first.list, 'the same text: the same parse');
    assert.is(again.bridge, 'br-one');
    writeFileSync(file, conflist('"web"', ', "bridge": "br-two"'));
    const changed = await findNetwork(dir, 'web');
    assert.is(changed.bridge, 'br-two');
    assert.is(changed.list.plugins[0].bridge, 'br-two');
    assert.is(changed.raw.plugins, changed.list.plugins, 'one JSON.parse for the list and the raw object');
    writeFileSync(file, '{ broken');
    assert.equal((await loadNetworks(dir)).problems.length, 1);
    assert.equal((await loadNetworks(dir)).problems.length, 1, 'a remembered failure is reported again');
  }));

test.run();
