import { CODES, type DiagnosticCode, type Severity } from './codes.js';

export type { DiagnosticCode, Severity } from './codes.js';

/**
 * One problem, in the shape of contract §5. Positions are 1-based, as editors and GitHub show them.
 * A diagnostic about something in the file always has a position; one from PostHog with no node to point
 * at (say, an unreachable host) carries `file` and the source's own position instead.
 */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** One line of plain text, no colour. Secrets are never part of it. */
  message: string;
  file: string;
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  /** JSON-pointer-style path into the YAML, e.g. `/sources/shop_db/tables/orders/sync`; `` for the whole file. */
  path: string;
}

export interface Span {
  line: number;
  column: number;
  end_line: number;
  end_column: number;
}

export const NO_SPAN: Span = { line: 1, column: 1, end_line: 1, end_column: 1 };

export function makeDiagnostic(
  code: DiagnosticCode,
  message: string,
  at: { file: string; path: string; span: Span },
  severity: Severity = CODES[code].severity,
): Diagnostic {
  return { code, severity, message, file: at.file, ...at.span, path: at.path };
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Deterministic order: file, line, column, code, message. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}

/** Encode one path segment as JSON Pointer does (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + pointerSegment(s)).join('');
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
