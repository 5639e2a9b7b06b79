/**
 * Docker's default seccomp profile in berth run and berth exec, on the real kernel: a static probe
 * (test/helpers/seccomp-probe.c, compiled here) tries syscalls the profile denies, allows with a
 * capability or allows with some arguments only; Docker 20.10 runs the same probe for comparison.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, ROOT_DIR, RUN_PREFIX } from '../../helpers/sandbox';
import { withBerth, type Berth } from '../../helpers/berth';
import { dockerCli, ensureDockerPackages, importBusyboxImage, startDockerd } from '../../helpers/dockerd';

const test = suite("berth run and exec: Docker's default seccomp profile");
const it = isRoot ? test : test.skip;

const PROBES = [
  'unshare',
  'keyctl',
  'add_key',
  'kexec_load',
  'open_by_handle_at',
  'bpf',
  'perf_event_open',
  'mount',
  'clone3',
  'vsock',
  'personality_query',
  'personality_bsd',
  'thread',
];
let probeDir = '';

test.before(() => {
  if (!isRoot) return;
  probeDir = mkdtempSync(join(tmpdir(), `${RUN_PREFIX}-seccomp-`));
  const src = join(ROOT_DIR, 'test/helpers/seccomp-probe.c');
  execFileSync('cc', ['-static', '-O2', '-o', join(probeDir, 'probe'), src, '-lpthread']);
});

test.after(() => {
  if (probeDir) rmSync(probeDir, { recursive: true, force: true });
});

/** The probe's answers (NAME=OK or NAME=ERRNO) in a berth container made with `flags`. */
async function probe(b: Berth, flags: string[]): Promise<Record<string, string>> {
  copyFileSync(join(probeDir, 'probe'), join(b.rootfs, 'bin/probe'));
  const r = await b('run', '--rm', ...flags, '--rootfs', b.rootfs, '/bin/probe', ...PROBES);
  assert.is(r.code, 0, r.stderr);
  return parse(r.stdout);
}

const parse = (out: string) =>
  Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('=')),
  );

const seccompMode = async (b: Berth, args: string[]) => {
  const r = await b(...args, 'grep', '^Seccomp:', '/proc/self/status');
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim().split(/\s+/)[1];
};

it('a default container: Seccomp 2; unshare, keyctl, add_key, bpf, perf_event_open, mount, AF_VSOCK fail with EPERM', async () => {
  await withBerth(async (b) => {
    assert.is(await seccompMode(b, ['run', '--rm', '--rootfs', b.rootfs]), '2');
    const got = await probe(b, []);
    for (const name of ['unshare', 'keyctl', 'add_key', 'kexec_load', 'open_by_handle_at', 'bpf', 'perf_event_open', 'mount', 'vsock'])
      assert.is(got[name], 'EPERM', name);
    assert.is(got.clone3, 'ENOSYS', 'clone3 says ENOSYS, so that libc falls back to clone');
    assert.is(got.thread, 'OK', 'threads start (glibc: clone3, then clone)');
    assert.is(got.personality_query, 'OK');
    assert.is(got.personality_bsd, 'EPERM');
    const unconfined = await probe(b, ['--security-opt', 'seccomp=unconfined']);
    assert.is(unconfined.keyctl, 'OK', 'without the filter keyctl works: the EPERM above was the filter');
    assert.is(unconfined.personality_bsd, 'OK');
  });
});

it('capabilities open their syscalls: CAP_SYS_ADMIN lets mount, unshare and clone3 through, as Docker does', async () => {
  await withBerth(async (b) => {
    const admin = await probe(b, ['--cap-add', 'SYS_ADMIN']);
    assert.is(admin.mount, 'ENOENT', 'mount reached the kernel (the probe mounts on a path that does not exist)');
    assert.is(admin.unshare, 'OK');
    assert.is(admin.clone3, 'EINVAL', 'clone3 reached the kernel');
    assert.is(admin.keyctl, 'EPERM', 'keyctl stays denied');
    // Two more capabilities than the default: a set the build did not precompute, built by libseccomp at start.
    const two = await probe(b, ['--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE']);
    assert.equal([two.mount, two.unshare, two.keyctl, two.thread], ['ENOENT', 'OK', 'EPERM', 'OK']);
    const none = await probe(b, ['--cap-drop', 'ALL']);
    assert.is(none.thread, 'OK');
    assert.is(none.unshare, 'EPERM');
  });
});

it('ordinary work still works: sh, ls, ping on lo, fork and exec, a non-root user', async () => {
  await withBerth(async (b) => {
    const r = await b(
      'run',
      '--rm',
      '--rootfs',
      b.rootfs,
      'sh',
      '-c',
      'ls / >/dev/null && ping -c 1 -W 2 127.0.0.1 >/dev/null && (sh -c "echo forked") && date +%Y >/dev/null && echo done',
    );
    assert.is(r.stdout, 'forked\ndone\n', r.stderr);
    const user = await b('run', '--rm', '-u', 'app', '--rootfs', b.rootfs, 'sh', '-c', 'id -u; grep ^Seccomp: /proc/self/status');
    assert.is(user.stdout.replace(/\s+/g, ' ').trim(), '1000 Seccomp: 2', user.stderr);
  });
});

