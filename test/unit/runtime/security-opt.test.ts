import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planSecurityOpts, seccompConfined } from '../../../runtime/security-opt';

const test = suite('runtime/security-opt: --security-opt');

test('planSecurityOpts() keeps the options as given (Docker shows them so), null without any', () => {
  assert.is(planSecurityOpts([]), null);
  const opts = [
    'seccomp=unconfined',
    'seccomp:unconfined',
    'no-new-privileges',
    'no-new-privileges=true',
    'label=disable',
    'apparmor=unconfined',
  ];
  assert.equal(planSecurityOpts(opts), opts);
});

test("planSecurityOpts() refuses what Berth cannot honour, in Docker's words where Docker refuses too", () => {
  assert.throws(() => planSecurityOpts(['seccomp=/tmp/p.json']), /custom profiles are not supported/);
  assert.throws(() => planSecurityOpts(['no-new-privileges=false']), /always sets no-new-privileges, except with --privileged/);
  assert.throws(() => planSecurityOpts(['no-new-privileges=maybe']), /^invalid --security-opt 2: "no-new-privileges=maybe"$/);
  assert.throws(() => planSecurityOpts(['label=type:x']), /only "label=disable"/);
  assert.throws(() => planSecurityOpts(['apparmor=docker-default']), /only "apparmor=unconfined"/);
  assert.throws(() => planSecurityOpts(['systempaths=unconfined']), /^invalid --security-opt 2: "systempaths=unconfined"$/);
  assert.throws(() => planSecurityOpts(['nonsense']), /^invalid --security-opt 1: "nonsense"$/);
});

test('seccompConfined(): the default filter unless --privileged or seccomp=unconfined (older records: confined)', () => {
  assert.ok(seccompConfined({ Privileged: false }));
  assert.ok(seccompConfined({ Privileged: false, SecurityOpt: null }));
  assert.ok(seccompConfined({ Privileged: false, SecurityOpt: ['no-new-privileges'] }));
  assert.not.ok(seccompConfined({ Privileged: true, SecurityOpt: null }));
  assert.not.ok(seccompConfined({ Privileged: false, SecurityOpt: ['seccomp=unconfined'] }));
  assert.not.ok(seccompConfined({ Privileged: false, SecurityOpt: ['seccomp:unconfined'] }));
});

test.run();
