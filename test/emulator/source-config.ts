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

/** Names of the type's secret inputs (top level and inside select options); connection_string only when asked. */
export function secretFieldNames(sourceType: string, withConnectionString = false): string[] {
  const names: string[] = [];
  const walk = (fields: WizardField[]) => {
    for (const f of fields) {
      if (f.secret === true || f.type === 'file-upload') names.push(f.name);
      for (const o of f.options ?? []) walk(o.fields ?? []);
    }
  };
  walk(wizard()[sourceType]?.fields ?? []);
  return withConnectionString ? names : names.filter((n) => n !== 'connection_string');
}

/** Containers whose nested secrets survive a partial PATCH (helpers._NESTED_AUTH_CONTAINERS). */
export const NESTED_AUTH_CONTAINERS = ['auth_method', 'auth_type', 'authentication', 'registered_app'];
/** Secrets never required again on a host change (helpers._CREATION_ONLY_SECRET_FIELDS) [inferred: connection_string]. */
const CREATION_ONLY_SECRETS = ['connection_string'];
/** Fields naming the connection target (helpers._CONNECTION_TARGET_FIELDS + per-source connection_host_fields) [inferred list]. */
const HOST_FIELDS = ['host', 'instance_url', 'subdomain', 'site_name'];

const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false;

function switchGroupNames(sourceType: string): string[] {
  return (wizard()[sourceType]?.fields ?? []).filter((f) => f.type === 'switch-group').map((f) => f.name);
}

/** helpers.has_preserved_credentials: a stored secret the request does not send again (top level or in a container). */
function preservesCredentials(existing: Record<string, unknown>, incoming: Record<string, unknown>, secrets: string[], containers: string[]): boolean {
  if (secrets.some((k) => truthy(existing[k]) && !truthy(incoming[k]))) return true;
  return containers.some((c) => {
    const stored = existing[c];
    if (!isObject(stored)) return false;
    const sent = isObject(incoming[c]) ? (incoming[c] as Record<string, unknown>) : {};
    return secrets.some((k) => truthy(stored[k]) && !truthy(sent[k]));
  });
}

/** helpers.ssh_tunnel_connection_changed [inferred: enabled, host or port differ]. */
function sshTunnelConnectionChanged(existing: unknown, incoming: unknown): boolean {
  const before = isObject(existing) ? existing : {};
  const after = isObject(incoming) ? incoming : {};
  return ['enabled', 'host', 'port'].some((k) => k in after && JSON.stringify(after[k]) !== JSON.stringify(before[k] ?? null));
}

/**
 * The job_inputs half of source PATCH (source_setup.py update(), API.md §2.5, §12): `{**existing,
 * **incoming}`; CDC keys pinned (only the CDC endpoints change them); a new host or SSH target needs
 * every stored secret again; secrets omitted or blank keep the stored value; nested auth containers
 * deep-merge unless `selection` changes; switch groups and the SSH tunnel deep-merge. Throws the
 * refusal text (a raised ValidationError).
 */
export function mergeJobInputs(sourceType: string, existing: Record<string, unknown>, incoming: Record<string, unknown>): Record<string, unknown> {
  const secrets = secretFieldNames(sourceType, true);
  const merged: Record<string, unknown> = { ...existing, ...incoming };
  for (const key of CDC_KEYS) {
    if (key in existing) merged[key] = existing[key];
    else delete merged[key];
  }
  const hostChanged = HOST_FIELDS.some((f) => f in incoming && JSON.stringify(incoming[f]) !== JSON.stringify(existing[f] ?? null));
  const sshChanged = 'ssh_tunnel' in incoming && sshTunnelConnectionChanged(existing.ssh_tunnel, incoming.ssh_tunnel);
  if (hostChanged || sshChanged) {
    const gate = secrets.filter((k) => !CREATION_ONLY_SECRETS.includes(k));
    if (preservesCredentials(existing, incoming, gate, [...NESTED_AUTH_CONTAINERS, ...switchGroupNames(sourceType)])) {
      throw new Error(sshChanged ? 'Changing the SSH tunnel requires re-entering your database credentials.' : 'Changing the connection host requires re-entering your credentials.');
    }
  }
  for (const key of secrets) if (truthy(existing[key]) && !truthy(incoming[key])) merged[key] = existing[key];
  for (const key of NESTED_AUTH_CONTAINERS) {
    const stored = existing[key];
    const sent = incoming[key];
    if (sent !== undefined && sent !== null && !isObject(sent)) throw new Error(`job_inputs: ${key}: Must be an object.`);
    if (!isObject(stored) || !isObject(sent)) continue;
    if (stored.selection !== sent.selection) merged[key] = sent;
    else {
      const container: Record<string, unknown> = { ...stored, ...sent };
      for (const k of secrets) if (truthy(stored[k]) && !truthy(sent[k])) container[k] = stored[k];
      merged[key] = container;
    }
  }
  for (const key of switchGroupNames(sourceType)) {
    if (!(key in incoming) || !isObject(existing[key])) continue;
    if (!isObject(incoming[key])) throw new Error(`job_inputs: ${key}: Must be an object.`);
    merged[key] = { ...(existing[key] as Record<string, unknown>), ...(incoming[key] as Record<string, unknown>) };
  }
  const storedTunnel = existing.ssh_tunnel;
  const sentTunnel = incoming.ssh_tunnel;
  if (isObject(storedTunnel) && isObject(sentTunnel)) {
    const tunnelHostChanged = 'host' in sentTunnel && sentTunnel.host !== storedTunnel.host;
    const tunnel: Record<string, unknown> = { ...storedTunnel, ...sentTunnel };
    const storedAuth = (isObject(storedTunnel.auth) ? storedTunnel.auth : isObject(storedTunnel.auth_type) ? storedTunnel.auth_type : {}) as Record<string, unknown>;
    const sentAuthRaw = sentTunnel.auth ?? sentTunnel.auth_type;
    const sentAuth = isObject(sentAuthRaw) && Object.keys(sentAuthRaw).length > 0 ? sentAuthRaw : null;
    if (tunnelHostChanged && !sentAuth) throw new Error('Changing the SSH tunnel host requires re-entering your SSH credentials.');
    if (!sentAuth) tunnel.auth = { ...storedAuth };
    else {
      const auth: Record<string, unknown> = { ...sentAuth };
      if (!tunnelHostChanged) for (const k of SSH_SECRET_KEYS) if (truthy(storedAuth[k]) && !truthy(sentAuth[k])) auth[k] = storedAuth[k];
      tunnel.auth = auth;
    }
    merged.ssh_tunnel = tunnel;
  }
  return merged;
}
