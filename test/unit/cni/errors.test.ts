import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrCode, toCniError } from '../../../cni/errors';
import { KernelError, NftError } from '../../../kernel/errors';

const ERRORS_PAGE = join(__dirname, '../../../docs/errors.md');

/** The codes of docs/errors.md's "Error codes" table (the rows between that heading and the next). */
function documentedCodes(): Map<number, string> {
  const text = readFileSync(ERRORS_PAGE, 'utf8');
  const start = text.search(/^#+ Error codes\s*$/m);
  assert.ok(start >= 0, 'docs/errors.md has no "Error codes" section');
  const section = text.slice(start).split(/\n(?=#)/)[0];
  const rows = new Map<number, string>();
  for (const m of section.matchAll(/^\|\s*(\d+)\s*\|\s*(.*?)\s*\|\s*$/gm)) rows.set(Number(m[1]), m[2]);
  return rows;
}

test("every ErrCode appears in docs/errors.md's error-code table with a meaning", () => {
  const rows = documentedCodes();
  for (const [name, code] of Object.entries(ErrCode))
    assert.ok((rows.get(code) ?? '') !== '', `ErrCode.${name} (${code}) is not in docs/errors.md's table`);
});

test("docs/errors.md's error-code table lists no code that ErrCode lacks", () => {
  const known = new Set<number>(Object.values(ErrCode));
  for (const code of documentedCodes().keys())
    assert.ok(known.has(code), `docs/errors.md documents code ${code}, which cni/errors.ts does not define`);
});

test("ErrCode keeps the spec's codes below 100 and Berth's from 100", () => {
  assert.equal(
    [
      ErrCode.IncompatibleVersion,
      ErrCode.UnsupportedField,
      ErrCode.UnknownContainer,
      ErrCode.InvalidEnvironment,
      ErrCode.IOFailure,
      ErrCode.DecodeFailure,
      ErrCode.InvalidNetworkConfig,
      ErrCode.TryAgainLater,
      ErrCode.NotAvailable,
      ErrCode.NotAvailableDegraded,
    ],
    [1, 2, 3, 4, 5, 6, 7, 11, 50, 51],
  );
  const values = Object.values(ErrCode);
  assert.is(new Set(values).size, values.length, 'codes are unique');
  for (const [name, code] of Object.entries(ErrCode)) assert.ok(Number.isInteger(code) && code > 0, name);
});

test("CniError.toResult() renders the spec's error object, details only when set", () => {
  assert.equal(new CniError(7, 'bad').toResult('1.0.0'), { cniVersion: '1.0.0', code: 7, msg: 'bad' });
  assert.equal(new CniError(7, 'bad', 'why').toResult('0.4.0'), { cniVersion: '0.4.0', code: 7, msg: 'bad', details: 'why' });
});

test('toCniError() never wraps a CniError and always gives an integer code and a message', () => {
  const e = new CniError(100, 'x');
  assert.is(toCniError(e), e);
  assert.equal(toCniError(new Error('y')).toResult('1.1.0'), { cniVersion: '1.1.0', code: 999, msg: 'y' });
  assert.equal(toCniError(new RangeError('')).toResult('1.1.0'), { cniVersion: '1.1.0', code: 999, msg: 'unexpected RangeError' });
  assert.equal(toCniError(Object.assign(new Error('k'), { cniCode: 104 })).code, 104);
  assert.equal(toCniError(Object.assign(new Error('k'), { cniCode: 10.5 })).code, 999);
  assert.equal(toCniError('').toResult('1.1.0'), { cniVersion: '1.1.0', code: 999, msg: 'unexpected failure' });
  assert.equal(toCniError(new AggregateError([new Error('a'), 'b'], '')).toResult('1.1.0'), {
    cniVersion: '1.1.0',
    code: 999,
    msg: 'a',
    details: '999: a; 999: b',
  });
  // A DEL that kept going through two failures reports the first one's code and lists both.
  const two = new AggregateError(
    [new KernelError('delete link', 'veth1', 'EBUSY'), new CniError(5, 'cannot write lease')],
    'teardown incomplete',
  );
  assert.equal(toCniError(two).toResult('1.1.0'), {
    cniVersion: '1.1.0',
    code: 104,
    msg: 'teardown incomplete',
    details: '104: cannot delete link "veth1": EBUSY; 5: cannot write lease',
  });
  assert.is(toCniError(new NftError('add element', 'Operation not permitted')).code, 107);
});

test.run();
