import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addMount, isMountCounts, isMounted, mountIds, releaseMounts, removeMount } from '../../../volume/mounts';
import { KeyedMutex } from '../../../volume/keyed-mutex';

const test = suite('volume mount counting');

test('addMount() counts the same ID twice (docker cp into a running container)', () => {
  const m = addMount(addMount({}, 'a'), 'a');
  assert.equal(m, { a: 2 });
  assert.equal(removeMount(m, 'a'), { a: 1 });
  assert.ok(isMounted(removeMount(m, 'a')));
  assert.not.ok(isMounted(removeMount(removeMount(m, 'a'), 'a')));
});

test('removeMount() of an unknown ID returns the same map and never goes below zero', () => {
  const m = addMount({}, 'a');
  assert.is(removeMount(m, 'b'), m);
  assert.equal(removeMount(removeMount({}, 'a'), 'a'), {});
});

test('addMount() does not change its input', () => {
  const m = { a: 1 };
  addMount(m, 'a');
  assert.equal(m, { a: 1 });
});

test('releaseMounts() drops the given IDs, or all of them', () => {
  const m = addMount(addMount(addMount({}, 'b'), 'a'), 'a');
  assert.equal(releaseMounts(m, ['a', 'zz']), { counts: { b: 1 }, released: ['a'] });
  assert.equal(releaseMounts(m, []), { counts: {}, released: ['b', 'a'] });
  assert.equal(mountIds(m), ['a', 'b']);
});

test('isMountCounts() accepts positive integer counts only', () => {
  assert.ok(isMountCounts({}));
  assert.ok(isMountCounts({ a: 3 }));
  assert.not.ok(isMountCounts({ a: 0 }));
  assert.not.ok(isMountCounts({ a: '1' }));
  assert.not.ok(isMountCounts([]));
  assert.not.ok(isMountCounts(null));
});

test('KeyedMutex.run() serializes one key and runs other keys in parallel', async () => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const x1 = mutex.run('x', async () => {
    events.push('x1+');
    await gate;
    events.push('x1-');
  });
  const x2 = mutex.run('x', async () => {
    events.push('x2+');
    events.push('x2-');
  });
  await mutex.run('y', async () => {
    events.push('y1+');
    events.push('y1-');
  });
  assert.equal(events, ['x1+', 'y1+', 'y1-']); // y ran while x1 held its key; x2 waits for it
  release();
  await Promise.all([x1, x2]);
  assert.equal(events, ['x1+', 'y1+', 'y1-', 'x1-', 'x2+', 'x2-']);
  assert.is(mutex.size, 0);
});

test('KeyedMutex.run() goes on after a failure', async () => {
  const mutex = new KeyedMutex();
  const failed = mutex.run('k', async () => {
    throw new Error('boom');
  });
  const next = mutex.run('k', async () => 7);
  await failed.catch(() => undefined);
  assert.is(await next, 7);
});

test.run();
