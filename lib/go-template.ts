/**
 * The subset of Go's text/template that `docker ... --format` strings use: `{{.Field}}`,
 * `{{json .}}`, `{{json .Field}}`, `{{.Field "key"}}` (a method with one string argument, such as
 * `.Label "k"`), literal text, and `\t` for a tab (the docker CLI replaces it before parsing). Pure.
 */

export type TemplateData = Record<string, unknown>;

const ACTION = /{{\s*(.*?)\s*}}/g;

/** Go's %v of a value: strings as they are, arrays as `[a b]`, objects as `map[k:v]`. */
function goText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goText).join(' ')}]`;
  if (value !== null && typeof value === 'object')
    return `map[${Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}:${goText(v)}`)
      .join(' ')}]`;
  return value === undefined || value === null ? '<no value>' : String(value);
}

function evaluate(expr: string, data: TemplateData): unknown {
  if (expr === '.') return data;
  const m = /^\.([A-Za-z_][A-Za-z0-9_]*)(?:\s+"((?:[^"\\]|\\.)*)")?$/.exec(expr);
  if (!m || !(m[1] in data)) throw new Error(`template: can't evaluate ${JSON.stringify(expr)}`);
  const value = data[m[1]];
  if (m[2] !== undefined) {
    if (typeof value !== 'function') throw new Error(`template: ${m[1]} takes no argument`);
    return (value as (arg: string) => unknown)(JSON.parse(`"${m[2]}"`));
  }
  return typeof value === 'function' ? (value as () => unknown)() : value;
}

/**
 * Renders `template` for `data`.
 * @example renderGoTemplate('{{.Name}}\\t{{json .Labels}}', { Name: 'web', Labels: {} }) // "web\t{}"
 * @throws {Error} on an action outside the subset or a field `data` lacks
 */
export function renderGoTemplate(template: string, data: TemplateData): string {
  return template.replace(/\\t/g, '\t').replace(ACTION, (_, action: string) => {
    const json = /^json\s+(.+)$/.exec(action);
    if (json) return JSON.stringify(evaluate(json[1], data));
    return goText(evaluate(action, data));
  });
}

/** The fields a template names, in order (for the header row of a `table` format). */
export function templateFields(template: string): string[] {
  return [...template.matchAll(ACTION)].map((m) => /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(m[1])?.[1] ?? m[1]);
}
