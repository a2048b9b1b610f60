import type { ValidateFunction } from 'ajv';
import { parseWarehouseFile, parseWarehouseFileLoading, type ParsedFile, type ParseOptions } from '../config/parse.js';
import { countBySeverity, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceCatalog } from '../wizard/catalog.js';
import { createRuleContext } from './rule.js';
import { RULES } from './rules/index.js';
import { schemaDiagnostics } from './schema-errors.js';

export interface LintOptions {
  validate: ValidateFunction;
  catalog: SourceCatalog;
}

export interface FileLintResult {
  parsed: ParsedFile;
  diagnostics: Diagnostic[];
}

/** Lint one file's text: YAML → schema → semantic rules. Pure: no IO, never throws on user input. */
export function lintText(file: string, text: string, options: LintOptions, parseOptions?: ParseOptions): FileLintResult {
  const parsed = parseWarehouseFile(file, text, parseOptions);
  return { parsed, diagnostics: lintParsed(parsed, options) };
}

/** lintText for commands: loads the `yaml` parse path only when the file needs it (see parse.ts). */
export async function lintFile(file: string, text: string, options: LintOptions): Promise<FileLintResult> {
  const parsed = await parseWarehouseFileLoading(file, text);
  return { parsed, diagnostics: lintParsed(parsed, options) };
}

export function lintParsed(parsed: ParsedFile, options: LintOptions): Diagnostic[] {
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  if (parsed.value !== undefined || parsed.diagnostics.length === 0) {
    const value = parsed.value ?? null;
    // A loop, not push(...): a hostile file can have more schema errors than a call takes arguments.
    if (!options.validate(value)) for (const d of schemaDiagnostics(parsed, options.validate.errors ?? [])) diagnostics.push(d);
    const context = createRuleContext(parsed, options.catalog, diagnostics);
    for (const rule of RULES) rule.check(context);
  }
  return sortDiagnostics(diagnostics);
}

/** The JSON document of `lint --format json` (contract §5). */
export interface LintReport {
  format_version: 1;
  valid: boolean;
  error_count: number;
  warning_count: number;
  diagnostics: Diagnostic[];
}

export function lintReport(diagnostics: readonly Diagnostic[]): LintReport {
  const counts = countBySeverity(diagnostics);
  return {
    format_version: 1,
    valid: counts.error === 0,
    error_count: counts.error,
    warning_count: counts.warning,
    diagnostics: sortDiagnostics(diagnostics),
  };
}
