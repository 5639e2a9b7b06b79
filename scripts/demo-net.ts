/** The demo's "outside" host: a namespace joined to a throwaway host namespace by a veth, and a GET from it. */
import { execFileSync, spawnSync } from 'node:child_process';

export const HOST_ADDR = '198.51.100.1';

/** Links `outside` (eth0, 198.51.100.2) to `host` (`link`, HOST_ADDR); both namespaces exist already. */
export function linkOutside(host: string, outside: string, link: string): void {
  const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
  ip('-n', host, 'link', 'set', 'lo', 'up');
  ip('-n', host, 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside);
  ip('-n', host, 'addr', 'add', `${HOST_ADDR}/24`, 'dev', link);
  ip('-n', host, 'link', 'set', link, 'up');
  ip('-n', outside, 'addr', 'add', '198.51.100.2/24', 'dev', 'eth0');
  ip('-n', outside, 'link', 'set', 'eth0', 'up');
}

/** GET / of HOST_ADDR:`port` from `outside`, retried while the server starts; prints and returns the body. */
export function getFromOutside(outside: string, port: number): string {
  let body = '';
  for (let i = 0; i < 20 && !body.includes('hello'); i++) {
    spawnSync('sleep', ['0.1']);
    const r = spawnSync('nsenter', [`--net=/run/netns/${outside}`, 'nc', '-w', '2', HOST_ADDR, String(port)], {
      input: 'GET / HTTP/1.0\r\n\r\n',
      encoding: 'utf8',
    });
    body = r.stdout.split('\r\n\r\n')[1] ?? '';
  }
  console.log(`$ nc ${HOST_ADDR} ${port}  (from the outside namespace: GET /)\n${body.trimEnd()}`);
  return body;
}
