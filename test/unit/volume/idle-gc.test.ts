import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IdleCollector } from '../../../volume/idle-gc';

const test = suite('IdleCollector');

/** A collector on a fake timer: `fire()` runs the pending timer, as if the idle time had passed. */
function fake(afterRequests = 3) {
  const collected: number[] = [];
  let pending: { fn: () => void; ms: number } | undefined;
  const c = new IdleCollector({
    collect: () => undefined,
    onCollect: (n) => collected.push(n),
    setTimer: (fn, ms) => {
      pending = { fn, ms };
      return () => (pending = undefined);
    },
    afterRequests,
    idleMs: 1000,
  });
  const fire = () => {
    const p = pending;
    pending = undefined;
    p?.fn();
  };
  return { c, collected, fire, pending: () => pending };
}

const requests = (c: IdleCollector, n: number) => {
  for (let i = 0; i < n; i++) {
    c.started();
    c.finished();
  }
};

test('IdleCollector collects once idle after enough requests, not before', () => {
  const { c, collected, fire, pending } = fake();
  requests(c, 2);
  assert.is(pending(), undefined, 'two requests arm nothing');
  requests(c, 1);
  assert.is(pending()?.ms, 1000);
  fire();
  assert.equal(collected, [3]);
  fire();
  assert.equal(collected, [3], 'one collection per burst');
});

test('IdleCollector waits while a request is in flight, and a new request restarts the wait', () => {
  const { c, collected, fire, pending } = fake();
  requests(c, 3);
  c.started(); // the idle wait is cancelled by a new request
  assert.is(pending(), undefined);
  c.started();
  c.finished();
  assert.is(pending(), undefined, 'one request still in flight');
  c.finished();
  fire();
  assert.equal(collected, [5]);
});

test('IdleCollector counts anew after a collection', () => {
  const { c, collected, fire, pending } = fake();
  requests(c, 3);
  fire();
  requests(c, 2);
  assert.is(pending(), undefined);
  requests(c, 1);
  fire();
  assert.equal(collected, [3, 3]);
});

test('IdleCollector.stop() cancels a pending collection', () => {
  const { c, collected, pending } = fake();
  requests(c, 3);
  c.stop();
  assert.is(pending(), undefined);
  assert.equal(collected, []);
});

test.run();
