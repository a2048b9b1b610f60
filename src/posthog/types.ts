/**
 * PostHog's data-warehouse wire shapes, snake_case as PostHog sends them (API.md §2–§8). Several code
 * generations of PostHog may answer (API.md §0), so every response type is open: keys a newer PostHog
 * adds pass through untyped, and keys an older one lacks are optional here or filled in by the client.
 * Request types are open too, so a caller can send a field this file does not know yet.
 */
export type { WizardResponse } from '../wizard/types.js';

/** Keys PostHog may add (or a caller may send) beyond the ones typed. */
export interface Open {
  [key: string]: unknown;
}

/** A string enum that may grow: known values autocomplete, unknown ones still type-check. */
export type Known<T extends string> = T | (string & {});

/** `ExternalDataSchemaSyncType` (API.md §6); `xmin` exists only in the newest generation. */
export type SyncType = 'full_refresh' | 'incremental' | 'append' | 'webhook' | 'cdc' | 'xmin';

/** Schema PATCH choices (API.md §6). `never` is sent as a string and read back as `null`; `1min` is CDC-only legacy. */
export type SyncFrequency = 'never' | '1min' | '5min' | '15min' | '30min' | '1hour' | '6hour' | '12hour' | '24hour' | '7day' | '30day';

export type IncrementalFieldType = 'integer' | 'numeric' | 'datetime' | 'date' | 'timestamp' | 'objectid' | 'xid';

/** A candidate incremental column (API.md §5). `label`/`type` are for display; `field`/`field_type` name the real column. */
export interface IncrementalField extends Open {
  label: string;
  type: Known<IncrementalFieldType>;
  field: string;
  field_type: Known<IncrementalFieldType>;
  nullable?: boolean;
  /** Postgres: the column leads an index (true when index discovery failed). */
  is_indexed?: boolean;
}

/** A column of a discovered table, as database_schema reports it. */
export interface DiscoveredColumn extends Open {
  field: string;
  label?: string;
  type: string;
  nullable?: boolean;
}

/**
 * One entry of `POST external_data_sources/database_schema/` (API.md §5). The client fills the keys an
 * older generation may omit (`detected_primary_keys`, `permission_error`, …) with null/false/[].
 */
export interface DiscoveredTable extends Open {
  /** The name to use as `schemas[].name` at create. */
  table: string;
  label: string | null;
  should_sync: boolean;
  incremental_fields: IncrementalField[];
  incremental_available: boolean;
  append_available: boolean;
  /** null unless the team has the CDC feature flag. */
  cdc_available: boolean | null;
  /** null unless the source type supports xmin (Postgres, newest generation). */
  xmin_available: boolean | null;
  incremental_field: string | null;
  sync_type: Known<SyncType> | null;
  /** null when discovery does not count rows (Postgres always). */
  rows: number | null;
  supports_webhooks: boolean;
  webhook_only: boolean;
  description: string | null;
  should_sync_default: boolean;
  available_columns: DiscoveredColumn[];
  detected_primary_keys: string[] | null;
  primary_key_detection_supported?: boolean;
  /** Why the credentials cannot read this table (e.g. a Stripe scope), or null. */
  permission_error: string | null;
  rls_warning: string | null;
}

/** One entry of `payload.schemas` at create (API.md §6). No `sync_frequency`: PostHog ignores it at create. */
export interface SchemaCreateEntry extends Open {
  name: string;
  /** PostHog's default is false. */
  should_sync?: boolean;
  sync_type?: Known<SyncType> | null;
  incremental_field?: string | null;
  incremental_field_type?: Known<IncrementalFieldType> | null;
  incremental_field_lookback_seconds?: number | null;
  primary_key_columns?: string[] | null;
  /** `HH:MM:SS`, UTC. */
  sync_time_of_day?: string | null;
  enabled_columns?: string[] | null;
  row_filters?: RowFilter[] | null;
  cdc_table_mode?: Known<CdcTableMode> | null;
}

export type CdcTableMode = 'consolidated' | 'cdc_only' | 'both';

export interface RowFilter extends Open {
  column: string;
  operator: string;
  value: unknown;
}

/** `payload` at create: the wizard's fields for the type, the tables to sync, and the CDC keys (API.md §2.3). */
export interface CreateSourcePayload extends Open {
  schemas?: SchemaCreateEntry[];
  cdc_enabled?: boolean;
  cdc_management_mode?: 'posthog' | 'self_managed';
  cdc_slot_name?: string | null;
  cdc_publication_name?: string | null;
  cdc_auto_drop_slot?: boolean;
  cdc_lag_warning_threshold_mb?: number;
  cdc_lag_critical_threshold_mb?: number;
}

