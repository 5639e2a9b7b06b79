import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CniError, ErrCode } from '../../../cni/errors';
import { allocateAll, allocateNext, countFree, leasesOf, PROBES_BEFORE_LISTING, selectGarbage } from '../../../ipam/allocator';
import { parseAddress, parseRangeSets } from '../../../ipam/range';
import { MemoryStore } from '../../../ipam/store';
import { thrownBy } from '../../helpers/thrown';

const sets = (...inputs: object[][]) => parseRangeSets(inputs);
const h = (containerId: string, ifname = 'eth0') => ({ containerId, ifname });
const ip = (text: string) => parseAddress(text);

function throwsCode(fn: () => unknown, code: number, message: string | RegExp): void {
  const err = thrownBy(fn, CniError);
  assert.is(err.code, code);
  if (typeof message === 'string') assert.is(err.message, message);
  else assert.match(err.message, message);
}

test('allocateNext() hands out addresses in order, skipping the gateway', () => {
  const [set] = sets([{ subnet: '192.0.2.0/24' }]);
  const store = new MemoryStore();
  const got = [1, 2, 3].map((i) => allocateNext(store, set, 0, h(`c${i}`)));
  assert.equal(got, [
    { address: '192.0.2.2/24', gateway: '192.0.2.1' },
    { address: '192.0.2.3/24', gateway: '192.0.2.1' },
    { address: '192.0.2.4/24', gateway: '192.0.2.1' },
  ]);
  assert.is(store.lastReserved(0), '192.0.2.4');
});

test('allocateNext() is round-robin: a released address is not reused before the range wraps', () => {
  const [set] = sets([{ subnet: '192.0.2.0/29' }]); // .2 .. .6
  const store = new MemoryStore();
  allocateNext(store, set, 0, h('a')); // .2
  allocateNext(store, set, 0, h('b')); // .3
  store.release('192.0.2.2');
  assert.is(allocateNext(store, set, 0, h('c')).address, '192.0.2.4/29');
  assert.is(allocateNext(store, set, 0, h('d')).address, '192.0.2.5/29');
  assert.is(allocateNext(store, set, 0, h('e')).address, '192.0.2.6/29');
  assert.is(allocateNext(store, set, 0, h('f')).address, '192.0.2.2/29'); // wrapped, .1 is the gateway
});

