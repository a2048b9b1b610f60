import { isIP } from 'node:net';
import { ConnectionSettingsError } from '../errors.js';

/** PostHog US Cloud, the host used when neither a flag, the environment nor the file names one (contract §2). */
export const DEFAULT_HOST = 'https://us.posthog.com';

/**
 * Environment variables per setting, in the order they are tried: the first one set (and not blank) wins
 * (contract §2). The key has no flag and no file entry on purpose: a secret never belongs on a command line
 * (shell history, `ps`) nor in a committed file.
 */
export const HOST_ENV = ['POSTHOG_HOST', 'POSTHOG_CLI_HOST'] as const;
export const PROJECT_ENV = ['POSTHOG_PROJECT_ID', 'POSTHOG_CLI_PROJECT_ID', 'POSTHOG_CLI_ENV_ID'] as const;
export const API_KEY_ENV = ['POSTHOG_PERSONAL_API_KEY', 'POSTHOG_API_KEY', 'POSTHOG_CLI_API_KEY', 'POSTHOG_CLI_TOKEN'] as const;

/** Where a setting's value came from, for `--verbose` output and for error messages that point at the culprit. */
export type SettingSource = 'flag' | `env:${string}` | 'file' | 'default';

/** Everything needed to talk to PostHog, validated. */
export interface ConnectionSettings {
  /** Origin of the PostHog app/API, e.g. `https://us.posthog.com`: scheme, host and port only, no trailing slash. */
  host: string;
  /** The project (team) id, as it appears in `/api/projects/{projectId}/`. */
  projectId: string;
  /** The personal API key. Register it with the SecretMasker before anything can print. */
  apiKey: string;
  sources: { host: SettingSource; projectId: SettingSource; apiKey: SettingSource };
}

/** What the command line, the environment and the `posthog:` block of warehouse.yaml offer. */
export interface ConnectionInputs {
  flags: { host?: string | undefined; project?: string | undefined };
  env: Record<string, string | undefined>;
  file?: { host?: string | undefined; project_id?: number | string | undefined } | undefined;
}

/**
 * Resolve and validate the connection settings: flags beat the environment, the environment beats the
 * file (contract §2). Throws ConnectionSettingsError (exit 3) with a message that says how to fix the
 * problem; the key itself never appears in a message.
 */
export function resolveConnection(inputs: ConnectionInputs): ConnectionSettings {
  const key = pick(undefined, API_KEY_ENV, inputs.env, undefined)?.value;
  try {
    return resolve(inputs);
  } catch (error) {
    // Messages quote the settings they reject; should the key have been pasted into one of them, it is blanked out.
    if (key && error instanceof ConnectionSettingsError && error.message.includes(key)) {
      throw new ConnectionSettingsError(error.message.split(key).join('***'));
    }
    throw error;
  }
}

function resolve({ flags, env, file }: ConnectionInputs): ConnectionSettings {
  const hostSetting = pick(flags.host, HOST_ENV, env, file?.host) ?? { value: DEFAULT_HOST, source: 'default' as const };
  const host = normaliseHost(hostSetting.value, hostSetting.source);

  const apiKeySetting = pick(undefined, API_KEY_ENV, env, undefined);
  if (!apiKeySetting) {
    throw new ConnectionSettingsError(
      `No PostHog personal API key: set POSTHOG_PERSONAL_API_KEY (or ${API_KEY_ENV.slice(1).join(', ')}) to a personal API key (phx_…) ` +
        `with the external_data_source:read and external_data_source:write scopes; create one at ${host}/settings/user-api-keys. ` +
        'The key is read only from the environment, never from a flag or the file.',
    );
  }
  checkApiKey(apiKeySetting.value, apiKeySetting.source, host);

  const projectSetting = pick(flags.project, PROJECT_ENV, env, file?.project_id);
  if (!projectSetting) {
    throw new ConnectionSettingsError(
      `No PostHog project id: pass --project, set POSTHOG_PROJECT_ID, or set posthog.project_id in warehouse.yaml. ` +
        `The id is the number in your project's URL (${host}/project/<id>) and under ${host}/settings/project.`,
    );
  }
  const projectId = checkProjectId(projectSetting.value, projectSetting.source);

  return {
    host,
    projectId,
    apiKey: apiKeySetting.value,
    sources: { host: hostSetting.source, projectId: projectSetting.source, apiKey: apiKeySetting.source },
  };
}

/** The first non-blank value: flag, then the environment variables in order, then the file. */
function pick(
  flag: string | undefined,
  names: readonly string[],
  env: Record<string, string | undefined>,
  fromFile: string | number | undefined,
): { value: string; source: SettingSource } | undefined {
  if (flag !== undefined && flag.trim() !== '') return { value: flag.trim(), source: 'flag' };
  for (const name of names) {
    const value = env[name];
    // A variable exported empty (common in CI templates) counts as unset, so the next one can apply.
    if (value !== undefined && value.trim() !== '') return { value: value.trim(), source: `env:${name}` };
  }
  if (fromFile !== undefined && fromFile !== null && String(fromFile).trim() !== '') return { value: String(fromFile).trim(), source: 'file' };
  return undefined;
}