/** `POST external_data_sources/` body (`ExternalDataSourceCreateSerializer`, API.md §2.3). */
export interface CreateSourceRequest extends Open {
  source_type: string;
  /** With `source_type`, the identity of a source (contract §1); null for none. Immutable after create. */
  prefix?: string | null;
  description?: string | null;
  payload: CreateSourcePayload;
  access_method?: 'warehouse' | 'direct';
  created_via?: 'web' | 'api' | 'mcp';
  direct_query_enabled?: boolean;
  /** Explicit `[]` is rejected by the newest generation: omit instead. */
  destination_ids?: string[];
}

/** 201 of create: only the id, not the source (API.md §2.3). */
export interface CreateSourceResult extends Open {
  id: string;
}

/** The synced warehouse table of a schema, when there is one. */
export interface SchemaTable extends Open {
  id: string;
  name: string;
  row_count?: number | null;
}

/** A schema as a source *list* embeds it: the trimmed `ExternalDataSchemaListSerializer` (API.md §2.4). */
export interface RemoteSchemaSummary extends Open {
  id: string;
  name: string;
  label?: string | null;
  should_sync: boolean;
  /** `Running`, `Paused`, `Failed`, `Completed`, `Billing limits`, `Billing limits too low`, or null before the first sync. */
  status?: string | null;
  sync_type: Known<SyncType> | null;
  last_synced_at?: string | null;
  latest_error?: string | null;
  table?: SchemaTable | null;
}

/** The full schema (`ExternalDataSchemaSerializer`): source retrieve, schema retrieve/PATCH, bulk update (API.md §2.13). */
export interface RemoteSchema extends RemoteSchemaSummary {
  incremental?: boolean;
  incremental_field?: string | null;
  incremental_field_type?: Known<IncrementalFieldType> | null;
  incremental_field_lookback_seconds?: number | null;
  /** null means `never`. */
  sync_frequency?: Known<SyncFrequency> | null;
  sync_time_of_day?: string | null;
  description?: string | null;
  primary_key_columns?: string[] | null;
  cdc_table_mode?: Known<CdcTableMode> | null;
  enabled_columns?: string[] | null;
  row_filters?: RowFilter[] | null;
  available_columns?: { name: string; data_type: string; is_nullable?: boolean }[] | null;
  source_column_metadata_available?: boolean;
  /** Populated only by a single-schema retrieve. */
  source?: Open | null;
  api_version?: string | null;
  api_version_deprecation?: unknown;
  user_access_level?: string | null;
}

/**
 * A source (`ExternalDataSourceSerializers`, API.md §2.4). `getSource` embeds full schemas; `listSources`
 * embeds the trimmed ones (`RemoteSourceListItem`).
 */
export interface RemoteSource<Schema extends RemoteSchemaSummary = RemoteSchema> extends Open {
  id: string;
  source_type: string;
  /** Filled with null by the client when absent. */
  prefix: string | null;
  description: string | null;
  created_at?: string;
  created_by?: string | null;
  created_via?: string | null;
  /** Computed from the schemas (API.md §2.4). */
  status?: string | null;
  latest_error?: string | null;
  access_method?: string | null;
  direct_query_enabled?: boolean;
  auto_sync_new_schemas?: boolean;
  auto_sync_schema_patterns?: string[] | null;
  last_run_at?: string | null;
  /** Stored config without secrets (API.md §2.4). */
  job_inputs?: Record<string, unknown> | null;
  revenue_analytics_config?: { enabled?: boolean; include_invoiceless_charges?: boolean } | null;
  supports_webhooks?: boolean;
  supports_column_selection?: boolean;
  api_version?: string | null;
  user_access_level?: string | null;
  /** Ordered by name, deleted ones excluded; filled with [] by the client when absent. */
  schemas: Schema[];
}

export type RemoteSourceListItem = RemoteSource<RemoteSchemaSummary>;

/** `PATCH external_data_sources/{id}/` (API.md §2.5). `prefix` is not here: PostHog silently ignores it. */
export interface SourceUpdate extends Open {
  description?: string | null;
  /** Merged over the stored config; secrets left out keep their stored values. */
  job_inputs?: Record<string, unknown>;
  direct_query_enabled?: boolean;
  auto_sync_new_schemas?: boolean;
  auto_sync_schema_patterns?: string[] | null;
}

