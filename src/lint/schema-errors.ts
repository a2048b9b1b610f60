import type { ErrorObject } from 'ajv';
import { diagnosticAt, type ParsedFile } from '../config/parse.js';
import { fromPointer, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from './suggest.js';

/**
 * ajv errors → contract diagnostics, each at the YAML node it concerns: an unknown key at the key, a
 * missing key at its parent's key, a bad value at the value.
 *
 * Some schema failures have a more specific code that a semantic rule owns (webhook and CDC sync types,
 * `webhook:`/`cdc:` blocks on types without them); those are left to the rules so each problem is
 * reported once, with the most useful code.
 */
export function schemaDiagnostics(parsed: ParsedFile, errors: readonly ErrorObject[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const push = (d: Diagnostic): void => {
    const key = `${d.code}|${d.path}|${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  };
  for (const error of mergeRequired(errors)) {
    const d = toDiagnostic(parsed, error);
    if (d) push(d);
  }
  return out;
}

/** ajv reports each missing key separately; one diagnostic per mapping reads better. */
function mergeRequired(errors: readonly ErrorObject[]): ErrorObject[] {
  const merged: ErrorObject[] = [];
  const byPath = new Map<string, ErrorObject>();
  for (const error of errors) {
    if (error.keyword !== 'required') {
      merged.push(error);
      continue;
    }
    const existing = byPath.get(error.instancePath);
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    if (existing) {
      const params = existing.params as { missingProperty: string };
      if (!params.missingProperty.split(', ').includes(missing)) params.missingProperty += `, ${missing}`;
      continue;
    }
    const copy = { ...error, params: { missingProperty: missing } };
    byPath.set(error.instancePath, copy);
    merged.push(copy);
  }
  return merged;
}

const SPECIFIC_SYNC_VALUES = new Set(['webhook', 'cdc', 'xmin']);
const SPECIFIC_SOURCE_KEYS = new Set(['webhook', 'cdc']);

function toDiagnostic(parsed: ParsedFile, error: ErrorObject): Diagnostic | undefined {
  const path = fromPointer(error.instancePath);
  const where = describePath(path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    // `if` only says "the then-branch failed"; the branch's own errors are reported separately.
    case 'if':
      return undefined;
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (isSourcePath(path) && SPECIFIC_SOURCE_KEYS.has(key)) return undefined;
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return diagnosticAt(
        parsed,
        'unknown-property',
        `Unknown key "${key}"${where ? ` in ${where}` : ''}.${didYouMean(key, allowed)}${allowed.length > 0 && allowed.length <= 12 ? ` Allowed: ${allowed.join(', ')}.` : ''}`,
        [...path, key],
        'key',
      );
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const several = missing.includes(', ');
      return diagnosticAt(
        parsed,
        'missing-property',
        `Missing required key${several ? 's' : ''} ${missing.split(', ').map((m) => `"${m}"`).join(', ')}${where ? ` in ${where}` : ' at the top level'}.`,
        path,
        'key',
      );
    }
    case 'propertyNames':
      return undefined; // reported through the nested `pattern` error, which names the key
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const value = error.data;
      if (isSourceTypePath(path)) {
        const names = allowed.map(String);
        return diagnosticAt(
          parsed,
          'unknown-source-type',
          `"${String(value)}" is not a PostHog source type.${didYouMean(String(value), names)} Run \`dwctl init --list-types\` to see them.`,
          path,
        );
      }
      if (isTableSyncPath(path) && typeof value === 'string' && SPECIFIC_SYNC_VALUES.has(value)) return undefined;
      const shown = allowed.filter((v) => typeof v === 'string').map(String);
      return diagnosticAt(
        parsed,
        'invalid-value',
        `${where ? `${where} must` : 'Must'} be one of: ${shown.join(', ')} (got ${show(value)}).${typeof value === 'string' ? didYouMean(value, shown) : ''}`,
        path,
      );
    }
    case 'const':
      return diagnosticAt(parsed, 'invalid-value', `${subject(where || 'value')} must be ${JSON.stringify(params.allowedValue)} (got ${show(error.data)}).`, path);
    case 'type': {
      const expected = String(params.type).replace(/,/g, ' or ');
      return diagnosticAt(parsed, 'invalid-value', `${subject(where || 'the file')} must be ${article(expected)} (got ${kindOf(error.data)}).`, path);
    }
    case 'pattern': {
      if (error.propertyName !== undefined || (params as { propertyName?: string }).propertyName !== undefined) {
        const name = String(error.propertyName ?? params.propertyName);
        return diagnosticAt(parsed, 'invalid-value', `Source name "${name}" must match [a-z][a-z0-9_]* (lower case, digits and "_").`, [...path, name], 'key');
      }
      return diagnosticAt(parsed, 'invalid-value', `${subject(where)} has an invalid value ${show(error.data)}: ${patternHint(error.schema as string)}.`, path);
    }
    case 'format':
      return diagnosticAt(parsed, 'invalid-value', `${subject(where)} must be a valid ${String(params.format)} (got ${show(error.data)}).`, path);
    case 'minLength':
      return diagnosticAt(parsed, 'invalid-value', `${subject(where)} must not be empty.`, path);
    case 'maxLength':
      return diagnosticAt(parsed, 'invalid-value', `${subject(where)} must be at most ${String(params.limit)} characters.`, path);
    case 'minItems':
      return diagnosticAt(parsed, 'invalid-value', `${subject(where)} must list at least ${String(params.limit)} item(s).`, path);
    case 'uniqueItems':
      return diagnosticAt(parsed, 'invalid-value', `${subject(where)} lists an item twice.`, path);
    default:
      return diagnosticAt(parsed, 'invalid-value', `${subject(where || 'value')} ${error.message ?? 'is invalid'}.`, path);
  }
}

function isSourcePath(path: readonly string[]): boolean {
  return path.length === 2 && path[0] === 'sources';
}

function isSourceTypePath(path: readonly string[]): boolean {
  return path.length === 3 && path[0] === 'sources' && path[2] === 'type';
}

function isTableSyncPath(path: readonly string[]): boolean {
  return path.length === 5 && path[0] === 'sources' && path[2] === 'tables' && path[4] === 'sync';
}

/** `['sources','shop_db','config','port']` → `sources.shop_db.config.port`. */
export function describePath(path: readonly string[]): string {
  return path.map((s) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s) ? s : JSON.stringify(s))).join('.');
}

/** The subject of a message: the dotted path as the user wrote it. */
function subject(text: string): string {
  return text;
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function patternHint(pattern: string): string {
  if (pattern.includes('[0-9]+)$') && pattern.startsWith('^(?:\\$')) return 'expected a number or a ${...} reference';
  if (pattern.includes('@')) return 'expected an email address or a ${...} reference';
  if (pattern.includes('://')) return 'expected a URL (scheme://...) or a ${...} reference';
  if (pattern.includes('[0-5][0-9]:[0-5][0-9]$')) return 'expected HH:MM:SS (UTC)';
  if (pattern.includes('[0-5][0-9]')) return 'expected a time HH:MM or a ${...} reference';
  if (pattern === '^[0-9]+$') return 'expected a number';
  return `expected to match ${pattern}`;
}
