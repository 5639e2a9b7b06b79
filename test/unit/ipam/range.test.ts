import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  describeRangeSet,
  formatAddress,
  parseAddress,
  parseRange,
  parseRangeSets,
  parseSubnet,
  rangeFor,
  sizeOf,
  tryParseAddress,
  tryParseSubnet,
} from '../../../ipam/range';

const rejectedSubnets: Array<[string, ErrorConstructor, string]> = [
  ['192.0.2.12/24', RangeError, 'subnet "192.0.2.12/24" has host bits set: network address is 192.0.2.0'],
  ['192.0.2.0/31', RangeError, 'subnet "192.0.2.0/31" is too small to allocate from'],
  ['192.0.2.1/32', RangeError, 'subnet "192.0.2.1/32" is too small to allocate from'],
  ['2001:db8::/127', RangeError, 'subnet "2001:db8::/127" is too small to allocate from'],
  ['2001:db8::/128', RangeError, 'subnet "2001:db8::/128" is too small to allocate from'],
  ['2001:db8::1/32', RangeError, 'subnet "2001:db8::1/32" has host bits set: network address is 2001:db8::'],
  ['192.0.2.0', SyntaxError, 'subnet "192.0.2.0" is not a CIDR (address/prefix length)'],
  ['192.0.2.0/33', SyntaxError, 'subnet "192.0.2.0/33" is not a CIDR (address/prefix length)'],
  ['0x10.0.0.0/8', SyntaxError, 'subnet "0x10.0.0.0/8" is not a CIDR (address/prefix length)'],
  ['.../24', SyntaxError, 'subnet ".../24" is not a CIDR (address/prefix length)'],
  ['', SyntaxError, 'subnet "" is not a CIDR (address/prefix length)'],
];
for (const [input, kind, message] of rejectedSubnets)
  test(`parseSubnet() rejects ${JSON.stringify(input)} with ${kind.name}`, () => {
    assert.throws(
      () => parseSubnet(input),
      (e: Error) => e instanceof kind && e.message === message,
    );
    assert.is(tryParseSubnet(input), undefined);
  });

test('parseSubnet() accepts /30 and /126, the smallest subnets with room', () => {
  assert.is(parseSubnet('192.0.2.0/30').length, 30);
  assert.is(parseSubnet('2001:db8::/126').length, 126);
});

test('parseAddress() names what it parses; tryParseAddress() takes a CIDR form too', () => {
  assert.throws(
    () => parseAddress('1.2.3', 'rangeStart'),
    (e: Error) => e instanceof SyntaxError && e.message === 'rangeStart "1.2.3" is not an IP address',
  );
  assert.is(formatAddress(4, tryParseAddress('192.0.2.5/24')!.value), '192.0.2.5');
  assert.is(tryParseAddress(5), undefined);
});

test('parseRange() fills the defaults for IPv4: .1 gateway, .1 to broadcast-1', () => {
  const r = parseRange({ subnet: '192.0.2.0/24' });
  assert.is(r.family, 4);
  assert.is(formatAddress(4, r.start), '192.0.2.1');
  assert.is(formatAddress(4, r.end), '192.0.2.254');
  assert.is(formatAddress(4, r.gateway), '192.0.2.1');
});

test('parseRange() fills the defaults for IPv6: last address - 1', () => {
  const r = parseRange({ subnet: '2001:db8::/64' });
  assert.is(formatAddress(6, r.start), '2001:db8::1');
  assert.is(formatAddress(6, r.end), '2001:db8::ffff:ffff:ffff:fffe');
  assert.is(formatAddress(6, r.gateway), '2001:db8::1');
});

test('parseRange() keeps given rangeStart, rangeEnd and gateway', () => {
  const r = parseRange({ subnet: '198.51.100.0/24', rangeStart: '198.51.100.10', rangeEnd: '198.51.100.20', gateway: '198.51.100.254' });
  assert.is(describeRangeSet([r]), '198.51.100.10-198.51.100.20');
  assert.is(formatAddress(4, r.gateway), '198.51.100.254');
});

