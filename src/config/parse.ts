import { makeDiagnostic, toPointer, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { fastParse } from './fast-parse.js';
import { LineIndex, NO_NODE, type PositionTree } from './positions.js';
import type { YamlParse, YamlProblem } from './yaml-parse.js';

export type { PositionTree } from './positions.js';

/**
 * A parsed warehouse.yaml: the plain value, where each node is, and the syntax diagnostics. Parsing never
 * throws on bad input: YAML errors, repeated keys, unsupported tags and excessive nesting become positioned
 * diagnostics.
 *
 * Two paths give the same result: the fast path (fast-parse.ts) for the YAML warehouse files are made of,
 * and the `yaml` package for everything else (test/lint/parse-equivalence.test.ts holds them together).
 * Comment-preserving edits (init, discover --add, import --merge) use `yaml` directly, not this module.
 *
 * The `yaml` path is loaded on demand (`loadFullParser`), so that a lint of a plain file never loads the
 * `yaml` package: commands call `parseWarehouseFileLoading`; synchronous callers load it once first.
 */
export interface ParsedFile {
  file: string;
  text: string;
  /** Where each node is; its root is NO_NODE for an empty document, the tree `undefined` when unread. */
  tree: PositionTree | undefined;
  lines: LineIndex;
  /** The plain JS value; `undefined` when the document is empty or unusable. */
  value: unknown;
  diagnostics: Diagnostic[];
  /** Which path parsed the file (for tests and the benchmark); `none` when the depth check refused it. */
  parser: 'fast' | 'yaml' | 'none';
}

/** Deeper than this is refused before parsing: real files nest under ten levels; recursion must stay bounded. */
export const MAX_NESTING_DEPTH = 256;
/** How many alias expansions the yaml path accepts before it calls the file an alias bomb. */
export const MAX_ALIAS_EXPANSIONS = 1000;

export interface ParseOptions {
  /** Force the `yaml` path (the equivalence test compares both). */
  parser?: 'auto' | 'yaml';
}

let fullParser: ((text: string) => YamlParse) | undefined;

/** Load the `yaml` path (a separate chunk of the build). Idempotent. */
export async function loadFullParser(): Promise<void> {
  fullParser ??= (await import('./yaml-parse.js')).parseWithYaml;
}

/** Parse, loading the `yaml` path only when the fast path leaves the file to it. */
export async function parseWarehouseFileLoading(file: string, text: string): Promise<ParsedFile> {
  if (!fullParser) {
    const quick = parseWithoutYaml(file, text);
    if (quick) return quick;
    await loadFullParser();
  }
  return parseWarehouseFile(file, text);
}

/** Parse synchronously; the `yaml` path must have been loaded (`loadFullParser`) for files the fast path leaves. */
export function parseWarehouseFile(file: string, text: string, options: ParseOptions = {}): ParsedFile {
  return parseWithoutYaml(file, text, options.parser !== 'yaml') ?? parseWithYamlPath(file, text);
}

/**
 * The fast path: a result, or `undefined` when the file needs the `yaml` path (the fast path also leaves
 * files nested deeper than the limit to it, where the depth check reports them).
 */
function parseWithoutYaml(file: string, text: string, useFastPath = true): ParsedFile | undefined {
  if (!useFastPath) return undefined;
  // Half the limit: the depth check's estimate counts up to about two levels per collection, so any file the
  // fast path accepts is one the check would pass too, and both paths agree on every file.
  const fast = fastParse(text, MAX_NESTING_DEPTH / 2 - 1);
  if (!fast) return undefined;
  const lines = new LineIndex(text);
  const diagnostics = fast.duplicates.map((d) => duplicateKeyDiagnostic(file, lines, fast.tree, d.repeat, d.first, d.name));
  return { file, text, tree: fast.tree, lines, value: fast.value, diagnostics, parser: 'fast' };
}

/** The depth check (so that `yaml` never recurses too deep), then the `yaml` path. */
function parseWithYamlPath(file: string, text: string): ParsedFile {
  const lines = new LineIndex(text);
  const spanOf = (from: number, to: number): Span => rangeToSpan(lines, from, to);
  const tooDeep = findExcessiveNesting(text, MAX_NESTING_DEPTH);
  if (tooDeep !== undefined) {
    const diagnostic = makeDiagnostic(
      'yaml-syntax',
      `The YAML nests more than ${MAX_NESTING_DEPTH} levels deep here; dwctl stops reading (a warehouse.yaml needs fewer than ten).`,
      { file, path: '', span: spanOf(tooDeep, tooDeep + 1) },
    );
    return { file, text, tree: undefined, lines, value: undefined, diagnostics: [diagnostic], parser: 'none' };
  }
  if (!fullParser) throw new Error('internal error: parseWarehouseFile needs loadFullParser() first for this file');
  let parsed: YamlParse;
  try {
    parsed = fullParser(text);
  } catch (error) {
    // The depth check keeps recursion bounded; should an engine limit still be hit, say so in our words.
    if (!(error instanceof RangeError)) throw error;
    const diagnostic = makeDiagnostic('yaml-syntax', 'The YAML is too deeply nested or too large to read.', { file, path: '', span: spanOf(0, 1) });
    return { file, text, tree: undefined, lines, value: undefined, diagnostics: [diagnostic], parser: 'yaml' };
  }
  const diagnostics = syntaxDiagnostics(file, text, lines, parsed.problems);
  for (const d of findDuplicateKeys(parsed.tree)) diagnostics.push(duplicateKeyDiagnostic(file, lines, parsed.tree, d.repeat, d.first, d.name));
  return { file, text, tree: parsed.tree, lines, value: parsed.value, diagnostics, parser: 'yaml' };
}

/**
 * `yaml`'s problems in dwctl's words. One syntax error usually causes a cascade of follow-on errors that
 * only bury the real one, so only the first is reported, with a count of the rest.
 */
function syntaxDiagnostics(file: string, text: string, lines: LineIndex, problems: readonly YamlProblem[]): Diagnostic[] {
  // An unsupported tag is reported by our own tag check (yaml also warns that it cannot resolve it).
  const relevant = problems.filter((p) => p.code !== 'TAG_RESOLVE_FAILED' && p.code !== 'DUPLICATE_KEY').sort((a, b) => a.from - b.from);
  const first = relevant[0];
  if (!first) return [];
  const rest = relevant.length - 1;
  const more = rest > 0 ? ` (and ${rest} more syntax error${rest === 1 ? '' : 's'} after it, most likely caused by this one)` : '';
  const message = problemMessage(first, text);
  return [makeDiagnostic('yaml-syntax', `${message}${more}`, { file, path: '', span: rangeToSpan(lines, first.from, Math.max(first.to, first.from + 1)) })];
}

function problemMessage(problem: YamlProblem, text: string): string {
  switch (problem.code) {
    case 'MULTIPLE_DOCS':
      return 'A second YAML document starts here: a warehouse.yaml holds exactly one (remove the "---" line, or split the file)';
    case 'TAG': {
      const tag = problem.message.replace(/^tag:yaml\.org,2002:/, '!!');
      return tag === '!!binary'
        ? 'Binary values (!!binary) are not supported in warehouse.yaml; use a ${file:PATH} reference for binary content'
        : `The tag ${tag} is not supported in warehouse.yaml; write the value without a tag`;
    }
    case 'TO_JS':
      // yaml's own text for an alias bomb ("Excessive alias count indicates a resource exhaustion attack") is a library's.
      return /alias count/i.test(problem.message)
        ? `The YAML could not be read: its aliases (*name) expand to more than ${MAX_ALIAS_EXPANSIONS} copies; dwctl stops reading (a warehouse.yaml needs few aliases, if any)`
        : `The YAML could not be read: ${firstLine(problem.message)}`;
    default:
      return withReferenceHint(firstLine(problem.message), text, problem.from, problem.to);
  }
}

function firstLine(message: string): string {
  // `yaml` messages are good but sometimes carry a trailing code excerpt; keep the first line.
  return message.split('\n')[0]!.trim();
}

/** `{a: ${X}}` is a classic: inside a flow mapping, `{` of `${` opens a mapping. Say so. */
function withReferenceHint(message: string, text: string, from: number, to: number): string {
  const lineStart = text.lastIndexOf('\n', Math.max(0, from - 1)) + 1;
  const lineEnd = text.indexOf('\n', to);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  if (/\{[^}]*\$\{/.test(line) && !/["']\$\{/.test(line)) return `${message}. Inside {...} a reference must be quoted: "\${NAME}"`;
  return message;
}

function duplicateKeyDiagnostic(file: string, lines: LineIndex, tree: PositionTree, repeat: number, first: number, name: string): Diagnostic {
  const firstLineNo = lines.linePos(tree.start(first)).line;
  const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
  return makeDiagnostic('duplicate-key', `The key "${shown}" appears more than once in this mapping (first on line ${firstLineNo})`, {
    file,
    path: '',
    span: rangeToSpan(lines, tree.start(repeat), Math.max(tree.end(repeat), tree.start(repeat) + 1)),
  });
}

/** Repeated keys in every mapping of the tree: each repeat (a key node) with the first occurrence. */
export function findDuplicateKeys(tree: PositionTree): { repeat: number; first: number; name: string }[] {
  const out: { repeat: number; first: number; name: string }[] = [];
  const stack: number[] = tree.root === NO_NODE ? [] : [tree.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const kind = tree.kind(node);
    if (kind === 'map') {
      const seen = new Map<string, number>();
      for (const { key, value } of tree.entries(node)) {
        const name = tree.nameOf(key);
        const first = seen.get(name);
        if (first !== undefined) out.push({ repeat: key, first, name });
        else seen.set(name, key);
        if (value !== NO_NODE) stack.push(value);
      }
    } else if (kind === 'seq') {
      // A loop, not push(...): a hostile sequence can have more items than a call takes arguments.
      for (let item = tree.firstChild(node); item !== NO_NODE; item = tree.next(item)) stack.push(item);
    }
  }
  return out.sort((a, b) => tree.start(a.repeat) - tree.start(b.repeat));
}

/**
 * The offset where nesting first exceeds `limit`, counting block indentation levels, `- ` items on one
 * line and open flow brackets (outside quotes and comments). An estimate that errs towards more depth,
 * run before any parser so no parser ever recurses that deep.
 */
export function findExcessiveNesting(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let lineStart = 0;
  const length = text.length;
  while (lineStart < length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = length;
    let at = lineStart;
    while (at < lineEnd && (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 45 /* - */)) at++;
    if (at < lineEnd && text.charCodeAt(at) !== 35 && flow === 0) {
      let indent = 0;
      while (text.charCodeAt(lineStart + indent) === 32) indent++;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    // `- - - x` nests one level per dash.
    let dashes = 0;
    for (let i = lineStart; i < at; i++) if (text.charCodeAt(i) === 45) dashes++;
    if (indents.length + dashes > limit) return lineStart;
    let quote = 0;
    for (let i = at; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
        else if (c === 92 && quote === 34) i++;
        continue;
      }
      if (c === 34 || c === 39) quote = c;
      else if (c === 35 && (i === lineStart || text.charCodeAt(i - 1) === 32)) break;
      else if (c === 91 || c === 123) {
        flow++;
        if (flow + indents.length > limit) return i;
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
    }
    lineStart = lineEnd + 1;
  }
  return undefined;
}

export function rangeToSpan(lines: LineIndex, from: number, to: number): Span {
  const start = lines.linePos(from);
  const end = lines.linePos(Math.max(from, to));
  return { line: start.line, column: start.col, end_line: end.line, end_column: end.col };
}

/** What a path resolves to in the document: the node, and the key node when it is a mapping value. */
export interface Located {
  key: number;
  node: number;
  /** How many leading path segments resolved: less than path.length means we fell back to an ancestor. */
  depth: number;
}

export function locate(tree: PositionTree | undefined, path: readonly (string | number)[]): Located {
  let node = tree ? tree.root : NO_NODE;
  let key = NO_NODE;
  let depth = 0;
  if (!tree) return { key, node, depth };
  for (const segment of path) {
    if (node === NO_NODE) break;
    const kind = tree.kind(node);
    if (kind === 'map') {
      // The first entry with that name, as `yaml` resolves a repeated key.
      const found = tree.keyNamed(node, String(segment));
      if (found === NO_NODE) break;
      key = found;
      node = tree.valueOf(found);
    } else if (kind === 'seq') {
      const item = tree.itemAt(node, Number(segment));
      if (item === NO_NODE) break;
      key = NO_NODE;
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { key, node, depth };
}

export type Anchor = 'key' | 'value';

/**
 * The span for a path. `anchor: 'key'` points at the mapping key (unknown keys, missing children of a
 * mapping, which point at their parent's key); `'value'` at the value itself. When the path does not
 * fully resolve, the closest existing ancestor is used, so every diagnostic has a position.
 */
export function spanAt(parsed: Pick<ParsedFile, 'tree' | 'lines'>, path: readonly (string | number)[], anchor: Anchor): Span {
  const tree = parsed.tree;
  const found = locate(tree, path);
  const resolvedFully = found.depth === path.length;
  const useKey = (anchor === 'key' || found.node === NO_NODE || !resolvedFully) && found.key !== NO_NODE;
  const target = useKey ? found.key : found.node !== NO_NODE ? found.node : found.key;
  if (!tree || target === NO_NODE) return rangeToSpan(parsed.lines, 0, 0);
  // For a block mapping or sequence, pointing at the whole multi-line range is useless; its first line is enough.
  let end = tree.end(target);
  if (tree.kind(target) !== 'scalar' && !tree.isFlow(target)) end = Math.min(end, lineEndAfter(parsed.lines, tree.start(target)));
  return rangeToSpan(parsed.lines, tree.start(target), end);
}

function lineEndAfter(lines: LineIndex, offset: number): number {
  const line = lines.linePos(offset).line; // 1-based
  const next = lines.lineStarts[line];
  return next === undefined ? offset + 1 : Math.max(offset + 1, next - 1);
}

export function diagnosticAt(
  parsed: ParsedFile,
  code: Parameters<typeof makeDiagnostic>[0],
  message: string,
  path: readonly (string | number)[],
  anchor: Anchor = 'value',
  severity?: Parameters<typeof makeDiagnostic>[3],
): Diagnostic {
  return makeDiagnostic(code, message, { file: parsed.file, path: toPointer(path), span: spanAt(parsed, path, anchor) }, severity);
}
