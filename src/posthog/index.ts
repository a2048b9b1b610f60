/**
 * The PostHog data-warehouse API client: connection settings, the client, its errors and PostHog's wire
 * shapes. Loaded on demand by the commands that talk to PostHog (src/cli/connect.ts).
 */
export { DEFAULT_REQUEST_TIMEOUT_MS, createClient, type ClientOptions, type ClientStats, type PostHogClient } from './client.js';
export { AmbiguousRequestError, PostHogApiError, PostHogUnreachableError, readErrorBody, type PostHogErrorBody } from './errors.js';
export {
  API_KEY_ENV,
  DEFAULT_HOST,
  HOST_ENV,
  PROJECT_ENV,
  isLoopback,
  normaliseHost,
  resolveConnection,
  resolveRequestTimeout,
  type ConnectionInputs,
  type ConnectionSettings,
  type SettingSource,
} from './settings.js';
export { proxyDispatcher, proxySettings, type ProxySettings } from './proxy.js';
export type * from './types.js';
