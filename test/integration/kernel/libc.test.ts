/**
 * kernel/libc.ts's less common calls against the real kernel: a detached child, and a close whose
 * final release happens in a kernel worker. Read back from /proc, in throwaway namespaces.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { closeInBackground, socketCalls, spawnDetached } from '../../../kernel/libc';
import { openNetlinkSocket } from '../../../kernel/netlink-socket';
import { inNetnsSync } from '../../../kernel/netlink';
import { nlmsg } from '../../../kernel/rtnl-codec';
import { isRoot, netnsPath, ROOT_DIR, sh, withNetns, withTempDir } from '../../helpers/sandbox';

const libc = suite('kernel/libc.ts spawnDetached, closeInBackground (real kernel)');
const it = isRoot ? libc : libc.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); await sleep(10))
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
}

it('spawnDetached() starts a program in a session of its own, stdio on /dev/null, with an empty environment', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'seen');
    // Read before anything is redirected, so the shell's fds are what it was given.
    const script = `s=$(ps -o sid= -p $$); f=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2); n=$(env | wc -l); printf '%s\\n' "$s" "$f" "$n" > ${out}.tmp; mv ${out}.tmp ${out}`;
    const pid = spawnDetached('/bin/sh', ['sh', '-c', script]);
    let seen = '';
    await waitFor('the child to write what it saw', () => {
      try {
        seen = readFileSync(out, 'utf8');
        return true;
      } catch {
        return false;
      }
    });
    const [sid, fd0, fd1, fd2, envLines] = seen
      .trim()
      .split('\n')
      .map((l) => l.trim());
    assert.is(Number(sid), pid, 'its own session');
    assert.equal([fd0, fd1, fd2], ['/dev/null', '/dev/null', '/dev/null']);
    assert.ok(Number(envLines) <= 3, `only what sh sets itself (PWD, SHLVL, _): ${envLines} lines`);
  });
});

it('spawnDetached() reports a program that cannot start', () => {
  assert.throws(() => spawnDetached('/nonexistent/berth-test', ['x']), /^cannot start "\/nonexistent\/berth-test": ENOENT$/);
});

const BUN = join(ROOT_DIR, 'node_modules/@oven/bun-linux-x64/bin/bun');

// The compiled plugins run on Bun, where spawnDetached goes through Bun.spawn and childEnded asks
// the subprocess, not waitpid: the same checks, run by Bun.
(existsSync(BUN) ? it : libc.skip)('on Bun, spawnDetached() and childEnded() behave the same', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'seen');
    const script = `s=$(ps -o sid= -p $$); f=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2); n=$(env | wc -l); printf '%s\\n' "$s" "$f" "$n" "$0" > ${out}; sleep 0.3`;
    writeFileSync(
      join(dir, 'run.ts'),
      `import { childEnded, spawnDetached } from ${JSON.stringify(join(ROOT_DIR, 'kernel/libc.ts'))};
const pid = spawnDetached('/bin/sh', ['berth-sh', '-c', ${JSON.stringify(script)}]);
const early = childEnded(pid);
let polls = 0;
while (!childEnded(pid) && polls++ < 500) await new Promise((r) => setTimeout(r, 10));
let error = '';
try { spawnDetached('/nonexistent/berth-test', ['x']); } catch (e) { error = (e as Error).message; }
console.log(JSON.stringify({ pid, early, ended: childEnded(pid), error, other: childEnded(1) }));`,
    );
    const r = spawnSync(BUN, [join(dir, 'run.ts')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.is(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.is(got.early, false, 'running at first');
    assert.is(got.ended, true, 'seen to end');
    assert.is(got.other, true, 'a PID it did not start counts as ended');
    assert.is(got.error, 'cannot start "/nonexistent/berth-test": ENOENT');
    const [sid, fd0, fd1, fd2, envLines, argv0] = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim());
    assert.is(Number(sid), got.pid, 'its own session');
    assert.equal([fd0, fd1, fd2], ['/dev/null', '/dev/null', '/dev/null']);
    assert.ok(Number(envLines) <= 3, `only what sh sets itself (PWD, SHLVL, _): ${envLines} lines`);
    assert.is(argv0, 'berth-sh', 'argv[0] as given');
  });
});

it('closeInBackground() closes the descriptor here, and the kernel then releases the socket', async () => {
  await withNetns(1, async (ns) => {
    const NETLINK_NETFILTER = 12;
    const fd = inNetnsSync(netnsPath(ns), () => openNetlinkSocket(NETLINK_NETFILTER, 'test'));
    // A socket is listed once bound, which its first send does: a no-op message (NLMSG_NOOP).
    const noop = nlmsg(1, 0, 0, Buffer.alloc(0));
    assert.is(socketCalls().send(fd, noop, noop.length, 0), noop.length);
    const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))![1];
    const sockets = () =>
      sh('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netlink'])
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop());
    assert.ok(sockets().includes(inode), 'listed while open');
    closeInBackground(fd);
    let now = '';
    try {
      now = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // closed, and the number not reused
    }
    assert.is.not(now, `socket:[${inode}]`, 'no longer open in this process');
    await waitFor('the socket to be released', () => !sockets().includes(inode));
  });
});

libc.run();
