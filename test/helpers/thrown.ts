/** The companions of sandbox's rejects(): what a call throws or a promise rejects with, for tests that check its fields. */
import * as assert from 'uvu/assert';

/** The error `fn` throws, checked to be a `type`; fails the test when `fn` returns. */
export function thrownBy<E extends Error>(fn: () => unknown, type: new (...args: any[]) => E): E {
  try {
    fn();
  } catch (err) {
    assert.instance(err, type);
    return err as E;
  }
  throw new assert.Assertion({
    message: `expected a ${type.name}, but the call returned`,
    operator: 'throws',
    expects: type.name,
    actual: 'no error',
  });
}

/** The error `promise` rejects with, checked to be a `type`; fails the test when it resolves. */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: any[]) => E): Promise<E> {
  let settled: unknown;
  try {
    await promise;
  } catch (err) {
    settled = err;
  }
  return thrownBy(() => {
    if (settled !== undefined) throw settled;
  }, type);
}
