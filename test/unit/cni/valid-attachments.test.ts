import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validAttachments } from '../../../cni/valid-attachments';

const codeOf = (config: Record<string, unknown>) => {
  try {
    validAttachments(config);
    return 0;
  } catch (e) {
    return (e as { code: number }).code;
  }
};

test('a GC request without a proper valid-attachments list is refused with code 7 (read as none, it would tear down every container)', () => {
  assert.is(codeOf({}), 7, 'missing');
  assert.is(codeOf({ 'cni.dev/valid-attachments': 'k1' }), 7, 'not a list');
  assert.is(codeOf({ 'cni.dev/valid-attachments': { containerID: 'k1', ifname: 'eth0' } }), 7, 'an object');
  assert.is(codeOf({ 'cni.dev/valid-attachments': [{ containerId: 'k1', ifName: 'eth0' }] }), 7, 'misspelt keys');
  assert.equal(validAttachments({ 'cni.dev/valid-attachments': [] }), [], 'an empty list is a real answer');
  assert.equal(validAttachments({ 'cni.dev/attachments': [{ containerID: 'k1', ifname: 'eth0' }] }), [
    { containerID: 'k1', ifname: 'eth0' },
  ]);
});

test.run();
