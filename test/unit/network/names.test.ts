import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeNameFor, defaultContainerId, nextInterfaceName, resolveNetnsArg, validateNetworkName } from '../../../network/names';

test('bridgeNameFor() is br- and 12 hex digits of sha256(name), stable', () => {
  assert.is(bridgeNameFor('web'), bridgeNameFor('web'));
  assert.is.not(bridgeNameFor('web'), bridgeNameFor('web2'));
  for (const name of ['a', 'x'.repeat(128), 'my.net_work-1']) assert.ok(bridgeNameFor(name).length <= 15);
  // sha256("web") = 4b5e57f6eb2f...
  assert.is(bridgeNameFor('web'), 'br-4b5e57f6eb2f');
});

test('validateNetworkName() takes what libcni and podman take', () => {
  for (const ok of ['web', 'Web1', '1', 'a.b_c-d']) validateNetworkName(ok);
  for (const bad of ['', '-a', '.a', 'a b', 'a/b', 'a:b', 'é'])
    assert.throws(() => validateNetworkName(bad), /^invalid network name ".*": must match/);
  assert.throws(() => validateNetworkName('a'.repeat(129)), /longer than 128 characters$/);
});

test('nextInterfaceName() picks the first free ethN', () => {
  assert.is(nextInterfaceName([]), 'eth0');
  assert.is(nextInterfaceName(['lo', 'eth0', 'eth2']), 'eth1');
  assert.is(nextInterfaceName(['eth0', 'eth1']), 'eth2');
});

test('resolveNetnsArg() takes a name under /run/netns or a path', () => {
  assert.is(resolveNetnsArg('c1'), '/run/netns/c1');
  assert.is(resolveNetnsArg('/proc/1/ns/net'), '/proc/1/ns/net');
  assert.is(resolveNetnsArg('./x'), './x');
  assert.throws(() => resolveNetnsArg(''), /^invalid network namespace "": must be a name under \/run\/netns or a path$/);
  assert.throws(() => resolveNetnsArg('..'), /^invalid network namespace "\.\.":/);
});

test('defaultContainerId() is stable per netns path and a valid CNI container ID', () => {
  assert.is(defaultContainerId('/run/netns/a'), defaultContainerId('/run/netns/a'));
  assert.is.not(defaultContainerId('/run/netns/a'), defaultContainerId('/run/netns/b'));
  assert.match(defaultContainerId('/run/netns/a'), /^netctl-[0-9a-f]{12}$/);
});

test.run();
