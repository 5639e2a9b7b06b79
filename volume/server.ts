/**
 * The HTTP/1.1 side: a node:http server whose every request is one protocol call (protocol.ts).
 * Every reply is JSON with Content-Length and the plugin media type, so dockerd's Go client can keep
 * the connection open; one log line per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Status } from './errors.js';
import type { Log } from './log.js';
import { CONTENT_TYPE, handle, type Reply, type VolumeDriver } from './protocol.js';

/** Bodies above this are refused (413): a real request is well under 1 KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

function send(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A short description of the request for the log: the volume name and mount ID when there are. */
function describeRequest(body: string): string {
  try {
    const v = JSON.parse(body);
    const parts: string[] = [];
    if (typeof v?.Name === 'string') parts.push(`name=${JSON.stringify(v.Name)}`);
    if (typeof v?.ID === 'string') parts.push(`id=${v.ID.slice(0, 12)}`);
    return parts.join(' ');
  } catch {
    return '';
  }
}

/** Told when each request starts and when it has been answered (idle-gc.ts). */
export interface RequestObserver {
  started(): void;
  finished(): void;
}

export function createVolumeServer(driver: VolumeDriver, log: Log, observer?: RequestObserver): Server {
  // Pipelined requests on one connection run one after another, in order (Node parses them ahead).
  const previous = new WeakMap<object, Promise<void>>();
  const server = createServer((req, res) => {
    observer?.started();
    const before = previous.get(req.socket) ?? Promise.resolve();
    const done = before
      .then(() => serve(req, res))
      .catch((err: unknown) => {
        // serve() answers every failure itself; this is only a last guard so nothing goes unhandled.
        log.error(`cannot answer ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent && !res.destroyed)
          send(res, { status: Status.Failed, body: { Err: `cannot serve ${req.url}: internal error` } });
      })
      .finally(() => observer?.finished());
    previous.set(req.socket, done);
  });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = process.hrtime.bigint();
    const endpoint = (req.url ?? '/').split('?')[0];
    let reply: Reply;
    let body = '';
    try {
      if (req.method !== 'POST') {
        req.resume();
        reply = {
          status: Status.MethodNotAllowed,
          body: { Err: `method ${req.method} not allowed on ${endpoint}: the plugin protocol uses POST` },
        };
      } else {
        const text = await readBody(req);
        if (text === undefined)
          reply = {
            status: Status.TooLarge,
            body: { Err: `cannot read request to ${endpoint}: body larger than ${MAX_BODY_BYTES} bytes` },
          };
        else {
          body = text;
          reply = await handle(driver, endpoint, body);
        }
      }
    } catch (err) {
      reply = { status: Status.Failed, body: { Err: `cannot serve ${endpoint}: ${err instanceof Error ? err.message : String(err)}` } };
    }
    if (res.destroyed) return;
    send(res, reply);
    const ms = (Number(process.hrtime.bigint() - start) / 1e6).toFixed(2);
    const what = describeRequest(body);
    const err = typeof reply.body.Err === 'string' && reply.body.Err !== '' ? ` err=${JSON.stringify(reply.body.Err)}` : '';
    const line = `${req.method} ${endpoint}${what ? ` ${what}` : ''} ${reply.status} ${ms}ms${err}`;
    if (reply.status >= 400) log.warn(line);
    else log.info(line);
    if (log.enabled('debug') && body) log.debug(`request body ${JSON.stringify(body)} reply ${JSON.stringify(reply.body)}`);
  };
  // Longer than Go's idle-connection timeout (90 s), so dockerd closes an idle connection before we do
  // and never writes a request into a socket the server is closing.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 60_000;
  let connections = 0;
  server.on('connection', (socket) => {
    connections += 1;
    log.debug(`connection opened (${connections} open)`);
    socket.once('close', () => {
      connections -= 1;
      log.debug(`connection closed (${connections} open)`);
    });
  });
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    const text = JSON.stringify({ Err: `cannot read HTTP request: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: ${CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  });
  return server;
}
