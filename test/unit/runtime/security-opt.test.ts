import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSeccompRules } from '../../../runtime/seccomp-profile';
import { inlineSeccompProfiles, planSecurityOpts, seccompProfileOf } from '../../../runtime/security-opt';

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
  assert.throws(() => planSecurityOpts(['no-new-privileges=false']), /always sets no-new-privileges, except with --privileged/);
  assert.throws(() => planSecurityOpts(['no-new-privileges=maybe']), /^invalid --security-opt 2: "no-new-privileges=maybe"$/);
  assert.throws(() => planSecurityOpts(['label=type:x']), /only "label=disable"/);
  assert.throws(() => planSecurityOpts(['apparmor=docker-default']), /only "apparmor=unconfined"/);
  assert.throws(() => planSecurityOpts(['systempaths=unconfined']), /^invalid --security-opt 2: "systempaths=unconfined"$/);
  assert.throws(() => planSecurityOpts(['nonsense']), /^invalid --security-opt 1: "nonsense"$/);
});

test('seccompProfileOf(): default unless --privileged or seccomp=unconfined; a profile parsed (older records: default)', () => {
  assert.is(seccompProfileOf({ Privileged: false }), 'default');
  assert.is(seccompProfileOf({ Privileged: false, SecurityOpt: null }), 'default');
  assert.is(seccompProfileOf({ Privileged: false, SecurityOpt: ['no-new-privileges'] }), 'default');
  assert.is(seccompProfileOf({ Privileged: true, SecurityOpt: null }), 'unconfined');
  assert.is(seccompProfileOf({ Privileged: false, SecurityOpt: ['seccomp=unconfined'] }), 'unconfined');
  assert.is(seccompProfileOf({ Privileged: false, SecurityOpt: ['seccomp:unconfined'] }), 'unconfined');
  assert.is(seccompProfileOf({ Privileged: true, SecurityOpt: [`seccomp=${PROFILE}`] }), 'unconfined');
  assert.equal(seccompProfileOf({ Privileged: false, SecurityOpt: [`seccomp=${PROFILE}`] }), JSON.parse(PROFILE));
});

test("inlineSeccompProfiles(): a profile file's JSON, compacted, in place of its path; Docker CLI's errors", () => {
  const files: Record<string, string> = { '/p.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n', '/bad.json': '{' };
  const read = (path: string) => {
    if (path in files) return files[path];
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  assert.equal(inlineSeccompProfiles(['seccomp=/p.json', 'seccomp=unconfined', 'label=disable'], read), [
    'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
    'seccomp=unconfined',
    'label=disable',
  ]);
  assert.throws(
    () => inlineSeccompProfiles(['seccomp=/x.json'], read),
    /^opening seccomp profile \(\/x.json\) failed: open \/x.json: no such file or directory$/,
  );
  assert.throws(() => inlineSeccompProfiles(['seccomp=/bad.json'], read), /^compacting json for seccomp profile \(\/bad.json\) failed: /);
});

const PROFILE = JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    },
    { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [
        { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
        { index: 0, value: 8, op: 'SCMP_CMP_EQ' },
      ],
    },
    { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    { names: ['s390_runtime_instr'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['s390x'] } },
  ],
});

test('renderSeccompRules(): capabilities, arches, minKernel and errnoRet resolved; one argument checked twice is two rules', () => {
  const profile = seccompProfileOf({ Privileged: false, SecurityOpt: [`seccomp=${PROFILE}`] });
  if (typeof profile === 'string') throw new Error('not a profile');
  assert.is(
    renderSeccompRules(profile, ['CHOWN'], 'x64'),
    [
      'default 0x50001',
      'arch x86',
      '0x7fff0000 read',
      '0x7fff0000 write',
      '0x7fff0000 clone 0 7 2114060288 0',
      '0x7fff0000 ptrace min-kernel 4.8',
      '0x7fff0000 personality 0 4 0 0',
      '0x7fff0000 personality 0 4 8 0',
      '0x50026 keyctl',
    ].join('\n'),
  );
  const admin = renderSeccompRules(profile, ['SYS_ADMIN'], 'x64');
  assert.ok(admin.includes('0x7fff0000 mount'));
  assert.not.ok(admin.includes('clone'));
  assert.throws(() => renderSeccompRules(profile, [], 'mips'), /no seccomp support for the mips architecture/);
});

test("planSecurityOpts() checks a profile as Docker's daemon does", () => {
  assert.ok(planSecurityOpts([`seccomp=${PROFILE}`]));
  const bad = (p: unknown) => () => planSecurityOpts([`seccomp=${JSON.stringify(p)}`]);
  assert.throws(bad({}), /^Decoding seccomp profile failed: defaultAction: action undefined is not one of SCMP_ACT_KILL/);
  assert.throws(
    bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [] }),
    /use either 'architectures' or 'archMap'/,
  );
  assert.throws(
    bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] }),
    /syscalls\[0\]: action "SCMP_ACT_NOTIFY"/,
  );
  assert.throws(bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] }), /syscalls\[0\] names no syscall/);
  assert.throws(
    bad({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }],
    }),
    /index must be 0 to 5/,
  );
  assert.throws(() => planSecurityOpts(['seccomp={']), /^Decoding seccomp profile failed: /);
});

test.run();
