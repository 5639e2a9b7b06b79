import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPrefix } from '../../../cni/ip';
import { parseSubnetArg, pickFreeSubnet, rangeBounds } from '../../../network/subnets';
import { formatIP } from '../../../cni/ip';

const p = parseSubnetArg;
const pick = (pool: string, size: number, taken: string[]) => {
  const r = pickFreeSubnet(
    p(pool),
    size,
    taken.map((t) => p(t)),
  );
  return r && formatPrefix(r);
};

test('pickFreeSubnet() returns the first candidate when nothing is taken', () => {
  assert.is(pick('10.89.0.0/16', 24, []), '10.89.0.0/24');
});

test('pickFreeSubnet() skips candidates overlapped by smaller and larger prefixes', () => {
  assert.is(pick('10.89.0.0/16', 24, ['10.89.0.128/25', '10.89.1.0/24']), '10.89.2.0/24');
  assert.is(pick('10.89.0.0/16', 24, ['10.89.0.0/18']), '10.89.64.0/24');
  assert.is(pick('10.0.0.0/8', 24, ['0.0.0.0/1']), undefined);
});

test('pickFreeSubnet() returns undefined when the pool is full', () => {
  assert.is(pick('10.89.0.0/23', 24, ['10.89.0.0/24', '10.89.1.0/24']), undefined);
});

test('pickFreeSubnet() on a huge IPv6 pool with many prefixes taken, in any order, nested or adjacent', () => {
  const taken = Array.from({ length: 2000 }, (_, i) => `fd00:0:${i.toString(16)}::/48`).reverse();
  assert.is(pick('fd00::/16', 48, taken), 'fd00:0:7d0::/48');
  assert.is(pick('fd00::/16', 48, [...taken, 'fd00:0:7d0::/47', 'fd00:0:7d0::/64']), 'fd00:0:7d2::/48');
  assert.is(pick('10.0.0.0/16', 24, ['10.0.1.0/24', '10.0.0.0/24', '10.0.0.128/25', '10.0.3.0/24']), '10.0.2.0/24');
});

test('pickFreeSubnet() ignores prefixes of the other family', () => {
  assert.is(pick('10.89.0.0/16', 24, ['::/0']), '10.89.0.0/24');
});

test("rangeBounds() clips an ip range to the subnet's host addresses", () => {
  const b = rangeBounds(p('192.0.2.0/24'), p('192.0.2.0/25'), '192.0.2.0/25');
  assert.equal([formatIP(b.start), formatIP(b.end)], ['192.0.2.1', '192.0.2.127']);
  const c = rangeBounds(p('192.0.2.0/24'), p('192.0.2.128/25'), '192.0.2.128/25');
  assert.equal([formatIP(c.start), formatIP(c.end)], ['192.0.2.128', '192.0.2.254']);
});

test('parseSubnetArg() accepts IPv6 and refuses a /127', () => {
  assert.is(formatPrefix(p('2001:db8::/64')), '2001:db8::/64');
  assert.throws(() => p('2001:db8::/127'), /^invalid subnet "2001:db8::\/127": too small for a gateway and a container$/);
});

test.run();
