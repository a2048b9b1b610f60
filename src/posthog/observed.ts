/**
 * What plan reads from PostHog, as the subset of PostHog's wire shapes the planner uses (API.md §2.4, §5,
 * §7, §8). Structural, so the client's DTOs (which carry more fields) flow in unchanged.
 */
export interface IncrementalFieldInfo {
  label: string;
  type: string;
  field: string;
  field_type: string;
  nullable?: boolean;
  is_indexed?: boolean;
}

export interface DiscoveredTableInfo {
  table: string;
  label?: string | null;
  incremental_fields: IncrementalFieldInfo[];
  incremental_available: boolean;
  append_available: boolean;
  cdc_available: boolean | null;
  xmin_available?: boolean | null;
  rows: number | null;
  supports_webhooks: boolean;
  webhook_only: boolean;
  detected_primary_keys: string[] | null;
  permission_error: string | null;
  rls_warning?: string | null;
  available_columns?: { field: string; type: string; nullable?: boolean }[];
}

export interface RemoteSchemaInfo {
  id: string;
  name: string;
  should_sync: boolean;
  sync_type: string | null;
  incremental_field?: string | null;
  incremental_field_type?: string | null;
  primary_key_columns?: string[] | null;
  sync_frequency?: string | null;
  sync_time_of_day?: string | null;
  cdc_table_mode?: string | null;
  status?: string | null;
  last_synced_at?: string | null;
  latest_error?: string | null;
  table?: { row_count?: number | null } | null;
}

export interface RemoteSourceInfo {
  id: string;
  source_type: string;
  prefix: string | null;
  description: string | null;
  status?: string | null;
  /** The latest sync error PostHog recorded for the source (API.md §2.4). */
  latest_error?: string | null;
  job_inputs?: Record<string, unknown> | null;
  schemas: RemoteSchemaInfo[];
}

export interface WebhookInfoState {
  supports_webhooks: boolean;
  exists: boolean;
  hog_function?: { id?: string; enabled?: boolean } | null;
  webhook_url?: string | null;
  inputs?: Record<string, unknown> | null;
  external_status?: { status?: string | null; error?: string | null } | null;
  missing_events?: string[] | null;
  schema_mapping?: Record<string, string> | null;
}

export type Discovery =
  | { ok: true; tables: DiscoveredTableInfo[] }
  /** PostHog refused the credentials (or could not reach the source): its message, masked. */
  | { ok: false; message: string };

/** What plan read of one source's sync runs: `GET {id}/jobs/?after=since`, at `read_at` (API.md §2.12). */
export interface JobHistory {
  since: string;
  read_at: string;
  runs: { table: string; created_at: string; rows_synced: number }[];
}

export type CdcCheck = { valid: boolean; errors: string[] } | { failed: string };

/** Everything observed for one declared source. */
export interface ObservedSource {
  /** The config resolved for PostHog (secrets included: never written anywhere as is). */
  resolvedConfig?: Record<string, unknown>;
  /** Unset when references could not be resolved (plan then reports missing-secret and stops there). */
  discovery?: Discovery;
  /** The matching remote source (same type and prefix), retrieved in full. */
  remote?: RemoteSourceInfo;
  webhook?: WebhookInfoState;
  cdc?: CdcCheck;
  /** check_cdc_prerequisites_for_source, made when the file wants CDC tables on a source PostHog has without CDC. */
  cdcEnable?: CdcCheck;
  /** The source's job history (sources that exist only). */
  jobs?: JobHistory;
  /** `--count-rows`: rows estimated from the source database, by table, for tables PostHog has no count for. */
  rowEstimates?: Record<string, { value: number; estimate: boolean }>;
}

export interface ObservedState {
  host: string;
  projectId: string;
  /** Every source in the project (from list), for matching and for unmanaged/prune. */
  remoteSources: RemoteSourceInfo[];
  /** By declared source name. */
  sources: Record<string, ObservedSource>;
}
