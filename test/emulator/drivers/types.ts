/**
 * How the emulator talks to the systems behind a source. PostHog's own code has one `Source` class per
 * type (sources/<name>/source.py) with validate_credentials / get_schemas; the emulator mirrors that with
 * one driver per type. Drivers throw `DriverError` with the exact user-facing text PostHog would return.
 */

/** One entry of a database_schema response (API.md §5), exactly as PostHog serialises it. */
export interface DiscoveredTable {
  table: string;
  label: string | null;
  should_sync: false;
  incremental_fields: IncrementalField[];
  incremental_available: boolean;
  append_available: boolean;
  cdc_available: boolean | null;
  xmin_available: boolean | null;
  incremental_field: string | null;
  sync_type: null;
  rows: number | null;
  supports_webhooks: boolean;
  webhook_only: boolean;
  description: string | null;
  should_sync_default: boolean;
  available_columns: { field: string; label: string; type: string; nullable: boolean }[];
  detected_primary_keys: string[] | null;
  primary_key_detection_supported: boolean;
  permission_error: string | null;
  rls_warning: string | null;
}

export interface IncrementalField {
  label: string;
  type: string;
  field: string;
  field_type: string;
  nullable?: boolean;
  is_indexed?: boolean;
}

export interface CdcCheckRequest {
  managementMode: 'posthog' | 'self_managed';
  tables: string[];
  slotName: string | null;
  publicationName: string | null;
}

export interface CdcCheckResult {
  valid: boolean;
  errors: string[];
}

/** What `enable_cdc` asks the database for (PostgresCDCAdapter.setup_resources, API.md §2.12). */
export interface CdcSetupRequest {
  sourceId: string;
  managementMode: 'posthog' | 'self_managed';
  slotName: string | null;
  publicationName: string | null;
}

/** Live CDC state read from the database (PostgresCDCAdapter.get_status). */
export interface CdcLiveStatus {
  slot_exists: boolean;
  publication_exists: boolean;
  lag_bytes: number | null;
  published_tables: string[];
}

export interface SourceDriver {
  /** Validate credentials against the live system; throw DriverError with PostHog's message on failure. */
  validateCredentials(config: Record<string, unknown>): Promise<void>;
  /** List tables as database_schema would (called after validateCredentials succeeded). */
  discover(config: Record<string, unknown>, opts: { cdcEnabledForTeam: boolean }): Promise<DiscoveredTable[]>;
  /** Postgres only: CDC prerequisite check (API.md §8). */
  checkCdcPrerequisites?(config: Record<string, unknown>, request: CdcCheckRequest): Promise<CdcCheckResult>;
  /** Primary keys for CDC tables at create time (API.md §2.3 step 15); Postgres only. */
  primaryKeys?(config: Record<string, unknown>, tables: string[]): Promise<Record<string, string[]>>;
  /**
   * One sync of one table with the STORED config: read it for real and return its row count. Throws
   * SyncFailure with the text PostHog's pipeline would record (the raw driver error for non-retryable
   * connection/auth failures). Drivers without it simulate the rows.
   */
  syncTable?(config: Record<string, unknown>, table: string): Promise<number>;
  /** enable_cdc: create the slot (and, PostHog-managed, the publication). Returns the cdc_* job_inputs, or PostHog's error text. */
  setupCdcResources?(config: Record<string, unknown>, request: CdcSetupRequest): Promise<{ fields: Record<string, unknown> } | { error: string }>;
  /** disable_cdc: drop the slot (and the publication when PostHog owns it). Best-effort, never throws. */
  dropCdcResources?(config: Record<string, unknown>, managementMode: string, slotName: string, publicationName: string | null): Promise<void>;
  /** cdc_status: live slot/publication state; throws the connection error when unreachable. */
  cdcStatus?(config: Record<string, unknown>, slotName: string | null, publicationName: string | null): Promise<CdcLiveStatus>;
  /** ALTER PUBLICATION … ADD/DROP TABLE, best-effort (never throws), as the schema PATCH does. */
  alterPublication?(config: Record<string, unknown>, publicationName: string, table: string, add: boolean): Promise<void>;
}

/** A failed sync: `message` is what PostHog stores as latest_error; `nonRetryable` turns the table's syncing off. */
export class SyncFailure extends Error {
  constructor(
    message: string,
    readonly nonRetryable: boolean,
  ) {
    super(message);
  }
}

/** A user-facing failure with the text PostHog returns (status 400, `{"message": ...}`). */
export class DriverError extends Error {}
