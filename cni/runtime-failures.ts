/** How the conflist runner reports a plugin's failure, or several: under the action, keeping CNI codes. */
import { CniError, toCniError } from './errors.js';
import type { PluginConf } from './conflist.js';

function describePlugin(plugin: PluginConf): string {
  return `plugin ${JSON.stringify(plugin.type)}`;
}

/** Chains the plugin's error under the action, keeping its code and details. */
export function wrap(action: string, plugin: PluginConf, err: unknown, extraDetails = ''): CniError {
  const e = toCniError(err);
  const details = [e.details, extraDetails].filter((d) => d !== '').join('; ');
  return new CniError(e.code, `${action}: ${describePlugin(plugin)} failed: ${e.message}`, details);
}

export type Failure = { plugin?: PluginConf; err: unknown; what?: string };

function describeFailure({ plugin, err, what }: Failure, withDetails: boolean): string {
  const e = toCniError(err);
  const who = what ?? (plugin ? describePlugin(plugin) : 'cache');
  return `${who}: ${e.message}${withDetails && e.details ? ` (${e.details})` : ''}`;
}

/** 'plugin "bridge": msg (details); plugin "portmap": msg' */
export function describeFailures(failures: readonly Failure[]): string {
  return failures.map((f) => describeFailure(f, true)).join('; ');
}

/** Several failures as one error: the first one's code and message, every failure in the details. */
export function combine(action: string, failures: readonly Failure[]): CniError {
  const first = toCniError(failures[0].err);
  const firstText = describeFailure(failures[0], false);
  if (failures.length === 1) return new CniError(first.code, `${action}: ${firstText}`, first.details);
  return new CniError(first.code, `${action}: ${failures.length} failures, first ${firstText}`, describeFailures(failures));
}
