/**
 * The emulator's in-process database: sources, their schemas, webhook functions and the external
 * (Stripe) webhook endpoints registered for them. Rows are soft-deleted like PostHog's (API.md §2.6).
 */
import { randomUUID } from 'node:crypto';

import type { DiscoveredTable } from './drivers/types.js';

export type SyncType = 'full_refresh' | 'incremental' | 'append' | 'webhook' | 'cdc' | 'xmin';
export const SYNC_TYPES: readonly SyncType[] = ['full_refresh', 'incremental', 'append', 'webhook', 'cdc', 'xmin'];

/** Stored schema status (API.md §6). */
export type SchemaStatus = 'Running' | 'Paused' | 'Failed' | 'Completed' | 'BillingLimitReached' | 'BillingLimitTooLow';

export interface SchemaRow {
  id: string;
  sourceId: string;
  name: string;
  label: string | null;
  shouldSync: boolean;
  syncType: SyncType | null;
  incrementalField: string | null;
  incrementalFieldType: string | null;
  incrementalFieldLookbackSeconds: number | null;
  /** API representation: `never` is stored as null (API.md §6). */
  syncFrequency: string | null;
  syncTimeOfDay: string | null;
  primaryKeyColumns: string[] | null;
  cdcTableMode: string | null;
  enabledColumns: string[] | null;
  rowFilters: unknown[] | null;
  status: SchemaStatus | null;
  lastSyncedAt: string | null;
  latestError: string | null;
  table: { id: string; name: string; row_count: number } | null;
  /** What discovery said about this table (columns, PKs, webhook-only…). */
  discovered: DiscoveredTable | null;
  /**
   * sync_type_config.cdc_mode of a CDC table: `snapshot` until its first sync copied the table, then
   * `streaming` — from there on rows arrive only through the source's replication slot (API.md §12).
   */
  cdcMode: 'snapshot' | 'streaming' | null;
  createdAt: string;
  deleted: boolean;
}

/** One run of a schema's sync (ExternalDataJob, API.md §2.12 `jobs`). */
export interface JobRow {
  id: string;
  sourceId: string;
  schemaId: string;
  createdAt: string;
  finishedAt: string | null;
  /** Running | Failed | Completed (API.md §6 job status). */
  status: 'Running' | 'Failed' | 'Completed';
  rowsSynced: number;
  latestError: string | null;
}

export interface HogFunctionRow {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: string;
  /** Stripe object type -> schema id (API.md §7). */
  schemaMapping: Record<string, string>;
  /** Webhook inputs such as `signing_secret` (never echoed back unmasked). */
  inputs: Record<string, string>;
}

/** An endpoint registered with the provider (Stripe `webhook_endpoints.create`). */
export interface ExternalEndpoint {
  id: string;
  url: string;
  secret: string;
  enabledEvents: string[];
  createdAt: number;
  deleted: boolean;
}

export interface SourceRow {
  id: string;
  createdAt: string;
  createdVia: string;
  sourceType: string;
  prefix: string | null;
  description: string | null;
  accessMethod: 'warehouse' | 'direct';
  /** Stored config, secrets included (serialised without them, API.md §2.4). */
  jobInputs: Record<string, unknown>;
  /** Stored status; the API value is computed from the schemas (API.md §2.4 get_status). */
  status: string;
  apiVersion: string | null;
  hogFunction: HogFunctionRow | null;
  endpoints: ExternalEndpoint[];
  deleted: boolean;
}

export class EmulatorState {
  readonly sources = new Map<string, SourceRow>();
  readonly schemas = new Map<string, SchemaRow>();
  readonly jobs: JobRow[] = [];
  /** Monotonic clock so `-created_at` ordering is stable even within one millisecond. */
  private lastTimestamp = 0;

  now(): string {
    const ms = Math.max(Date.now(), this.lastTimestamp + 1);
    this.lastTimestamp = ms;
    return new Date(ms).toISOString().replace('Z', '000Z');
  }

  newId(): string {
    return randomUUID();
  }

  liveSources(): SourceRow[] {
    return [...this.sources.values()].filter((s) => !s.deleted);
  }

  liveSchemasOf(sourceId: string): SchemaRow[] {
    return [...this.schemas.values()].filter((s) => s.sourceId === sourceId && !s.deleted);
  }

  /** Every successful registration with the provider, per source id (deleted endpoints included). */
  externalEndpointsRegistered(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const source of this.sources.values()) if (source.endpoints.length > 0) counts[source.id] = source.endpoints.length;
    return counts;
  }

  clear(): void {
    this.sources.clear();
    this.schemas.clear();
    this.jobs.length = 0;
  }

  /** JSON view for `GET /_emulator/state`; secrets included, this is a test backdoor. */
  snapshot(): unknown {
    return {
      sources: this.liveSources().map((s) => ({ ...s, schemas: this.liveSchemasOf(s.id).map(({ discovered: _d, ...rest }) => rest) })),
      externalEndpointsRegistered: this.externalEndpointsRegistered(),
      jobs: this.jobs,
    };
  }
}
