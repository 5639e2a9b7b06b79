/**
 * The per-call breakdown of the podman bench (bench/podman.ts): plugin dirs of bash wrappers that log
 * each plugin exec's wall and CPU time, and the table of those calls.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, median, table } from './util';

const PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

export interface Call {
  plugin: string;
  command: string;
  ms: number;
  cpuMs: number;
}

/**
 * A copy of a plugin dir whose bridge, portmap and loopback log each call (name, CNI_COMMAND, start,
 * end) to `log`. host-local stays a link to the real one: Berth's bridge runs its IPAM in its own
 * process only when host-local is the one shipped beside it, and the reference's bridge execs it
 * (so bridge's time includes its IPAM in both).
 */
export function tracedPluginDir(dir: string, bin: string, log: string): string {
  mkdirSync(join(dir, '.real'), { recursive: true });
  for (const p of PLUGINS) {
    if (p === 'host-local') {
      symlinkSync(join(bin, p), join(dir, p));
      continue;
    }
    symlinkSync(join(bin, p), join(dir, '.real', p));
    writeFileSync(
      join(dir, p),
      [
        '#!/bin/bash',
        's=$EPOCHREALTIME',
        `${JSON.stringify(join(dir, '.real', p))}; rc=$?`,
        'e=$EPOCHREALTIME',
        // `times`' second line: the CPU (user, system) of the waited-for children, the plugin and its own. A builtin with
        // a redirection runs in this shell; in a command substitution it would report the subshell's children.
        `t=${JSON.stringify(log)}.times.$$; times > "$t"; { read -r _; read -r u y; } < "$t"`,
        `echo "${p} \${CNI_COMMAND:-none} $s $e $u $y" >> ${JSON.stringify(log)}`,
        'exit $rc',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  return dir;
}

/** The calls of one traced run, in the order they started. */
export function readCalls(log: string): Call[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .map(([plugin, command, s, e, user, sys]) => ({
      plugin,
      command,
      start: Number(s),
      ms: (Number(e) - Number(s)) * 1000,
      cpuMs: seconds(user) + seconds(sys),
    }))
    .sort((a, b) => a.start - b.start)
    .map(({ plugin, command, ms, cpuMs }) => ({ plugin, command, ms, cpuMs }));
}

/** Milliseconds of bash's `times` format, e.g. "0m0.012s". */
function seconds(text: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(text ?? '');
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : NaN;
}

/** The breakdown: each call of a run in order, its median wall and CPU time over the traced runs, both implementations side by side. */
export function breakdown(calls: Record<'berth' | 'reference', Call[][]>): string {
  interface Step {
    label: string;
    ms: number;
    cpuMs: number;
  }
  const at = (runs: Call[][], k: number, key: 'ms' | 'cpuMs') =>
    median(runs.map((r) => r[k]?.[key] ?? NaN).filter((x) => !Number.isNaN(x)));
  const seq = (runs: Call[][]): Step[] =>
    (runs[0] ?? []).map((c, k) => ({ label: `${c.plugin} ${c.command}`, ms: at(runs, k, 'ms'), cpuMs: at(runs, k, 'cpuMs') }));
  const b = seq(calls.berth),
    r = seq(calls.reference);
  const cells = (x: Step | undefined) => (x ? [x.label, fmt(x.ms), fmt(x.cpuMs)] : ['', '', '']);
  const rows = Array.from({ length: Math.max(b.length, r.length) }, (_, k) => [String(k + 1), ...cells(b[k]), ...cells(r[k])]);
  const total = (xs: Step[], label: string): Step => ({
    label,
    ms: xs.reduce((a, x) => a + x.ms, 0),
    cpuMs: xs.reduce((a, x) => a + x.cpuMs, 0),
  });
  const versions = (xs: Step[]) => xs.filter((x) => x.label.endsWith('VERSION'));
  rows.push(['all', ...cells(total(b, `${b.length} execs`)), ...cells(total(r, `${r.length} execs`))]);
  rows.push([
    'VERSION',
    ...cells(total(versions(b), `${versions(b).length} execs`)),
    ...cells(total(versions(r), `${versions(r).length} execs`)),
  ]);
  return table(['#', 'Berth call', 'wall', 'CPU', 'reference call', 'wall', 'CPU'], rows);
}