const rejectedRanges: Array<[object, ErrorConstructor, string]> = [
  [{}, SyntaxError, 'range has no "subnet"'],
  [{ subnet: '192.0.2.0/24', rangeStart: '198.51.100.1' }, RangeError, 'rangeStart "198.51.100.1" is not in subnet "192.0.2.0/24"'],
  [{ subnet: '192.0.2.0/24', rangeEnd: '192.0.3.1' }, RangeError, 'rangeEnd "192.0.3.1" is not in subnet "192.0.2.0/24"'],
  [{ subnet: '192.0.2.0/24', rangeStart: '2001:db8::1' }, RangeError, 'rangeStart "2001:db8::1" is not in subnet "192.0.2.0/24"'],
  [{ subnet: '192.0.2.0/24', gateway: '198.51.100.1' }, RangeError, 'gateway "198.51.100.1" is not in subnet "192.0.2.0/24"'],
  [{ subnet: '192.0.2.0/24', rangeStart: 'x' }, SyntaxError, 'rangeStart "x" is not an IP address'],
  [{ subnet: '192.0.2.0/24', gateway: '192.0.2' }, SyntaxError, 'gateway "192.0.2" is not an IP address'],
  [
    { subnet: '192.0.2.0/24', rangeStart: '192.0.2.100', rangeEnd: '192.0.2.10' },
    RangeError,
    'rangeStart "192.0.2.100" is after rangeEnd "192.0.2.10"',
  ],
];
for (const [input, kind, message] of rejectedRanges)
  test(`parseRange() rejects ${JSON.stringify(input)}`, () => {
    assert.throws(
      () => parseRange(input),
      (e: Error) => e instanceof kind && e.message === message,
    );
  });

const rejectedSets: Array<[object[][], ErrorConstructor, string]> = [
  [[[]], RangeError, 'range set 0: range set is empty'],
  [[[{ subnet: '192.0.2.0/24' }, { subnet: '2001:db8::/64' }]], RangeError, 'range set 0: range set mixes IPv4 and IPv6'],
  [
    [[{ subnet: '192.0.2.0/24' }, { subnet: '192.0.2.0/25' }]],
    RangeError,
    'range set 0: ranges "192.0.2.1-192.0.2.254" and "192.0.2.1-192.0.2.126" overlap',
  ],
  [
    [[{ subnet: '192.0.2.0/24' }], [{ subnet: '192.0.2.128/25' }]],
    RangeError,
    'range sets 0 and 1 overlap: 192.0.2.1-192.0.2.254 and 192.0.2.129-192.0.2.254',
  ],
  [
    [[{ subnet: '198.51.100.0/24' }], [{ subnet: '192.0.2.1/24' }]],
    RangeError,
    'range set 1: subnet "192.0.2.1/24" has host bits set: network address is 192.0.2.0',
  ],
  [[[{ subnet: 'nonsense' }]], SyntaxError, 'range set 0: subnet "nonsense" is not a CIDR (address/prefix length)'],
];
for (const [input, kind, message] of rejectedSets)
  test(`parseRangeSets() rejects ${JSON.stringify(input)}`, () => {
    assert.throws(
      () => parseRangeSets(input),
      (e: Error) => e instanceof kind && e.message === message,
    );
  });

test('parseRangeSets() accepts disjoint ranges of one subnet, and dual stack', () => {
  const sets = parseRangeSets([
    [
      { subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', rangeEnd: '192.0.2.19' },
      { subnet: '192.0.2.0/24', rangeStart: '192.0.2.20', rangeEnd: '192.0.2.29' },
    ],
    [{ subnet: '2001:db8::/64' }],
  ]);
  assert.is(sets.length, 2);
  assert.is(describeRangeSet(sets[0]), '192.0.2.10-192.0.2.19,192.0.2.20-192.0.2.29');
});

test('rangeFor() and sizeOf() respect bounds, family and the gateway', () => {
  const [set] = parseRangeSets([[{ subnet: '192.0.2.0/29' }]]);
  assert.is(sizeOf(set), 5n); // .1-.6 without the gateway .1
  assert.ok(rangeFor(set, 4, parseAddress('192.0.2.6').value));
  assert.not.ok(rangeFor(set, 4, parseAddress('192.0.2.7').value));
  assert.not.ok(rangeFor(set, 6, parseAddress('192.0.2.6').value));
});

test.run();
