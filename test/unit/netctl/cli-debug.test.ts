import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../../netctl/cli';

/** A failing command line's stderr under `env`. */
async function stderrOf(env: Record<string, string>): Promise<string> {
  let err = '';
  const code = await runCli(['no-such-command'], {
    env,
    stdout: () => {},
    stderr: (t) => {
      err += t;
    },
  });
  assert.is.not(code, 0);
  return err;
}

test('netctl prints a stack trace only under BERTH_DEBUG (or the deprecated NETCTL_DEBUG)', async () => {
  assert.not.match(await stderrOf({}), /\n\s+at /);
  assert.not.match(await stderrOf({ BERTH_LOG: '1' }), /\n\s+at /);
  assert.match(await stderrOf({ BERTH_DEBUG: '1' }), /^netctl: .*\n[\s\S]*\n\s+at /);
  assert.match(await stderrOf({ NETCTL_DEBUG: '1' }), /\n\s+at /);
});

test.run();
