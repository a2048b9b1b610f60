import { isRecord } from '../config/record.js';
import { diagnosticAt, type Anchor, type ParsedFile } from '../config/parse.js';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import type { Diagnostic, Severity } from '../diagnostics/diagnostic.js';
import type { SourceCatalog, SourceTypeInfo } from '../wizard/catalog.js';

/** A declared source as lint sees it: possibly malformed, so every field is checked before use. */
export interface SourceEntry {
  name: string;
  value: Record<string, unknown>;
  /** Known when `type` names a wizard source type. */
  info?: SourceTypeInfo;
}

export interface RuleContext {
  parsed: ParsedFile;
  catalog: SourceCatalog;
  sources: SourceEntry[];
  report(code: DiagnosticCode, message: string, path: readonly (string | number)[], anchor?: Anchor, severity?: Severity): void;
}

/** A semantic rule: pure, never throws on malformed input, reports through the context. */
export interface Rule {
  /** kebab-case, equals the file name. */
  id: string;
  /** The codes this rule may emit (a test checks each is in the registry and documented). */
  codes: readonly DiagnosticCode[];
  check(context: RuleContext): void;
}

export { isRecord };

export function createRuleContext(parsed: ParsedFile, catalog: SourceCatalog, out: Diagnostic[]): RuleContext {
  const root = isRecord(parsed.value) ? parsed.value : {};
  const sources: SourceEntry[] = [];
  if (isRecord(root.sources)) {
    for (const [name, value] of Object.entries(root.sources)) {
      if (!isRecord(value)) continue;
      const info = typeof value.type === 'string' ? catalog.get(value.type) : undefined;
      sources.push({ name, value, ...(info ? { info } : {}) });
    }
  }
  return {
    parsed,
    catalog,
    sources,
    report(code, message, path, anchor = 'value', severity) {
      out.push(diagnosticAt(parsed, code, message, path, anchor, severity));
    },
  };
}

const declaredTables = new WeakMap<SourceEntry, [string, Record<string, unknown>][]>();

/** A source's declared tables that are mappings (computed once per source: several rules walk them). */
export function tablesOf(source: SourceEntry): [string, Record<string, unknown>][] {
  let found = declaredTables.get(source);
  if (!found) {
    const tables = source.value.tables;
    found = isRecord(tables) ? Object.entries(tables).filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1])) : [];
    declaredTables.set(source, found);
  }
  return found;
}
