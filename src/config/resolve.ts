import { parseReferences, type Reference } from './references.js';
import { isRecord } from './record.js';
import type { WizardField } from '../wizard/types.js';

/** Where reference values come from; injected so the resolver stays pure and testable. */
export interface ReferenceReader {
  env(name: string): string | undefined;
  /** The file's content, PATH relative to the YAML file; undefined when it cannot be read. */
  file(path: string): string | undefined;
}

export interface UnresolvedReference {
  /** Path of the value in the YAML, e.g. ['sources','shop_db','config','password']. */
  path: string[];
  reference: Reference;
  problem: string;
}

export interface Resolution {
  /** The config as PostHog's payload wants it: references replaced, wizard conversions applied. */
  value: Record<string, unknown>;
  /** The resolved values of secret fields (and file-upload contents): to be masked everywhere. */
  secrets: string[];
  unresolved: UnresolvedReference[];
}

/**
 * Resolve a source's config (or webhook block) for PostHog: `${NAME}` from the environment,
 * `${file:PATH}` from files (JSON-parsed for file-upload fields, as PostHog wants the object), numbers for
 * number fields, "true"/"false" strings for str_to_bool selects written as YAML booleans.
 */
export function resolveConfig(
  config: Record<string, unknown>,
  basePath: string[],
  reader: ReferenceReader,
  fields: readonly WizardField[],
  secretPaths: readonly (readonly string[])[],
): Resolution {
  const isSecret = (path: readonly string[]): boolean => {
    const relative = path.slice(basePath.length);
    return secretPaths.some((p) => p.length === relative.length && p.every((s, i) => s === relative[i]));
  };
  const secrets: string[] = [];
  const unresolved: UnresolvedReference[] = [];
  const resolveValue = (value: unknown, path: string[], field: WizardField | undefined): unknown => {
    if (typeof value === 'string') return resolveString(value, path, field);
    if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, [...path, String(i)], field));
    if (isRecord(value)) {
      const nested = nestedFields(field, value);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, [...path, k], nested.find((f) => f.name === k))]));
    }
    if (typeof value === 'boolean' && field?.type === 'select' && field.converter === 'str_to_bool') return String(value);
    return value;
  };
  const resolveString = (text: string, path: string[], field: WizardField | undefined): unknown => {
    const parsed = parseReferences(text);
    if (parsed.segments.every((s) => 'literal' in s)) return parsed.segments.map((s) => ('literal' in s ? s.literal : '')).join('');
    let out = '';
    for (const segment of parsed.segments) {
      if ('literal' in segment) {
        out += segment.literal;
        continue;
      }
      const { reference } = segment;
      const got = reference.kind === 'env' ? reader.env(reference.name) : reader.file(reference.path);
      if (got === undefined) {
        unresolved.push({
          path,
          reference,
          problem: reference.kind === 'env' ? `environment variable ${reference.name} is not set` : `file ${reference.path} cannot be read`,
        });
        continue;
      }
      out += reference.kind === 'file' ? got.replace(/\r?\n$/, '') : got;
    }
    if (isSecret(path) || field?.type === 'file-upload') secrets.push(out);
    if (field?.type === 'file-upload') {
      try {
        const object = JSON.parse(out) as unknown;
        secrets.push(...stringLeaves(object));
        return object;
      } catch {
        unresolved.push({ path, reference: firstReference(text)!, problem: 'the file does not hold valid JSON' });
        return out;
      }
    }
    if (field && (field.type === 'number' || (field.type === 'oauth' && /^[0-9]+$/.test(out)))) {
      return /^[0-9]+$/.test(out) ? Number(out) : out;
    }
    return out;
  };
  const value = resolveValue(config, basePath, { type: 'switch-group', name: '', fields: [...fields] }) as Record<string, unknown>;
  return { value, secrets, unresolved };
}

/** The wizard fields that describe a nested object's keys (select container, switch-group, ssh tunnel). */
function nestedFields(field: WizardField | undefined, value: Record<string, unknown>): WizardField[] {
  if (!field) return [];
  if (field.type === 'switch-group') return field.fields ?? [];
  if (field.type === 'select') return field.options.find((o) => o.value === value.selection)?.fields ?? [];
  if (field.type === 'ssh-tunnel') {
    const text = (name: string): WizardField => ({ type: 'text', name });
    return [{ type: 'number', name: 'port' }, { type: 'switch-group', name: 'auth', fields: [text('username')] }];
  }
  return [];
}

function firstReference(text: string): Reference | undefined {
  for (const s of parseReferences(text).segments) if ('reference' in s) return s.reference;
  return undefined;
}

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return value.length >= 8 ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (isRecord(value)) return Object.values(value).flatMap(stringLeaves);
  return [];
}
