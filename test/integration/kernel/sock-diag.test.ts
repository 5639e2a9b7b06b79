/**
 * kernel/sock-diag.ts against the real kernel: the sockets a throwaway namespace holds, opened by
 * a python3 child there, as boundSockets() dumps them; `ss` is the independent oracle.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { inNetnsSync } from '../../../kernel/netlink';
import { boundSockets } from '../../../kernel/sock-diag';
import { isRoot, netnsPath, sh, withNetns } from '../../helpers/sandbox';

const diag = suite('kernel/sock-diag.ts boundSockets (real kernel)');
const it = isRoot ? diag : diag.skip;

// A TCP listener on 127.0.0.1:8081, a client connected to it, a UDP socket on [::]:5353; then waits.
const SCRIPT = `
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(('127.0.0.1', 8081)); l.listen()
c = socket.create_connection(('127.0.0.1', 8081))
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(('::', 5353))
print('ready', flush=True); sys.stdin.read()
`;

it('boundSockets() reports listening TCP and bound UDP sockets with their addresses, not connected TCP ones', async () => {
  await withNetns(1, async (ns) => {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const child = spawn('nsenter', [`--net=${netnsPath(ns)}`, 'python3', '-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`python3 ended (${code})`)));
      });
      const seen = inNetnsSync(netnsPath(ns), () => boundSockets())
        .map((s) => `${s.protocol}${s.family} ${[...s.address.subarray(0, s.family === 4 ? 4 : 16)].join('.')} ${s.port}`)
        .sort();
      assert.equal(seen, ['tcp4 127.0.0.1 8081', `udp6 ${Array(16).fill(0).join('.')} 5353`]);
      // Asked for one protocol, the other's sockets are not dumped.
      assert.equal(
        inNetnsSync(netnsPath(ns), () => boundSockets(['tcp'])).map((s) => `${s.protocol} ${s.port}`),
        ['tcp 8081'],
      );
      assert.equal(
        inNetnsSync(netnsPath(ns), () => boundSockets(['udp'])).map((s) => `${s.protocol} ${s.port}`),
        ['udp 5353'],
      );
      // The oracle: ss sees the same listening and bound sockets.
      const ss = sh('nsenter', [`--net=${netnsPath(ns)}`, 'ss', '-Hltun']);
      assert.match(ss, /tcp\s+LISTEN.*127\.0\.0\.1:8081/);
      assert.match(ss, /udp\s+UNCONN.*\*:5353/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

diag.run();
