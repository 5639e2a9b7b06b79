import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goOpenError } from '../../../lib/go-errors';

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

test("goOpenError words an open failure as Go's os.Open does", () => {
  assert.is(goOpenError('/x', errno('ENOENT', "ENOENT: no such file or directory, stat '/x'")), 'open /x: no such file or directory');
  assert.is(goOpenError('/x', errno('EACCES', 'EACCES: permission denied')), 'open /x: permission denied');
  assert.is(goOpenError('/x', errno('EIO', 'EIO: i/o error')), 'open /x: EIO: i/o error');
});

test.run();
