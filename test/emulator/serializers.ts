/** JSON shapes of sources and schemas as PostHog's serializers render them (API.md §2.4, §2.13). */
import type { Context } from './context.js';
import { readableJobInputs, wizard } from './source-config.js';
import type { SchemaRow, SchemaStatus, SourceRow } from './state.js';

/** BillingLimit* render as text (API.md §6). */
function renderStatus(status: SchemaStatus | null): string | null {
  if (status === 'BillingLimitReached') return 'Billing limits';
  if (status === 'BillingLimitTooLow') return 'Billing limits too low';
  return status;
}

const INCREMENTAL_STYLE = new Set(['incremental', 'append', 'xmin']);

function supportsColumnSelection(sourceType: string): boolean {
  return wizard()[sourceType]?.supportsColumnSelection === true;
}

/** Only SQL sources can row-filter (API.md §2.13). */
export function supportsRowFilters(sourceType: string): boolean {
  return supportsColumnSelection(sourceType);
}

/** Full ExternalDataSchemaSerializer; `withSource` on single-schema retrieve only. */
export function fullSchema(schema: SchemaRow, source: SourceRow, withSource = false): Record<string, unknown> {
  const columns = schema.discovered?.available_columns ?? [];
  return {
    id: schema.id,
    name: schema.name,
    label: schema.label,
    table: schema.table
      ? { ...schema.table, hogql_name: schema.table.name, columns: columns.map((c) => ({ key: c.field, name: c.field, type: c.type })), user_access_level: 'editor' }
      : null,
    should_sync: schema.shouldSync,
    last_synced_at: schema.lastSyncedAt,
    latest_error: schema.latestError,
    incremental: schema.syncType !== null && INCREMENTAL_STYLE.has(schema.syncType),
    status: renderStatus(schema.status),
    sync_type: schema.syncType,
    incremental_field: schema.incrementalField,
    incremental_field_type: schema.incrementalFieldType,
    incremental_field_lookback_seconds: schema.incrementalFieldLookbackSeconds,
    sync_frequency: schema.syncFrequency,
    sync_time_of_day: schema.syncTimeOfDay,
    description: schema.discovered?.description ?? null,
    primary_key_columns: schema.primaryKeyColumns,
    cdc_table_mode: schema.cdcTableMode ?? (schema.syncType === 'cdc' ? 'consolidated' : null),
    enabled_columns: schema.enabledColumns,
    row_filters: schema.rowFilters,
    available_columns: columns.map((c) => ({ name: c.field, data_type: c.type, is_nullable: c.nullable })),
    source_column_metadata_available: columns.length > 0,
    source: withSource
      ? {
          id: source.id,
          source_type: source.sourceType,
          access_method: source.accessMethod,
          supports_column_selection: supportsColumnSelection(source.sourceType),
          supports_row_filters: supportsRowFilters(source.sourceType),
          requires_exact_column_metadata: false,
          user_access_level: 'editor',
          api_version: source.apiVersion,
          supported_api_versions: wizard()[source.sourceType]?.versions ?? [],
        }
      : null,
    api_version: null,
    api_version_deprecation: null,
    user_access_level: 'editor',
  };
}

/** ExternalDataSchemaListSerializer: the trimmed shape inside a source list item. */
function listItemSchema(schema: SchemaRow): Record<string, unknown> {
  return {
    id: schema.id,
    name: schema.name,
    label: schema.label,
    should_sync: schema.shouldSync,
    status: renderStatus(schema.status),
    sync_type: schema.syncType,
    last_synced_at: schema.lastSyncedAt,
    latest_error: schema.latestError,
    table: schema.table ? { ...schema.table } : null,
  };
}

/**
 * get_status (API.md §2.4, newest): failures and billing limits count only among syncing schemas; paused,
 * running and completed among the "active" ones (syncing, or carrying an error); else the stored status.
 */
export function sourceStatus(source: SourceRow, schemas: SchemaRow[]): string {
  const syncing = schemas.filter((s) => s.shouldSync);
  const active = schemas.filter((s) => s.shouldSync || s.latestError !== null);
  const among = (list: SchemaRow[], status: SchemaStatus) => list.some((s) => s.status === status);
  if (among(syncing, 'Failed')) return 'Failed';
  if (among(syncing, 'BillingLimitReached')) return 'Billing limits';
  if (among(syncing, 'BillingLimitTooLow')) return 'Billing limits too low';
  if (among(active, 'Paused')) return 'Paused';
  if (among(active, 'Running')) return 'Running';
  if (among(active, 'Completed')) return 'Completed';
  return source.status;
}

export function serializeSource(ctx: Context, source: SourceRow, schemaShape: 'full' | 'list'): Record<string, unknown> {
  const schemas = ctx.state.liveSchemasOf(source.id).sort((a, b) => a.name.localeCompare(b.name));
  const completed = schemas.map((s) => s.lastSyncedAt).filter((t): t is string => t !== null).sort();
  return {
    id: source.id,
    created_at: source.createdAt,
    created_by: 'emulator@example.com',
    created_via: source.createdVia,
    status: sourceStatus(source, schemas),
    source_type: source.sourceType,
    latest_error: schemas.find((s) => s.latestError)?.latestError ?? null,
    prefix: source.prefix,
    description: source.description,
    access_method: source.accessMethod,
    direct_query_enabled: false,
    auto_sync_new_schemas: false,
    auto_sync_schema_patterns: null,
    engine: null,
    last_run_at: completed.at(-1) ?? null,
    schemas: schemas.map((s) => (schemaShape === 'full' ? fullSchema(s, source) : listItemSchema(s))),
    job_inputs: readableJobInputs(source.sourceType, source.jobInputs),
    revenue_analytics_config: { enabled: false, include_invoiceless_charges: true },
    user_access_level: 'editor',
    supports_webhooks: (wizard()[source.sourceType]?.webhookFields?.length ?? 0) > 0,
    supports_column_selection: supportsColumnSelection(source.sourceType),
    api_version: source.apiVersion,
    api_version_deprecation: null,
  };
}

/** LimitOffsetPagination (PAGE_SIZE 100) with absolute next/previous links (API.md §1). */
export function paginate<T>(items: T[], url: URL, baseUrl: string): { count: number; next: string | null; previous: string | null; results: T[] } {
  const limitParam = Number.parseInt(url.searchParams.get('limit') ?? '', 10);
  const limit = Number.isFinite(limitParam) && limitParam > 0 ? limitParam : 100;
  const offsetParam = Number.parseInt(url.searchParams.get('offset') ?? '', 10);
  const offset = Number.isFinite(offsetParam) && offsetParam > 0 ? offsetParam : 0;
  const link = (newOffset: number): string => {
    const target = new URL(url.pathname + url.search, baseUrl);
    target.searchParams.set('limit', String(limit));
    if (newOffset <= 0) target.searchParams.delete('offset');
    else target.searchParams.set('offset', String(newOffset));
    return target.toString();
  };
  return {
    count: items.length,
    next: offset + limit < items.length ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    results: items.slice(offset, offset + limit),
  };
}
