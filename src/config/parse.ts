import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';
import { makeDiagnostic, type Diagnostic, type Span } from '../diagnostics/diagnostic.js';
import { toPointer } from '../diagnostics/diagnostic.js';

/**
 * A parsed warehouse.yaml: the `yaml` Document (kept for positions and for comment-preserving edits),
 * the plain value, and the syntax diagnostics. Parsing never throws on bad input: YAML errors and
 * duplicate keys become positioned diagnostics.
 */
export interface ParsedFile {
  file: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain JS value; `undefined` when the document is empty or unusable. */
  value: unknown;
  diagnostics: Diagnostic[];
}

export function parseWarehouseFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  // logLevel 'error': yaml would otherwise call process.emitWarning (e.g. for collection keys), which is output we do not own.
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
  const spanOfRange = (from: number, to: number): Span => rangeToSpan(lineCounter, from, to);
  const diagnostics: Diagnostic[] = [];
  for (const error of [...document.errors, ...document.warnings]) {
    const duplicate = error.code === 'DUPLICATE_KEY';
    const [from, reportedTo] = error.pos;
    // yaml reports a duplicate key at its first character; the whole key is the useful span.
    const to = duplicate ? keyEndAt(document, from) ?? reportedTo : reportedTo;
    diagnostics.push(
      makeDiagnostic(duplicate ? 'duplicate-key' : 'yaml-syntax', yamlMessage(error.message, text, from, to, duplicate), {
        file,
        path: '',
        span: spanOfRange(from, Math.max(to, from + 1)),
      }),
    );
  }
  // A duplicate key is an error but the rest of the file is still meaningful; any other syntax
  // error makes the value untrustworthy, so schema checks are skipped (they would only add noise).
  const syntaxBroken = diagnostics.some((d) => d.code === 'yaml-syntax');
  let value: unknown;
  if (!syntaxBroken) {
    try {
      value = document.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      // toJS refuses alias bombs and the like; report, do not crash.
      diagnostics.push(
        makeDiagnostic('yaml-syntax', `The YAML could not be read: ${(error as Error).message}`, {
          file,
          path: '',
          span: spanOfRange(0, 1),
        }),
      );
    }
  }
  return { file, text, document, lineCounter, value, diagnostics };
}

function keyEndAt(document: Document.Parsed, offset: number): number | undefined {
  let end: number | undefined;
  visit(document, {
    Pair(_, pair) {
      const range = (pair.key as Node | null)?.range;
      if (range && range[0] === offset) {
        end = range[1];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return end;
}

function yamlMessage(message: string, text: string, from: number, to: number, duplicate: boolean): string {
  if (duplicate) {
    const key = text.slice(from, to).trim();
    return key ? `The key "${key}" appears more than once in this mapping` : 'A key appears more than once in this mapping';
  }
  // `yaml` messages are good but sometimes carry a trailing code excerpt; keep the first line.
  const first = message.split('\n')[0]!.trim();
  // `{a: ${X}}` is a classic: inside a flow mapping, `{` of `${` opens a mapping. Say so.
  const lineStart = text.lastIndexOf('\n', Math.max(0, from - 1)) + 1;
  const lineEnd = text.indexOf('\n', to);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  if (/\{[^}]*\$\{/.test(line) && !/["']\$\{/.test(line)) return `${first}. Inside {...} a reference must be quoted: "\${NAME}"`;
  return first;
}

export function rangeToSpan(lineCounter: LineCounter, from: number, to: number): Span {
  const start = lineCounter.linePos(from);
  const end = lineCounter.linePos(Math.max(from, to));
  return { line: start.line, column: start.col, end_line: end.line, end_column: end.col };
}

/** What a path resolves to in the document: the node, and the key node when it is a mapping value. */
export interface Located {
  key?: Node;
  node?: Node;
  /** How many leading path segments resolved: less than path.length means we fell back to an ancestor. */
  depth: number;
}

export function locate(document: Document, path: readonly (string | number)[]): Located {
  let node: unknown = document.contents;
  let key: Node | undefined;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item: Pair) => keyMatches(item.key, segment));
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      key = undefined;
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { key, node: (node ?? undefined) as Node | undefined, depth };
}

function keyMatches(key: unknown, segment: string | number): boolean {
  if (isScalar(key)) return String(key.value) === String(segment);
  if (isPair(key)) return false;
  return false;
}

export type Anchor = 'key' | 'value';

/**
 * The span for a path. `anchor: 'key'` points at the mapping key (unknown keys, missing children of a
 * mapping, which point at their parent's key); `'value'` at the value itself. When the path does not
 * fully resolve, the closest existing ancestor is used, so every diagnostic has a position.
 */
export function spanAt(parsed: Pick<ParsedFile, 'document' | 'lineCounter'>, path: readonly (string | number)[], anchor: Anchor): Span {
  const found = locate(parsed.document, path);
  const resolvedFully = found.depth === path.length;
  const useKey = (anchor === 'key' || !found.node || !resolvedFully) && found.key;
  const target = useKey ? found.key : (found.node ?? found.key);
  const range = target?.range;
  if (!range) return rangeToSpan(parsed.lineCounter, 0, 0);
  // For a block mapping or sequence, pointing at the whole multi-line range is useless; its first line is enough.
  let end = range[1];
  if ((isMap(target) || isSeq(target)) && !('flow' in target && target.flow)) {
    const firstLineEnd = parsedTextLineEnd(parsed, range[0]);
    end = Math.min(end, firstLineEnd);
  }
  return rangeToSpan(parsed.lineCounter, range[0], end);
}

function parsedTextLineEnd(parsed: Pick<ParsedFile, 'lineCounter'>, offset: number): number {
  const starts = parsed.lineCounter.lineStarts;
  const line = parsed.lineCounter.linePos(offset).line; // 1-based
  const next = starts[line];
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
