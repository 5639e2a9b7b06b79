import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { debugSetting } from '../../../lib/debug';

test('debugSetting reads BERTH_DEBUG first, then only the alias asked for', () => {
  assert.is(debugSetting({}), undefined);
  assert.is(debugSetting({ BERTH_DEBUG: '' }), undefined);
  assert.is(debugSetting({ BERTH_DEBUG: '1' }), '1');
  assert.is(debugSetting({ BERTH_DEBUG: '/tmp/log', BERTH_LOG: 'stderr' }, 'BERTH_LOG'), '/tmp/log');
  assert.is(debugSetting({ BERTH_LOG: 'stderr' }, 'BERTH_LOG'), 'stderr');
  assert.is(debugSetting({ BERTH_LOG: 'stderr' }), undefined);
  assert.is(debugSetting({ NETCTL_DEBUG: '1' }, 'BERTH_LOG'), undefined);
  assert.is(debugSetting({ NETCTL_DEBUG: '1' }, 'NETCTL_DEBUG'), '1');
});

test.run();
