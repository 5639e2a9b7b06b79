/**
 * `ps --filter` as dockerd's: each key's values are alternatives, keys must all match; parsed once
 * into a test of each container. Most keys read the record's summary line only; `volume`,
 * `network`, `publish` and `expose` read the whole record, `before` and `since` another
 * container's, through the lookups the caller passes. Pure.
 */
import { regexpMatches } from '../lib/docker-filters.js';
import type { Live } from './live.js';
import type { ContainerRecord } from './record.js';
import type { RecordSummary } from './record-text.js';

const KEYS = [
  'id',
  'name',
  'status',
  'label',
  'exited',
  'ancestor',
  'before',
  'since',
  'volume',
  'network',
  'health',
  'is-task',
  'publish',
  'expose',
];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** What the filters that look past the summary need. */
export interface PsLookups {
  /** The whole record of a listed container. */
  record(id: string): ContainerRecord;
  /** When another container (`before`/`since` value) was created. @throws {Error} when there is none */
  createdOf(ref: string): string;
}

/** Docker's `name` filter: a regular expression, matched with and without the leading `/` (`^web`, `db$`). */
function nameMatches(pattern: string, name: string): boolean {
  const bare = name.replace(/^\//, '');
  return regexpMatches(pattern, bare) || regexpMatches(pattern, `/${bare}`);
}

/** `publish`/`expose` values as port keys: `80`, `80/udp`, `8000-8002/tcp` (tcp when no protocol). */
function portKeys(value: string): string[] {
  const [range, proto = 'tcp'] = value.split('/');
  const [first, last = first] = range.split('-').map(Number);
  if (!Number.isInteger(first) || !Number.isInteger(last) || first > last || last - first > 65535) return [];
  return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${proto}`);
}

/**
 * The networks a container is on, as dockerd names them: `none`, `host`, `bridge` for the default,
 * else each one's name; none with `container:CTR` (it has another's).
 */
export function networksOf(rec: ContainerRecord): string[] {
  const mode = rec.HostConfig.NetworkMode;
  if (mode === 'none' || mode === 'host') return [mode];
  if (mode.startsWith('container:')) return [];
  if (mode === 'default') return ['bridge'];
  return Object.keys(rec.NetworkingConfig?.EndpointsConfig ?? { [mode]: {} });
}

/**
 * The test of `filters`. @throws {Error} with dockerd's words on a key or value it refuses
 * (`Invalid filter 'KEY'`, `Invalid filter 'status=X'`, `Unrecognised filter value for health: X`)
 */
export function psFilter(filters: readonly string[], lookups?: PsLookups): (rec: RecordSummary, live: Live) => boolean {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error(`Bad format of filter (expected name=value)`);
    const key = f.slice(0, eq),
      value = f.slice(eq + 1);
    if (!KEYS.includes(key)) throw new Error(`Invalid filter '${key}'`);
    if (key === 'status' && !STATUSES.includes(value)) throw new Error(`Invalid filter '${f}'`);
    if (key === 'health' && !['starting', 'healthy', 'unhealthy', 'none'].includes(value))
      throw new Error(`Unrecognised filter value for health: ${value}`);
    if (key === 'is-task' && value !== 'true' && value !== 'false') throw new Error(`Invalid filter 'is-task=[${value}]'`);
    byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }
  const values = (key: string) => byKey.get(key) ?? [];
  // A container's time against another's, resolved once: dockerd's `no such container X` when there is none.
  const createdOf = (ref: string) => {
    try {
      return lookups!.createdOf(ref);
    } catch {
      throw new Error(`no such container ${ref}`);
    }
  };
  const before = values('before').map(createdOf);
  const since = values('since').map(createdOf);
  const any = (key: string, test: (v: string) => boolean) => !byKey.has(key) || values(key).some(test);
  const whole = ['volume', 'network', 'publish', 'expose'].some((k) => byKey.has(k));
  return (rec, live) => {
    const full = whole ? lookups!.record(rec.Id) : undefined;
    return (
      any('id', (v) => regexpMatches(v, rec.Id)) &&
      any('name', (v) => nameMatches(v, rec.Name)) &&
      any('status', (v) => live.status === v) &&
      any('exited', (v) => live.status === 'exited' && live.exitCode === Number(v)) &&
      any('ancestor', (v) => rec.Config.Image === v || rec.Image.includes(v)) &&
      values('label').every((v) => {
        const [k, val] = v.split('=');
        return k in rec.Config.Labels && (val === undefined || rec.Config.Labels[k] === val);
      }) &&
      before.every((t) => rec.Created < t) &&
      since.every((t) => rec.Created > t) &&
      // berth has no health checks and no swarm tasks
      any('health', (v) => v === 'none') &&
      any('is-task', (v) => v === 'false') &&
      any('volume', (v) => (full!.Mounts ?? []).some((m) => m.Name === v || m.Destination === v)) &&
      any('network', (v) => networksOf(full!).includes(v)) &&
      any('publish', (v) => portKeys(v).some((p) => p in (full!.HostConfig.PortBindings ?? {}))) &&
      any('expose', (v) => portKeys(v).some((p) => p in (full!.Config.ExposedPorts ?? {})))
    );
  };
}
