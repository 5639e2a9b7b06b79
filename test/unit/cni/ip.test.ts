import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  contains,
  formatIP,
  hasHostBits,
  lastOf,
  networkCidr,
  networkOf,
  overlaps,
  parseIP,
  parsePrefix,
  tryParseIP,
  tryParsePrefix,
} from '../../../cni/ip';

for (const [text, canonical] of [
  ['192.0.2.1', '192.0.2.1'],
  ['0.0.0.0', '0.0.0.0'],
  ['255.255.255.255', '255.255.255.255'],
  ['2001:db8::1', '2001:db8::1'],
  ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
  ['::', '::'],
  ['::1', '::1'],
  ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
  ['2001:0:0:1:0:0:1:1', '2001::1:0:0:1:1'],
  ['::ffff:192.0.2.1', '::ffff:c000:201'],
  ['fe80::', 'fe80::'],
  ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
])
  test(`parseIP() and formatIP() turn ${text} into ${canonical}`, () => assert.is(formatIP(parseIP(text)), canonical));

for (const bad of [
  '',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '01.2.3.4',
  '0x10.1.1.1',
  '...',
  '1.2.3.4 ',
  '2001:db8:::1',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  'fe80::1%eth0',
  'g::1',
  '1:2:3:4:5:6:7::8',
  '1.2.3.4.',
  '.1.2.3.4',
  '1..2.3',
  '1.2.3.04',
  '1.2.3.00',
  '1.2.3.0256',
  '1.2.3.-1',
  '\u0661.2.3.4',
  '::ffff:1.2.3.04',
])
  test(`tryParseIP() refuses ${JSON.stringify(bad)}`, () => assert.is(tryParseIP(bad), undefined));

test('tryParseIP() reads dotted quads as a part-by-part regular expression does', () => {
  // The form the char-code loop replaced: four parts of 0-255 without leading zeros.
  const part = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
  const reference = (text: string) => {
    const parts = text.split('.');
    return parts.length === 4 && parts.every((p) => part.test(p)) ? parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) : undefined;
  };
  let seed = 1;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), (seed >>> 16) % n);
  const digits = '01234567892255x';
  let valid = 0;
  for (let i = 0; i < 20000; i++) {
    const parts = Array.from({ length: 3 + random(3) }, () =>
      Array.from({ length: random(10) < 8 ? 1 + random(3) : random(5) }, () => digits[random(digits.length)]).join(''),
    );
    const text = parts.join('.');
    assert.is(tryParseIP(text)?.value, reference(text), text);
    if (reference(text) !== undefined) valid++;
  }
  assert.ok(valid > 500, `${valid} valid addresses among the texts`);
});

test('parseIP() throws SyntaxError naming the text', () => {
  assert.throws(
    () => parseIP('10.0.0'),
    (e: Error) => e instanceof SyntaxError && e.message === '"10.0.0" is not an IP address',
  );
});

test('parsePrefix() reads address and length, refusing lengths past the family', () => {
  assert.equal(parsePrefix('192.0.2.5/24').length, 24);
  assert.is(tryParsePrefix('192.0.2.0/33'), undefined);
  assert.is(tryParsePrefix('2001:db8::/129'), undefined);
  assert.is(tryParsePrefix('192.0.2.0'), undefined);
  assert.is(tryParsePrefix('192.0.2.0/'), undefined);
  assert.is(tryParsePrefix('192.0.2.0/+1'), undefined);
  assert.is(tryParsePrefix('192.0.2.0/0024'), undefined);
  assert.is(tryParsePrefix('192.0.2.0/2x'), undefined);
  assert.equal(tryParsePrefix('192.0.2.0/024')?.length, 24);
});

test('networkOf(), lastOf() and hasHostBits() on IPv4 and IPv6', () => {
  assert.is(formatIP(networkOf(parsePrefix('192.0.2.77/26'))), '192.0.2.64');
  assert.is(formatIP(lastOf(parsePrefix('192.0.2.77/26'))), '192.0.2.127');
  assert.is(formatIP(lastOf(parsePrefix('2001:db8::/64'))), '2001:db8::ffff:ffff:ffff:ffff');
  assert.ok(hasHostBits(parsePrefix('192.0.2.1/24')));
  assert.not.ok(hasHostBits(parsePrefix('192.0.2.0/24')));
  assert.is(networkCidr('2001:db8::5/64'), '2001:db8::/64');
});

test('contains() and overlaps() respect families and lengths', () => {
  assert.ok(contains(parsePrefix('192.0.2.0/24'), parseIP('192.0.2.200')));
  assert.not.ok(contains(parsePrefix('192.0.2.0/24'), parseIP('198.51.100.1')));
  assert.not.ok(contains(parsePrefix('::/0'), parseIP('192.0.2.1')));
  assert.ok(overlaps(parsePrefix('10.0.0.0/8'), parsePrefix('10.1.0.0/16')));
  assert.ok(overlaps(parsePrefix('10.1.0.0/16'), parsePrefix('10.0.0.0/8')));
  assert.not.ok(overlaps(parsePrefix('10.0.0.0/16'), parsePrefix('10.1.0.0/16')));
});

test.run();
