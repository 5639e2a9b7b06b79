/**
 * The Docker volume plugin protocol v1, as pure request -> reply shaping: `handle(driver, path,
 * body)` reads the body, checks field types, calls the driver and shapes the reply. No sockets and
 * no files here; server.ts feeds it HTTP requests and tests call it directly.
 * Reference: docker/cli docs/extend/plugins_volume.md, and ../shared/reference/volume-protocol.md.
 */
import { Status, VolumeError } from './errors.js';
import { parseJsonObject } from '../lib/json.js';

/** What `Get` returns; `CreatedAt` is RFC 3339 with a zone (dockerd drops a volume it cannot parse). */
export interface Volume {
  Name: string;
  Mountpoint: string;
  CreatedAt: string;
  Status: Record<string, unknown>;
}

/** The operations behind the endpoints. Every method throws VolumeError with a message for people. */
export interface VolumeDriver {
  create(name: string, opts: Record<string, string> | null): Promise<void>;
  remove(name: string): Promise<void>;
  /** Adds one count for `id` and returns the directory dockerd bind-mounts into the container. */
  mount(name: string, id: string): Promise<string>;
  /** Takes one count for `id` away; an ID that holds nothing is ignored. */
  unmount(name: string, id: string): Promise<void>;
  path(name: string): Promise<string>;
  get(name: string): Promise<Volume>;
  list(): Promise<Array<{ Name: string; Mountpoint: string }>>;
  /** Berth's recovery: drops the counts of `ids` (every ID when empty), returns the IDs dropped. */
  release(name: string, ids: readonly string[]): Promise<string[]>;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** The media type dockerd asks for (`Accept`) and every reply carries. */
export const CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';

export const ENDPOINTS = [
  '/Plugin.Activate',
  '/VolumeDriver.Create',
  '/VolumeDriver.Remove',
  '/VolumeDriver.Mount',
  '/VolumeDriver.Unmount',
  '/VolumeDriver.Path',
  '/VolumeDriver.Get',
  '/VolumeDriver.List',
  '/VolumeDriver.Capabilities',
  '/Berth.Release',
] as const;

type Request = Record<string, unknown>;

/**
 * Parses a request body: empty means `{}` (Activate has none); otherwise one JSON object
 * (dockerd appends a newline, which JSON.parse accepts).
 * @throws {VolumeError} 400 for text that is not JSON or JSON that is not an object
 */
export function parseBody(endpoint: string, body: string): Request {
  if (body.trim() === '') return {};
  const parsed = parseJsonObject(body);
  if (parsed.ok) return parsed.value as Request;
  if (parsed.why === 'not-json')
    throw new VolumeError(`cannot read request to ${endpoint}: body is not valid JSON: ${parsed.detail}`, Status.BadRequest);
  const value = parsed.why === 'not-object' ? parsed.value : undefined;
  throw new VolumeError(`cannot read request to ${endpoint}: body must be a JSON object, got ${describeType(value)}`, Status.BadRequest);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function stringField(endpoint: string, req: Request, key: string): string {
  const value = req[key];
  if (value === undefined)
    throw new VolumeError(`cannot read request to ${endpoint}: ${JSON.stringify(key)} is required`, Status.BadRequest);
  if (typeof value !== 'string')
    throw new VolumeError(
      `cannot read request to ${endpoint}: ${JSON.stringify(key)} must be a string, got ${describeType(value)}`,
      Status.BadRequest,
    );
  return value;
}

function optsField(endpoint: string, req: Request): Record<string, string> | null {
  const value = req.Opts;
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new VolumeError(
      `cannot read request to ${endpoint}: "Opts" must be an object of strings or null, got ${describeType(value)}`,
      Status.BadRequest,
    );
  for (const [k, v] of Object.entries(value))
    if (typeof v !== 'string')
      throw new VolumeError(
        `cannot read request to ${endpoint}: option ${JSON.stringify(k)} must be a string, got ${describeType(v)}`,
        Status.BadRequest,
      );
  return value as Record<string, string>;
}

function idsField(endpoint: string, req: Request): string[] {
  const value = req.IDs ?? (req.ID === undefined ? [] : [req.ID]);
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && id !== ''))
    throw new VolumeError(
      `cannot read request to ${endpoint}: "ID" must be a non-empty string and "IDs" a list of them`,
      Status.BadRequest,
    );
  return value as string[];
}

function mountId(endpoint: string, req: Request): string {
  const id = stringField(endpoint, req, 'ID');
  if (id === '') throw new VolumeError(`cannot read request to ${endpoint}: "ID" must not be empty`, Status.BadRequest);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(id))
    throw new VolumeError(`cannot read request to ${endpoint}: "ID" must not contain control characters`, Status.BadRequest);
  return id;
}

/**
 * Answers one request. Never throws: every failure becomes `{Err}` with its status.
 * @example await handle(driver, '/VolumeDriver.Get', '{"Name":"v"}\n') // { status: 200, body: { Volume: {...}, Err: '' } }
 */
export async function handle(driver: VolumeDriver, endpoint: string, body: string): Promise<Reply> {
  try {
    return { status: Status.OK, body: await dispatch(driver, endpoint, body) };
  } catch (err) {
    if (err instanceof VolumeError) return { status: err.status, body: { Err: err.message } };
    return { status: Status.Failed, body: { Err: `cannot serve ${endpoint}: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

async function dispatch(driver: VolumeDriver, endpoint: string, body: string): Promise<Record<string, unknown>> {
  if (!(ENDPOINTS as readonly string[]).includes(endpoint))
    throw new VolumeError(`unknown endpoint ${JSON.stringify(endpoint)}: this plugin serves ${ENDPOINTS.join(', ')}`, Status.NotFound);
  const req = parseBody(endpoint, body);
  switch (endpoint as (typeof ENDPOINTS)[number]) {
    case '/Plugin.Activate':
      return { Implements: ['VolumeDriver'] };
    case '/VolumeDriver.Capabilities':
      return { Capabilities: { Scope: 'local' } };
    case '/VolumeDriver.Create': {
      const name = stringField(endpoint, req, 'Name');
      await driver.create(name, optsField(endpoint, req));
      return { Err: '' };
    }
    case '/VolumeDriver.Remove':
      await driver.remove(stringField(endpoint, req, 'Name'));
      return { Err: '' };
    case '/VolumeDriver.Mount': {
      const name = stringField(endpoint, req, 'Name');
      return { Mountpoint: await driver.mount(name, mountId(endpoint, req)), Err: '' };
    }
    case '/VolumeDriver.Unmount': {
      const name = stringField(endpoint, req, 'Name');
      await driver.unmount(name, mountId(endpoint, req));
      return { Err: '' };
    }
    case '/VolumeDriver.Path':
      return { Mountpoint: await driver.path(stringField(endpoint, req, 'Name')), Err: '' };
    case '/VolumeDriver.Get':
      return { Volume: await driver.get(stringField(endpoint, req, 'Name')), Err: '' };
    case '/VolumeDriver.List':
      return { Volumes: await driver.list(), Err: '' };
    case '/Berth.Release': {
      const name = stringField(endpoint, req, 'Name');
      return { Released: await driver.release(name, idsField(endpoint, req)), Err: '' };
    }
  }
}
