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

export interface SourceDriver {
  /** Validate credentials against the live system; throw DriverError with PostHog's message on failure. */
  validateCredentials(config: Record<string, unknown>): Promise<void>;
  /** List tables as database_schema would (called after validateCredentials succeeded). */
  discover(config: Record<string, unknown>, opts: { cdcEnabledForTeam: boolean }): Promise<DiscoveredTable[]>;
  /** Postgres only: CDC prerequisite check (API.md §8). */
  checkCdcPrerequisites?(config: Record<string, unknown>, request: CdcCheckRequest): Promise<CdcCheckResult>;
  /** Primary keys for CDC tables at create time (API.md §2.3 step 15); Postgres only. */
  primaryKeys?(config: Record<string, unknown>, tables: string[]): Promise<Record<string, string[]>>;
}

/** A user-facing failure with the text PostHog returns (status 400, `{"message": ...}`). */
export class DriverError extends Error {}
