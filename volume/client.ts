/** The client side of the protocol, for `berth volume`: one POST per call over the daemon's unix socket. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Calls `endpoint` and returns the reply; throws an Error with the daemon's `Err`, or why it could not be reached. */
export function callDaemon(socket: string, endpoint: string, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  // Loaded here, not with the module: node:http costs a compiled `berth run` without volumes milliseconds.
  const { request } = require('node:http') as typeof import('node:http');
  const text = `${JSON.stringify(body)}\n`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        path: endpoint,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => {
          let reply: Record<string, any>;
          try {
            reply = JSON.parse(data);
          } catch {
            return reject(
              new Error(
                `berth-volumed at ${JSON.stringify(socket)} answered ${endpoint} with HTTP ${res.statusCode} and no JSON: ${JSON.stringify(data.slice(0, 200))}`,
              ),
            );
          }
          if (typeof reply.Err === 'string' && reply.Err !== '') return reject(new Error(reply.Err));
          if ((res.statusCode ?? 500) >= 400) return reject(new Error(`berth-volumed answered ${endpoint} with HTTP ${res.statusCode}`));
          resolve(reply);
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? ' (is berth-volumed running? systemctl start berth-volumed.socket, or pass --socket)'
          : '';
      reject(new Error(`cannot reach berth-volumed at ${JSON.stringify(socket)}: ${err.code ?? err.message}${hint}`));
    });
    req.end(text);
  });
}

/**
 * The socket of volume driver `driver` (`volume create -d`): berth-volumed's for none, `local` (docker's
 * default's name) or `berth`, else `<driver>.sock` beside it, in the plugin dir.
 * @throws {Error} in dockerd's words when there is no such plugin
 */
export function driverSocket(socket: string, driver: string | undefined, name: string): string {
  if (driver === undefined || driver === 'local' || driver === 'berth') return socket;
  const path = join(dirname(socket), `${driver}.sock`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(driver) || !existsSync(path))
    throw new Error(`create ${name}: error looking up volume plugin ${driver}: plugin "${JSON.stringify(driver).slice(1, -1)}" not found`);
  return path;
}
