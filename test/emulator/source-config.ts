/**
 * Source configs as PostHog handles them: the wizard (API.md §2.1, §3), required-key validation
 * (`validate_config`, §2.2), secret stripping on reads (§2.4) and the job_inputs merge of PATCH (§2.5).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WizardField {
  type: string;
  name: string;
  required?: boolean | null;
  secret?: boolean | null;
  options?: { value: string; fields?: WizardField[] | null }[] | null;
  fields?: WizardField[] | null;
}
export interface WizardEntry {
  name: string;
  fields: WizardField[];
  webhookFields: WizardField[] | null;
  defaultVersion?: string | null;
  versions?: string[] | null;
  supportsColumnSelection?: boolean;
  [key: string]: unknown;
}

const WIZARD_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'wizard.snapshot.json');
let wizardCache: Record<string, WizardEntry> | null = null;

/** The wizard snapshot of the repo, served verbatim by `GET wizard/`. */
export function wizard(): Record<string, WizardEntry> {
  wizardCache ??= JSON.parse(readFileSync(WIZARD_PATH, 'utf8')) as Record<string, WizardEntry>;
  return wizardCache;
}

/** CDC payload keys are kept in job_inputs (API.md §2.3, §2.4). */
const CDC_KEYS = [
  'cdc_enabled', 'cdc_management_mode', 'cdc_slot_name', 'cdc_publication_name', 'cdc_auto_drop_slot',
  'cdc_lag_warning_threshold_mb', 'cdc_lag_critical_threshold_mb',
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields that hold a number (`type: number`) must parse as an integer (`port(int)`). */
function validInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value);
  return typeof value === 'string' && /^\s*-?\d+\s*$/.test(value);
}

/**
 * `validate_config`: the generated config dataclass requires the wizard's top-level required fields
 * (nested option fields are optional there, e.g. Stripe's stripe_secret_key). Returns the error list.
 */
export function configErrors(sourceType: string, config: Record<string, unknown>): string[] {
  const entry = wizard()[sourceType];
  if (!entry) return [];
  const errors: string[] = [];
  for (const field of entry.fields) {
    const value = config[field.name];
    if (value === undefined || value === null) {
      if (field.required === true) errors.push(`Required field '${field.name}' is missing`);
      continue;
    }
    if (field.type === 'number' && !validInteger(value)) errors.push(`Field '${field.name}' has an invalid value`);
    if (field.type === 'select' && field.options?.some((o) => o.fields?.length) && !isObject(value)) {
      errors.push(`Field '${field.name}' has an invalid value`);
    }
  }
  return errors;
}

export function invalidConfigMessage(errors: string[]): string {
  return `Invalid source config: ${errors.join(', ')}`;
}

/** Names of payload values still shaped `{"secretRef": …}` (top level and one level down). */
export function unresolvedSecretRefs(config: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (isObject(value) && 'secretRef' in value) names.push(key);
    else if (isObject(value)) for (const [inner, v] of Object.entries(value)) if (isObject(v) && 'secretRef' in v) names.push(`${key}.${inner}`);
  }
  return names;
}

export function secretRefMessage(names: string[]): string {
  return (
    `Unresolved secret reference(s) for: ${names.join(', ')}. These fields are still \`{'secretRef': ...}\` objects — PostHog cannot resolve them. ` +
    'Resolve each secret to its value before sending the request.'
  );
}

/** Step 6 of create: payload string values are `.strip()`ped. */
export function stripStrings(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));
}

const SSH_SECRET_KEYS = ['password', 'passphrase', 'private_key'];

/** The stored SSH tunnel as reads show it: normalised, legacy aliases renamed, secrets removed (API.md §2.4). */
function readableSshTunnel(value: unknown): Record<string, unknown> {
  const tunnel = isObject(value) ? value : {};
  const auth = isObject(tunnel.auth) ? tunnel.auth : isObject(tunnel.auth_type) ? tunnel.auth_type : {};
  const selection = auth.selection ?? auth.type ?? null;
  const readableAuth: Record<string, unknown> = { selection, username: auth.username ?? null };
  for (const [k, v] of Object.entries(auth)) {
    if (!SSH_SECRET_KEYS.includes(k) && !['selection', 'type', 'username'].includes(k)) readableAuth[k] = v;
  }
  return {
    host: tunnel.host ?? null,
    port: tunnel.port ?? null,
    auth: readableAuth,
    enabled: tunnel.enabled ?? false,
    require_tls: isObject(tunnel.require_tls) ? tunnel.require_tls : { enabled: true },
  };
}

function readableFields(fields: WizardField[], stored: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!(field.name in stored)) continue;
    const value = stored[field.name];
    if (field.secret === true || field.type === 'file-upload' || field.name === 'connection_string') continue;
    if (field.type === 'ssh-tunnel') out[field.name] = readableSshTunnel(value);
    else if (field.type === 'select' && isObject(value)) {
      const option = field.options?.find((o) => o.value === value.selection);
      out[field.name] = { selection: value.selection, ...readableFields(option?.fields ?? [], value) };
    } else if (field.type === 'switch-group' && isObject(value)) {
      out[field.name] = { enabled: value.enabled ?? false, ...readableFields(field.fields ?? [], value) };
    } else out[field.name] = value;
  }
  return out;
}

/** job_inputs as the API returns them: secrets and unknown keys removed, CDC keys kept (API.md §2.4). */
export function readableJobInputs(sourceType: string, stored: Record<string, unknown>): Record<string, unknown> {
  const out = readableFields(wizard()[sourceType]?.fields ?? [], stored);
  for (const key of CDC_KEYS) if (key in stored) out[key] = stored[key];
  return out;
}

/** Names of the type's secret inputs (top level and inside select options), for the PATCH host rule. */
export function secretFieldNames(sourceType: string): string[] {
  const names: string[] = [];
  const walk = (fields: WizardField[]) => {
    for (const f of fields) {
      if (f.secret === true || f.type === 'file-upload') names.push(f.name);
      for (const o of f.options ?? []) walk(o.fields ?? []);
    }
  };
  walk(wizard()[sourceType]?.fields ?? []);
  return names.filter((n) => n !== 'connection_string');
}

const isBlank = (v: unknown): boolean => v === undefined || v === null || v === '';

/**
 * PATCH job_inputs merge (API.md §2.5): request over stored; secrets omitted or empty keep the stored
 * value; nested containers deep-merge unless their `selection` changes.
 */
export function mergeJobInputs(stored: Record<string, unknown>, update: Record<string, unknown>, secretNames: string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(update)) {
    const previous = stored[key];
    if ((secretNames.includes(key) || SSH_SECRET_KEYS.includes(key)) && isBlank(value)) continue;
    if (isObject(value) && isObject(previous) && (value.selection === undefined || value.selection === previous.selection)) {
      merged[key] = mergeJobInputs(previous, value, secretNames);
    } else merged[key] = value;
  }
  return merged;
}
