import { isReservedVariable, parseReferences, type Reference } from './references.js';
import type { FileRead } from './file-reference.js';
import { isRecord } from './record.js';
import { looksSecret, RELIABLE_SECRET_LENGTH } from '../secrets.js';
import type { WizardField } from '../wizard/types.js';

/** Where reference values come from; injected so the resolver stays pure and testable. */
export interface ReferenceReader {
  env(name: string): string | undefined;
  /** The file's content, PATH relative to the YAML file, under the confinement rules (src/config/file-reference.ts). */
  file(path: string): FileRead;
}

/** Why a reference was not resolved: each is a diagnostic code (src/diagnostics/codes.ts). */
export type UnresolvedCode = 'missing-secret' | 'file-reference-refused' | 'reserved-reference' | 'secret-in-plain-field';

export interface UnresolvedReference {
  /** Path of the value in the YAML, e.g. ['sources','shop_db','config','password']. */
  path: string[];
  reference: Reference;
  problem: string;
  code: UnresolvedCode;
}

/** A secret resolved to a value too short to mask reliably (`short-secret`). */
export interface ShortSecret {
  path: string[];
  reference: Reference | undefined;
  length: number;
}

export interface Resolution {
  /** The config as PostHog's payload wants it: references replaced, wizard conversions applied. */
  value: Record<string, unknown>;
  /** The resolved values of secret fields (and file-upload contents): to be masked everywhere. */
  secrets: string[];
  unresolved: UnresolvedReference[];
  shortSecrets: ShortSecret[];
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
  const shortSecrets: ShortSecret[] = [];
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
      const secretField = isSecret(path) || field?.type === 'file-upload';
      // Lint refuses these too; checked again here because apply resolves a saved plan's file without lint.
      if (reference.kind === 'env' && isReservedVariable(reference.name)) {
        unresolved.push({ path, reference, code: 'reserved-reference', problem: `${reference.name} is one of dwctl's own settings and cannot be referenced` });
        continue;
      }
      if (reference.kind === 'env' && !secretField && looksSecret(reference.name)) {
        unresolved.push({ path, reference, code: 'secret-in-plain-field', problem: `${reference.name} looks like a secret, and this field is not secret: its value would be printed in plans` });
        continue;
      }
      if (reference.kind === 'env') {
        const got = reader.env(reference.name);
        if (got === undefined) {
          unresolved.push({ path, reference, code: 'missing-secret', problem: `environment variable ${reference.name} is not set` });
          continue;
        }
        out += got;
      } else {
        const got = reader.file(reference.path);
        if (!got.ok) {
          unresolved.push({ path, reference, code: got.refused ? 'file-reference-refused' : 'missing-secret', problem: got.problem });
          continue;
        }
        out += got.text.replace(/\r?\n$/, '');
      }
    }
    if (unresolved.some((u) => u.path === path)) return out;
    if ((isSecret(path) || field?.type === 'file-upload') && out.length < RELIABLE_SECRET_LENGTH) shortSecrets.push({ path, reference: firstReference(text), length: out.length });
    if (isSecret(path) || field?.type === 'file-upload') secrets.push(out);
    if (field?.type === 'file-upload') {
      try {
        const object = JSON.parse(out) as unknown;
        secrets.push(...stringLeaves(object));
        return object;
      } catch {
        unresolved.push({ path, reference: firstReference(text)!, code: 'missing-secret', problem: 'the file does not hold valid JSON' });
        return out;
      }
    }
    if (field && (field.type === 'number' || (field.type === 'oauth' && /^[0-9]+$/.test(out)))) {
      return /^[0-9]+$/.test(out) ? Number(out) : out;
    }
    return out;
  };
  const value = resolveValue(config, basePath, { type: 'switch-group', name: '', fields: [...fields] }) as Record<string, unknown>;
  return { value, secrets, unresolved, shortSecrets };
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