/** Human name of where a setting came from, for messages. */
function describe(source: SettingSource, setting: 'host' | 'project'): string {
  if (source === 'flag') return `--${setting}`;
  if (source === 'file') return `posthog.${setting === 'host' ? 'host' : 'project_id'} in the file`;
  if (source === 'default') return 'the default host';
  return source.slice('env:'.length);
}

/**
 * Reduce a host setting to an origin and enforce the transport rule of contract §2: https everywhere,
 * plain http only to a loopback address, because the key travels in a header.
 */
export function normaliseHost(raw: string, source: SettingSource = 'flag'): string {
  const where = describe(source, 'host');
  // A bare name ("eu.posthog.com") means https; anything with a scheme is taken as written.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConnectionSettingsError(
      `${where}: "${raw}" is not a valid URL. Use the address of your PostHog app, e.g. https://us.posthog.com or https://eu.posthog.com.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConnectionSettingsError(`${where}: "${raw}" must be an https:// URL, e.g. https://us.posthog.com.`);
  }
  if (url.username || url.password) {
    throw new ConnectionSettingsError(
      `${where}: the host must not contain a user name or password. Use just the address, e.g. https://us.posthog.com, and put the API key in POSTHOG_PERSONAL_API_KEY.`,
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConnectionSettingsError(
      `${where}: "${raw}" has a path, query or fragment; give only the origin, e.g. https://us.posthog.com (dwctl adds /api/projects/… itself).`,
    );
  }
  // The public ingestion hosts (us.i.posthog.com) do not serve the private API (API.md §1 "Base URLs").
  const ingestion = /^(us|eu)\.i\.posthog\.com$/i.exec(url.hostname);
  if (ingestion) {
    throw new ConnectionSettingsError(
      `${where}: ${url.hostname} is PostHog's event ingestion host, which does not serve this API. Use https://${ingestion[1]!.toLowerCase()}.posthog.com.`,
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new ConnectionSettingsError(
      `${where}: "${raw}" uses plain http, which would send the API key unencrypted. Use https://${url.host}; plain http is only allowed for loopback hosts (localhost, 127.0.0.0/8, ::1).`,
    );
  }
  return url.origin;
}

/** Loopback per contract §2: `localhost`, 127.0.0.0/8 and ::1. `hostname` is as the URL parser returns it (IPv6 in brackets). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  // The URL parser has already compressed IPv6, so ::1 is always spelled "::1".
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function checkApiKey(key: string, source: SettingSource, host: string): void {
  const where = source.startsWith('env:') ? source.slice('env:'.length) : 'The API key';
  // Project keys are public (they ship in web pages) and only authorise event capture; PostHog answers 401 (API.md §1 "Auth").
  if (key.startsWith('phc_')) {
    throw new ConnectionSettingsError(
      `${where} holds a project API key (phc_…), which only sends events. dwctl needs a personal API key (phx_…) with the external_data_source:read and external_data_source:write scopes: create one at ${host}/settings/user-api-keys and set POSTHOG_PERSONAL_API_KEY to it.`,
    );
  }
  // Whitespace or control characters inside the key would corrupt the Authorization header; usually a paste accident.
  if (/[\s\x00-\x1f\x7f]/.test(key)) {
    throw new ConnectionSettingsError(
      `${where} contains spaces or control characters, so it cannot be a PostHog API key. Copy the key again from ${host}/settings/user-api-keys.`,
    );
  }
}

function checkProjectId(value: string, source: SettingSource): string {
  // Project ids are team ids (integers); `@current` is PostHog's alias for the key's current project (API.md §1 "Paths").
  if (/^[1-9][0-9]*$/.test(value) || value === '@current') return value;
  throw new ConnectionSettingsError(
    `${describe(source, 'project')}: "${value}" is not a PostHog project id. Use the number from your project's URL (…/project/<id>) or from its settings page.`,
  );
}

/** Longest `--request-timeout` accepted: an hour is already far beyond any answer PostHog gives. */
const MAX_REQUEST_TIMEOUT_S = 3600;

/**
 * The per-request deadline in ms from `--request-timeout SECONDS` or `DWCTL_REQUEST_TIMEOUT` (the flag
 * wins), or undefined for the client's default. A value that is not a positive number of seconds is
 * refused (exit 3) rather than silently replaced.
 */
export function resolveRequestTimeout(flag: string | undefined, env: Record<string, string | undefined>): number | undefined {
  const setting = flag !== undefined ? { value: flag, where: '--request-timeout' } : env.DWCTL_REQUEST_TIMEOUT?.trim() ? { value: env.DWCTL_REQUEST_TIMEOUT, where: 'DWCTL_REQUEST_TIMEOUT' } : undefined;
  if (!setting) return undefined;
  const text = setting.value.trim().replace(/s$/, '');
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0) || seconds > MAX_REQUEST_TIMEOUT_S) {
    throw new ConnectionSettingsError(
      `${setting.where}: ${JSON.stringify(setting.value.slice(0, 40))} is not a timeout dwctl accepts. Give a number of seconds between 0.001 and ${MAX_REQUEST_TIMEOUT_S}, e.g. 30.`,
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}
