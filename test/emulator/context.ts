/** What every handler gets: the state, the resolved options, the drivers and the sync simulator. */
import type { StripeAccount } from './drivers/stripe.js';
import type { SourceDriver } from './drivers/types.js';
import type { EmulatorState } from './state.js';
import type { SyncSimulator } from './sync.js';

export interface ResolvedOptions {
  projectId: number;
  cdcEnabledForTeam: boolean;
  syncDurationMs: number;
  stripeKeys: Record<string, StripeAccount>;
  integrations: Record<number, string>;
  failingSyncs: Record<string, string>;
  webhookHost: string;
  bulkUpdateSchemas: boolean;
  bulkUpdateSchemasScope: 'none' | 'write';
}

export interface Context {
  state: EmulatorState;
  options: ResolvedOptions;
  drivers: Map<string, SourceDriver>;
  sync: SyncSimulator;
  /** Absolute base URL of this server, for pagination links. */
  baseUrl: string;
}

/** One routed request. */
export interface RequestInfo {
  method: string;
  /** Path below the project, split on '/', e.g. ['external_data_sources', '<id>', 'reload']. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  /** The request's path with query, as received (for pagination links). */
  url: URL;
}
