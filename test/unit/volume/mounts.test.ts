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
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const job = (key: string, tag: string, ms: number) => mutex.run(key, async () => { events.push(`${tag}+`); await sleep(ms); events.push(`${tag}-`); });
  await Promise.all([job('x', 'x1', 20), job('x', 'x2', 1), job('y', 'y1', 5)]);
  assert.equal(events, ['x1+', 'y1+', 'y1-', 'x1-', 'x2+', 'x2-']);
  assert.is(mutex.size, 0);
});

test('KeyedMutex.run() goes on after a failure', async () => {
  const mutex = new KeyedMutex();
  const failed = mutex.run('k', async () => { throw new Error('boom'); });
  const next = mutex.run('k', async () => 7);
  await failed.catch(() => undefined);
  assert.is(await next, 7);
});

test.run();
