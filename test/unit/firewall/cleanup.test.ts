import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasElements } from '../../../firewall/cleanup';

test('hasElements() sees an element in any set or map, but not the empty layout guard', () => {
  assert.not.ok(hasElements(undefined));
  assert.not.ok(hasElements({ nftables: [{ metainfo: {} }, { set: { name: 'isolated' } }, { map: { name: 'masq4', elem: [] } }] }));
  assert.not.ok(hasElements({ nftables: [{ set: { name: 'layout_v4', elem: [] } }] }));
  assert.ok(hasElements({ nftables: [{ set: { name: 'isolated', elem: ['br-1'] } }] }));
  assert.ok(hasElements({ nftables: [{ map: { name: 'hostport4', elem: [[1, 2]] } }] }));
});

test.run();
