/** The synchronous companion of sandbox's rejects(): what a call throws, for tests that check its fields. */
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
