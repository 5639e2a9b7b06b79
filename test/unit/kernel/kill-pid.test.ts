import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { parsePids } from '../../../runtime/cgroup/files';
import { killPid } from '../../../kernel/kill-pid';

// kill(0, sig) signals the caller's whole process group: a `berth stop` whose container had just
// exited (live pid 0) once took the test runner down with it.
test('killPid refuses 0, negative and fractional pids, and signals a real one', async () => {
  for (const pid of [0, -1, -1234, 1.5, Number.NaN]) assert.throws(() => killPid(pid, 'SIGKILL'), /no process to signal/);
  const child = spawn('sleep', ['30']);
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  killPid(child.pid!, 'SIGTERM');
  assert.is(await exited, 'SIGTERM');
});

test('parsePids leaves out 0, the pid of a task the reader cannot see', () => {
  assert.equal(parsePids('12\n0\n345\n\n'), [12, 345]);
  assert.equal(parsePids(''), []);
});

test.run();
