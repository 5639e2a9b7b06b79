import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BRIDGE_SCHEMA, parseBridgeConf, requestedMac } from '../../../bridge/config';
import { CniError } from '../../../cni/errors';
import { rejection } from '../../helpers/thrown';
import type { NetConf } from '../../../cni/types';

const conf = (extra: object = {}): NetConf => ({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ...extra });

test('parseBridgeConf() fills the reference defaults', async () => {
  const c = await parseBridgeConf(conf(), BRIDGE_SCHEMA);
  assert.is(c.bridge, 'cni0');
  assert.is(c.isGateway, false);
  assert.is(c.hairpinMode, false);
});

test('parseBridgeConf() makes isDefaultGateway imply isGateway', async () => {
  assert.is((await parseBridgeConf(conf({ isDefaultGateway: true }), BRIDGE_SCHEMA)).isGateway, true);
});

const rejected: Array<[object, RegExp]> = [
  [{ hairpinMode: true, promiscMode: true }, /"hairpinMode" and "promiscMode" cannot both be true$/],
  [{ mtu: 10 }, /\/mtu must be >= 68$/],
  [{ vlan: 4095 }, /\/vlan must be <= 4094$/],
  [{ bridge: 'a-very-long-bridge-name' }, /\/bridge must NOT have more than 15 characters$/],
  [{ isGateway: 'yes' }, /\/isGateway must be boolean$/],
  [{ bridge: 'br/0' }, /\/bridge must match pattern/],
];
for (const [extra, message] of rejected)
  test(`parseBridgeConf() rejects ${JSON.stringify(extra)} with code 7`, async () => {
    const err = await rejection(parseBridgeConf(conf(extra), BRIDGE_SCHEMA), CniError);
    assert.is(err.code, 7);
    assert.match(err.message, message);
  });

test('requestedMac() prefers runtimeConfig over args over CNI_ARGS', () => {
  const args = new Map([['MAC', '02:00:00:00:00:03']]);
  assert.is(requestedMac(conf(), args), '02:00:00:00:00:03');
  assert.is(requestedMac(conf({ args: { cni: { mac: '02:00:00:00:00:02' } } }), args), '02:00:00:00:00:02');
  assert.is(
    requestedMac(conf({ args: { cni: { mac: '02:00:00:00:00:02' } }, runtimeConfig: { mac: '02:00:00:00:00:01' } }), args),
    '02:00:00:00:00:01',
  );
  assert.is(requestedMac(conf(), new Map()), undefined);
});

test('requestedMac() refuses a malformed MAC with code 7', () => {
  assert.throws(() => requestedMac(conf({ runtimeConfig: { mac: 'nope' } }), new Map()), /invalid container MAC address "nope"/);
});

test.run();