test('allocateNext() starts after the cursor and moves across ranges of a set', () => {
  const [set] = sets([
    { subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', rangeEnd: '192.0.2.11' },
    { subnet: '198.51.100.0/24', rangeStart: '198.51.100.5', rangeEnd: '198.51.100.6' },
  ]);
  const store = new MemoryStore();
  store.setLastReserved(0, '192.0.2.10');
  assert.is(allocateNext(store, set, 0, h('a')).address, '192.0.2.11/24');
  const b = allocateNext(store, set, 0, h('b'));
  assert.equal(b, { address: '198.51.100.5/24', gateway: '198.51.100.1' });
});

test('allocateNext() restarts at the first range when the cursor is outside the set (reference behaviour)', () => {
  const [set] = sets([{ subnet: '192.0.2.0/24', rangeStart: '192.0.2.50' }]);
  const store = new MemoryStore();
  store.setLastReserved(0, '198.51.100.7');
  assert.is(allocateNext(store, set, 0, h('a')).address, '192.0.2.50/24');
});

test('allocateNext() costs one reserve call with a cursor, whatever the number of leases', () => {
  const [set] = sets([{ subnet: '198.51.100.0/22' }]);
  const store = new MemoryStore();
  for (let i = 0; i < 500; i++) allocateNext(store, set, 0, h(`c${i}`));
  store.reserveCalls = 0;
  allocateNext(store, set, 0, h('last'));
  assert.is(store.reserveCalls, 1);
  assert.is(store.leasesCalls, 0);
});

test('allocateNext() lists the store once after a run of taken addresses, then walks in memory', () => {
  const [set] = sets([{ subnet: '198.51.100.0/24' }]);
  const store = new MemoryStore();
  for (let i = 2; i < 200; i++) store.reserve(`198.51.100.${i}`, h(`x${i}`)); // taken behind the reference's back
  const got = allocateNext(store, set, 0, h('new'));
  assert.is(got.address, '198.51.100.200/24');
  assert.is(store.leasesCalls, 1);
  assert.is(store.reserveCalls, 198 + PROBES_BEFORE_LISTING + 1);
});

test('allocateNext() on an exhausted set fails with code 100 naming the set', () => {
  const [set] = sets([{ subnet: '192.0.2.0/24', rangeStart: '192.0.2.10', rangeEnd: '192.0.2.12' }]);
  const store = new MemoryStore();
  for (const c of ['a', 'b', 'c']) allocateNext(store, set, 0, h(c));
  throwsCode(
    () => allocateNext(store, set, 0, h('d')),
    ErrCode.RangeExhausted,
    'no IP addresses available in range set 192.0.2.10-192.0.2.12',
  );
  const [big] = sets([{ subnet: '198.51.100.0/27' }]);
  for (let i = 0; i < 29; i++) allocateNext(store, big, 1, h(`b${i}`));
  throwsCode(
    () => allocateNext(store, big, 1, h('z')),
    ErrCode.RangeExhausted,
    'no IP addresses available in range set 198.51.100.1-198.51.100.30',
  );
});

test('allocateNext() works for IPv6', () => {
  const [set] = sets([{ subnet: '2001:db8::/64' }]);
  const store = new MemoryStore();
  assert.equal(allocateNext(store, set, 0, h('a')), { address: '2001:db8::2/64', gateway: '2001:db8::1' });
  assert.is(store.lastReserved(0), '2001:db8::2');
});

test('allocateAll() gives one address per range set, dual stack', () => {
  const store = new MemoryStore();
  const got = allocateAll(store, sets([{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]), h('a'), [], []);
  assert.equal(
    got.map((c) => c.address),
    ['192.0.2.2/24', '2001:db8::2/64'],
  );
  assert.is(store.lastReserved(1), '2001:db8::2');
});

test('allocateAll() gives exactly the requested address in its set and updates the cursor', () => {
  const store = new MemoryStore();
  const s = sets([{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]);
  const got = allocateAll(store, s, h('a'), [ip('2001:db8::99')], []);
  assert.equal(
    got.map((c) => c.address),
    ['192.0.2.2/24', '2001:db8::99/64'],
  );
  assert.is(store.lastReserved(1), '2001:db8::99');
});

const refused: Array<[string, string[], string]> = [
  ['in use', ['192.0.2.2'], 'cannot reserve requested address "192.0.2.2": in use'],
  ['the gateway', ['192.0.2.1'], 'cannot reserve requested address "192.0.2.1": it is the gateway'],
  ['outside all ranges', ['203.0.113.5'], 'cannot reserve requested address "203.0.113.5": not in any range set'],
  ['the broadcast', ['192.0.2.255'], 'cannot reserve requested address "192.0.2.255": not in any range set'],
  [
    'two in one set',
    ['192.0.2.7', '192.0.2.8'],
    'cannot reserve requested address "192.0.2.8": "192.0.2.7" is requested in the same range set 192.0.2.1-192.0.2.254',
  ],
];
for (const [what, wanted, message] of refused)
  test(`allocateAll() refuses a requested address ${what} with code 101`, () => {
    const store = new MemoryStore();
    store.reserve('192.0.2.2', h('other'));
    throwsCode(
      () => allocateAll(store, sets([{ subnet: '192.0.2.0/24' }]), h('a'), wanted.map(ip), store.leases()),
      ErrCode.AddressUnavailable,
      message,
    );
    assert.equal([...store.byIp.keys()], ['192.0.2.2']);
  });

test('allocateAll() releases what it reserved when a later set fails', () => {
  const store = new MemoryStore();
  const s = sets([{ subnet: '192.0.2.0/24' }], [{ subnet: '198.51.100.0/24', rangeStart: '198.51.100.9', rangeEnd: '198.51.100.9' }]);
  store.reserve('198.51.100.9', h('other'));
  throwsCode(() => allocateAll(store, s, h('a'), [], store.leases()), ErrCode.RangeExhausted, /range set 198\.51\.100\.9-198\.51\.100\.9$/);
  assert.equal([...store.byIp.keys()], ['198.51.100.9']);
});

test('allocateAll() refuses a duplicate ADD for an attachment that holds an address (code 101) and reserves nothing', () => {
  const store = new MemoryStore();
  const s = sets([{ subnet: '192.0.2.0/24' }], [{ subnet: '2001:db8::/64' }]);
  allocateAll(store, s, h('a'), [], store.leases());
  store.release('2001:db8::2');
  throwsCode(
    () => allocateAll(store, s, h('a'), [], store.leases()),
    ErrCode.AddressUnavailable,
    'cannot allocate an address for "a" on "eth0": it holds "192.0.2.2" in range set 192.0.2.1-192.0.2.254 already (duplicate ADD)',
  );
  assert.equal([...store.byIp.keys()], ['192.0.2.2']);
  assert.is(allocateAll(store, s, h('a', 'eth1'), [], store.leases())[0].address, '192.0.2.3/24');
});

test('countFree() counts addresses of the set without gateway and foreign leases', () => {
  const [set] = sets([{ subnet: '192.0.2.0/29' }]);
  const leases = [
    { ip: '192.0.2.3', containerId: 'a' },
    { ip: '192.0.2.1', containerId: 'gw' },
    { ip: '198.51.100.3', containerId: 'b' },
    { ip: '2001:db8::3', containerId: 'c' },
  ];
  assert.is(countFree(set, leases), 4n);
});

test('leasesOf() matches (id, ifname), and old leases holding only the id when there is no exact one', () => {
  const leases = [
    { ip: '192.0.2.2', containerId: 'a', ifname: 'eth0' },
    { ip: '192.0.2.3', containerId: 'a', ifname: 'eth1' },
    { ip: '192.0.2.4', containerId: 'b' },
  ];
  assert.equal(
    leasesOf(leases, h('a')).map((l) => l.ip),
    ['192.0.2.2'],
  );
  assert.equal(
    leasesOf(leases, h('b')).map((l) => l.ip),
    ['192.0.2.4'],
  );
  assert.equal(leasesOf(leases, h('c')), []);
});

test('selectGarbage() picks every lease whose attachment is not valid', () => {
  const leases = [
    { ip: '192.0.2.2', containerId: 'a', ifname: 'eth0' },
    { ip: '192.0.2.3', containerId: 'a', ifname: 'eth1' },
    { ip: '2001:db8::2', containerId: 'b', ifname: 'eth0' },
    { ip: '192.0.2.5', containerId: 'old' },
    { ip: '192.0.2.6', containerId: 'gone' },
  ];
  const garbage = selectGarbage(leases, [h('a'), h('b'), h('old', 'net1')]);
  assert.equal(
    garbage.map((l) => l.ip),
    ['192.0.2.3', '192.0.2.6'],
  );
  assert.equal(selectGarbage(leases, []).length, 5);
});

test.run();
