/** Parses the subset of Go's text/template that go-template.ts renders into a tree. Pure. */

export type Word =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'ident'; value: string }
  /** `root` is `.` (dot) or a variable: `$` (the data), `$x` (declared with `:=`). */
  | { kind: 'field'; root: string; chain: string[]; text: string }
  | { kind: 'group'; pipeline: Word[][]; chain: string[]; text: string };

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Word[][]; decl: string[] }
  | { kind: 'range' | 'if' | 'with'; pipeline: Word[][]; decl: string[]; body: Node[]; otherwise: Node[] };

/** The text between `{{` and `}}`, the trim markers (`{{-`, `-}}`) applied to the text around. */
function splitActions(template: string): Array<{ text: string } | { action: string }> {
  const parts: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: template.slice(i) });
      break;
    }
    let text = template.slice(i, open);
    let start = open + 2;
    if (/^-\s/.test(template.slice(start, start + 2))) {
      text = text.trimEnd();
      start += 1;
    }
    parts.push({ text });
    let j = start;
    let quote = '';
    for (; j < template.length; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === '`') quote = c;
      else if (template.startsWith('}}', j)) break;
    }
    if (j >= template.length) throw new SyntaxError('template: unclosed action');
    let action = template.slice(start, j);
    i = j + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const rest = template.slice(i);
      i += rest.length - rest.trimStart().length;
    }
    parts.push({ action: action.trim() });
  }
  return parts.filter((p) => !('text' in p) || p.text !== '');
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|([()|])|(\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\$?(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.|\$)|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;

function tokenize(action: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < action.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(action);
    if (!m) {
      if (action.slice(at).trim() === '') break;
      throw new SyntaxError(`template: unexpected ${JSON.stringify(action.slice(at).trim())} in ${JSON.stringify(action)}`);
    }
    tokens.push(m.slice(1).find((t) => t !== undefined) as string);
  }
  return tokens;
}

const chainOf = (t: string) => t.split('.').slice(1).filter(Boolean);

/** A pipeline from `tokens` starting at `pos.i`, up to a `)` or the end. */
function parsePipeline(tokens: string[], pos: { i: number }, action: string): Word[][] {
  const cmds: Word[][] = [[]];
  while (pos.i < tokens.length && tokens[pos.i] !== ')') {
    const t = tokens[pos.i++];
    const cmd = cmds[cmds.length - 1];
    if (t === '|') {
      if (cmd.length === 0) throw new SyntaxError(`template: missing command in ${JSON.stringify(action)}`);
      cmds.push([]);
    } else if (t === '(') {
      const inner = parsePipeline(tokens, pos, action);
      if (tokens[pos.i++] !== ')') throw new SyntaxError(`template: unclosed left paren in ${JSON.stringify(action)}`);
      const next = tokens[pos.i];
      const chain = next?.startsWith('.') && next !== '.' ? chainOf(tokens[pos.i++]) : [];
      cmd.push({ kind: 'group', pipeline: inner, chain, text: `(...)${chain.map((c) => `.${c}`).join('')}` });
    } else if (t.startsWith('"')) cmd.push({ kind: 'string', value: JSON.parse(t) as string });
    else if (t.startsWith('`')) cmd.push({ kind: 'string', value: t.slice(1, -1) });
    else if (t.startsWith('.') || t.startsWith('$'))
      cmd.push({ kind: 'field', root: t.startsWith('$') ? t.split('.')[0] : '.', chain: chainOf(t), text: t });
    else if (/^-?\d/.test(t)) cmd.push({ kind: 'number', value: Number(t) });
    else if (t === 'true' || t === 'false') cmd.push({ kind: 'bool', value: t === 'true' });
    else if (t === 'nil') cmd.push({ kind: 'nil' });
    else cmd.push({ kind: 'ident', value: t });
  }
  if (cmds[cmds.length - 1].length === 0) throw new SyntaxError(`template: missing value in ${JSON.stringify(action)}`);
  return cmds;
}

/** `$x := PIPELINE` (and, for range, `$i, $x := ...`): the variables declared and the pipeline's text. */
function declarationOf(text: string, most: number): { decl: string[]; rest: string } {
  const m = /^(\$[A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*(\$[A-Za-z_][A-Za-z0-9_]*)\s*)?:=\s*(.*)$/s.exec(text);
  if (!m) return { decl: [], rest: text };
  const decl = m[2] ? [m[1], m[2]] : [m[1]];
  if (decl.length > most) throw new SyntaxError(`template: too many declarations in ${JSON.stringify(text)}`);
  return { decl, rest: m[3] };
}

function pipelineOf(text: string): Word[][] {
  const tokens = tokenize(text);
  const pos = { i: 0 };
  const p = parsePipeline(tokens, pos, text);
  if (pos.i < tokens.length) throw new SyntaxError(`template: unexpected ")" in ${JSON.stringify(text)}`);
  return p;
}

/**
 * The tree of `template`.
 * @throws {SyntaxError} "template: ..." on an unclosed action, a stray `end` or `else`, a missing `end`
 */
export function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  // `chained`: an `{{else if}}` (or `else with`) node, which ends with the `{{end}}` of the one it continues.
  const stack: Array<{ node: Extract<Node, { body: Node[] }>; inElse: boolean; chained: boolean }> = [];
  const target = () => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.otherwise : top.node.body) : root;
  };
  for (const part of splitActions(template)) {
    if ('text' in part) {
      target().push({ kind: 'text', text: part.text });
      continue;
    }
    const a = part.action;
    if (a.startsWith('/*')) continue;
    let keyword = /^(range|if|with|else|end)\b\s*(.*)$/s.exec(a);
    let chained = false;
    if (!keyword) {
      const { decl, rest } = declarationOf(a, 1);
      target().push({ kind: 'action', pipeline: pipelineOf(rest), decl });
      continue;
    }
    if (keyword[1] === 'end') {
      let popped = stack.pop();
      while (popped?.chained) popped = stack.pop();
      if (!popped) throw new SyntaxError('template: unexpected {{end}}');
      continue;
    }
    if (keyword[1] === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inElse) throw new SyntaxError('template: unexpected {{else}}');
      top.inElse = true;
      if (keyword[2] === '') continue;
      keyword = /^(if|with)\b\s*(.*)$/s.exec(keyword[2]);
      if (!keyword) throw new SyntaxError(`template: {{else ${a.slice(4).trim()}}}: only {{else if}} and {{else with}} are understood`);
      chained = true;
    }
    if (keyword[2] === '') throw new SyntaxError(`template: missing value for ${keyword[1]}`);
    const { decl, rest } = declarationOf(keyword[2], keyword[1] === 'range' ? 2 : 1);
    const node = { kind: keyword[1] as 'range' | 'if' | 'with', pipeline: pipelineOf(rest), decl, body: [], otherwise: [] };
    target().push(node);
    stack.push({ node, inElse: false, chained });
  }
  if (stack.length > 0) throw new SyntaxError(`template: unexpected EOF: missing {{end}} of {{${stack[stack.length - 1].node.kind}}}`);
  return root;
}