it("--privileged and seccomp=unconfined: Seccomp 0, in inspect as Docker shows them; exec keeps the container's filter", async () => {
  await withBerth(async (b) => {
    assert.is(await seccompMode(b, ['run', '--rm', '--privileged', '--rootfs', b.rootfs]), '0');
    assert.is(await seccompMode(b, ['run', '--rm', '--security-opt', 'seccomp=unconfined', '--rootfs', b.rootfs]), '0');
    const ids: Record<string, string> = {};
    for (const [name, flags] of [
      ['conf', []],
      ['unconf', ['--security-opt', 'seccomp=unconfined']],
    ] as const) {
      const r = await b('run', '-d', '--name', name, ...flags, '--rootfs', b.rootfs, 'sleep', '60');
      assert.is(r.code, 0, r.stderr);
      ids[name] = r.stdout.trim();
    }
    assert.is(await seccompMode(b, ['exec', 'conf']), '2');
    assert.is(await seccompMode(b, ['exec', '-u', 'app', 'conf']), '2');
    assert.is(await seccompMode(b, ['exec', '--privileged', 'conf']), '2', 'exec --privileged: every capability, the same filter');
    assert.is(await seccompMode(b, ['exec', 'unconf']), '0');
    const inspect = await b('inspect', '--format', '{{json .HostConfig.SecurityOpt}}', 'conf', 'unconf');
    assert.is(inspect.stdout, 'null\n["seccomp=unconfined"]\n', inspect.stderr);
    await b('rm', '-f', 'conf', 'unconf');
  });
});

/** A Docker-format profile: everything allowed but keyctl (ENOSYS), add_key (EPERM) and personality but the query. */
const PROFILE = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [
    { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    { names: ['add_key'], action: 'SCMP_ACT_ERRNO' },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 4294967295, op: 'SCMP_CMP_NE' }] },
    { names: ['unshare'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
  ],
};
const profileFile = () => {
  const file = join(probeDir, 'profile.json');
  writeFileSync(file, JSON.stringify(PROFILE, null, 2));
  return file;
};

it('--security-opt seccomp=PROFILE.json: a Docker-format profile, resolved for the capabilities, for run and exec; inspect shows its JSON', async () => {
  await withBerth(async (b) => {
    const opt = `seccomp=${profileFile()}`;
    const got = await probe(b, ['--security-opt', opt]);
    assert.equal(
      [got.keyctl, got.add_key, got.personality_query, got.personality_bsd, got.unshare, got.mount],
      ['ENOSYS', 'EPERM', 'OK', 'EPERM', 'EPERM', 'ENOENT'], // mount: allowed by the profile, on a missing path
    );
    assert.is((await probe(b, ['--security-opt', opt, '--cap-add', 'SYS_ADMIN'])).unshare, 'OK');
    const r = await b('run', '-d', '--name', 'custom', '--security-opt', opt, '--rootfs', b.rootfs, 'sleep', '60');
    assert.is(r.code, 0, r.stderr);
    assert.is(await seccompMode(b, ['exec', 'custom']), '2');
    for (const flags of [[], ['-u', 'app']]) {
      const e = await b('exec', ...flags, 'custom', '/bin/probe', 'keyctl');
      assert.is(e.stdout, 'keyctl=ENOSYS\n', `exec ${flags.join(' ')}: the profile's errno, not the default profile's EPERM`);
    }
    const inspect = await b('inspect', '--format', '{{json .HostConfig.SecurityOpt}}', 'custom');
    assert.equal(JSON.parse(inspect.stdout), [`seccomp=${JSON.stringify(PROFILE)}`]);
    await b('rm', '-f', 'custom');
  });
});

it('--security-opt: a bad profile, no-new-privileges=false and unknown options are refused before anything is made', async () => {
  await withBerth(async (b) => {
    const bad = join(probeDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_NOTIFY' }));
    for (const [opt, message] of [
      ['seccomp=/nonexistent/profile.json', /opening seccomp profile \(\/nonexistent\/profile.json\) failed/],
      [`seccomp=${bad}`, /Decoding seccomp profile failed: defaultAction: action "SCMP_ACT_NOTIFY"/],
      ['no-new-privileges=false', /always sets no-new-privileges/],
      ['bogus=1', /invalid --security-opt 2: "bogus=1"/],
      ['bogus', /invalid --security-opt 1: "bogus"/],
    ] as const) {
      const r = await b('run', '--rm', '--security-opt', opt, '--rootfs', b.rootfs, 'true');
      assert.is(r.code, 125, opt);
      assert.match(r.stderr, message);
    }
    const ok = await b(
      'run',
      '--rm',
      '--security-opt',
      'no-new-privileges',
      '--security-opt',
      'label=disable',
      '--rootfs',
      b.rootfs,
      'true',
    );
    assert.is(ok.code, 0, ok.stderr);
    const ps = await b('ps', '-aq');
    assert.is(ps.stdout, '');
  });
});

it('Docker 20.10 answers the probe as berth does (but AF_VSOCK): default, --cap-add SYS_ADMIN, seccomp=unconfined, a profile', async () => {
  ensureDockerPackages();
  const dk = await startDockerd();
  try {
    await importBusyboxImage(dk, 'berth-seccomp-test:1');
    await withBerth(async (b) => {
      const custom = ['--security-opt', `seccomp=${profileFile()}`];
      for (const flags of [[], ['--cap-add', 'SYS_ADMIN'], ['--security-opt', 'seccomp=unconfined'], custom]) {
        const theirs = await dk.docker([
          'run',
          '--rm',
          '--network',
          'none',
          ...flags,
          '-v',
          `${probeDir}:/probe:ro`,
          'berth-seccomp-test:1',
          '/probe/probe',
          ...PROBES,
        ]);
        assert.is(theirs.code, 0, theirs.stderr);
        const ours = await probe(b, flags);
        // Docker 20.10's profile predates the AF_VSOCK rule of later Docker, which Berth has.
        if (flags.length === 0) assert.equal([ours.vsock, parse(theirs.stdout).vsock], ['EPERM', 'OK']);
        assert.equal({ ...ours, vsock: '' }, { ...parse(theirs.stdout), vsock: '' }, `${dockerCli()} run ${flags.join(' ')}`);
      }
    });
  } finally {
    await dk.stop();
  }
});

test.run();
