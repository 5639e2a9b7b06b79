import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constants } from 'node:os';
import { COMMON_ERRNOS, errnoName } from '../../../kernel/errors';

test('the built-in errno names agree with node:os, which names the rest', () => {
  for (const [n, name] of COMMON_ERRNOS) {
    assert.is((constants.errno as Record<string, number>)[name], n, `node:os gives ${name} the number ${n}`);
    assert.is(errnoName(n), name);
  }
  assert.is(errnoName(-17), 'EEXIST', 'a negative errno (as netlink sends them) is named too');
  assert.is(errnoName(constants.errno.EMSGSIZE), 'EMSGSIZE', 'one not built in comes from node:os');
  assert.is(errnoName(4095), 'errno 4095', 'an unknown number stays numeric');
});

test.run();