/** The writable fields of `PATCH external_data_schemas/{id}/` (API.md §2.13). */
export interface SchemaUpdate extends Open {
  should_sync?: boolean;
  sync_type?: Known<SyncType> | null;
  incremental_field?: string | null;
  incremental_field_type?: Known<IncrementalFieldType> | null;
  incremental_field_lookback_seconds?: number | null;
  sync_frequency?: Known<SyncFrequency>;
  sync_time_of_day?: string | null;
  primary_key_columns?: string[] | null;
  cdc_table_mode?: Known<CdcTableMode> | null;
  enabled_columns?: string[] | null;
  row_filters?: RowFilter[] | null;
  api_version?: string | null;
}

/** One entry of `PATCH external_data_sources/{id}/bulk_update_schemas/` (API.md §2.9). */
export interface BulkSchemaUpdate extends SchemaUpdate {
  id: string;
  apply_sync_defaults?: boolean;
  full_refresh_interval_days?: number | null;
}

/** `POST external_data_sources/{id}/refresh_schemas/` (API.md §2.8). `auto_enabled` is newest-only. */
export interface RefreshSchemasResult extends Open {
  added: number;
  deleted: number;
  auto_enabled?: number;
  total_tables_seen?: number;
}

/** `POST external_data_sources/check_cdc_prerequisites/` body: flat config next to the CDC keys (API.md §8). */
export interface CdcPrerequisiteRequest extends Open {
  source_type: string;
  cdc_management_mode?: 'posthog' | 'self_managed';
  /** `schema.table` entries when the source's `schema` is blank. */
  tables?: string[];
  cdc_slot_name?: string | null;
  cdc_publication_name?: string | null;
}

/** The body of `enable_cdc` / `check_cdc_prerequisites_for_source` on an existing source (API.md §2.12). */
export interface CdcEnableRequest extends Open {
  cdc_management_mode?: 'posthog' | 'self_managed';
  cdc_slot_name?: string;
  cdc_publication_name?: string;
  cdc_auto_drop_slot?: boolean;
}

/** enable_cdc's answer: `schedules_ready` false means CDC is on but its schedule is made at the first CDC table switch. */
export interface CdcEnableResult extends Open {
  success: boolean;
  schedules_ready: boolean;
}

export interface CdcPrerequisiteResult extends Open {
  valid: boolean;
  /** One sentence per unmet prerequisite. */
  errors: string[];
}

/**
 * One run of a table's sync, as `GET external_data_sources/{id}/jobs/` lists them (API.md §2.12): newest
 * first, at most 50. `rows_synced` is what the run imported (what PostHog bills).
 */
export interface SyncJob extends Open {
  id: string;
  created_at: string;
  finished_at?: string | null;
  /** `Running`, `Failed`, `Completed`, `Billing limits`, `Billing limit too low`. */
  status: string;
  schema: { id: string; name: string; sync_type?: string | null } & Open;
  rows_synced: number;
  latest_error?: string | null;
}

/** `GET external_data_sources/{id}/webhook_info/` (API.md §7); always 200. Older generations send only the first two keys. */
export interface WebhookInfo extends Open {
  supports_webhooks: boolean;
  exists: boolean;
  auto_creation_blocked_reason?: string | null;
  hog_function?: { id: string; name?: string; enabled: boolean; created_at?: string; status?: unknown; [key: string]: unknown } | null;
  webhook_url?: string | null;
  /** Provider object type → schema id. */
  schema_mapping?: Record<string, string> | null;
  /** The webhook's inputs, secrets masked. A key present means the input is set. */
  inputs?: Record<string, unknown> | null;
  /** The endpoint as the provider (Stripe) reports it, or null when unreadable. */
  external_status?: {
    exists?: boolean;
    url?: string | null;
    enabled_events?: string[];
    status?: string | null;
    description?: string | null;
    created_at?: string | null;
    api_version?: string | null;
    error?: string | null;
    [key: string]: unknown;
  } | null;
  /** Events the endpoint should receive but does not. */
  missing_events?: string[] | null;
}

/** `POST {id}/create_webhook/`: 200 even when the provider refused (`success: false`, API.md §7). */
export interface CreateWebhookResult extends Open {
  success: boolean;
  webhook_url: string | null;
  error: string | null;
  /** Inputs the user still has to supply (e.g. `signing_secret` when registration was manual). */
  pending_inputs: string[];
}

export interface UpdateWebhookInputsResult extends Open {
  success: boolean;
}

export interface DeleteWebhookResult extends Open {
  success: boolean;
  external_deleted?: boolean;
  error?: string | null;
}

/** DRF `LimitOffsetPagination` envelope (API.md §1 "Pagination"). */
export interface Page<T> extends Open {
  count: number;
  /** Absolute URL of the next page, or null on the last one. */
  next: string | null;
  previous: string | null;
  results: T[];
}
