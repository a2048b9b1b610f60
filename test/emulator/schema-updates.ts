/**
 * Schema PATCH validation and application (API.md §2.13), shared by `PATCH external_data_schemas/{id}/`
 * and `bulk_update_schemas` (§2.9). Validation runs fully before anything is written.
 */
import type { Context } from './context.js';
import { fieldError, HttpReply, invalidChoice, invalidInput } from './responses.js';
import { supportsRowFilters } from './serializers.js';
import { wizard } from './source-config.js';
import { type SchemaRow, type SourceRow, SYNC_TYPES, type SyncType } from './state.js';
import { ensureWebhookForSchemas, webhookRegistrationRefusal } from './webhooks.js';

/** PATCH choices, newest (API.md §6): `1min` is not among them. */
export const SYNC_FREQUENCIES = ['never', '5min', '15min', '30min', '1hour', '6hour', '12hour', '24hour', '7day', '30day'];
const INCREMENTAL_KEYS = ['incremental_field', 'incremental_field_type', 'incremental_field_lookback_seconds'] as const;
const INCREMENTAL_STYLE: ReadonlySet<string> = new Set(['incremental', 'append', 'xmin']);
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;
const MAX_LOOKBACK = 5_184_000;

const has = (body: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(body, key);

/** Map a discovered label (Stripe `created_at`) to its real field and type (API.md §2.3 step 16). */
export function resolveIncrementalField(schema: SchemaRow, field: string | null, type: string | null): { field: string | null; type: string | null } {
  const candidates = schema.discovered?.incremental_fields ?? [];
  const match = candidates.find((c) => c.field === field) ?? candidates.find((c) => c.label === field);
  if (match && field !== null) return { field: match.field, type: match.field_type };
  return { field, type };
}

function samePk(a: string[] | null, b: string[] | null): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** Throws the first refusal as PostHog orders them; returns a function that applies the update. */
export function prepareSchemaUpdate(ctx: Context, source: SourceRow, schema: SchemaRow, body: Record<string, unknown>): () => void {
  // Field-level serializer checks first (DRF validates fields before `validate()`).
  if (has(body, 'sync_frequency') && !SYNC_FREQUENCIES.includes(String(body.sync_frequency))) {
    throw fieldError('sync_frequency', 'invalid_choice', `"${String(body.sync_frequency)}" is not a valid sync frequency. The fastest sync frequency is 5 minutes.`);
  }
  if (has(body, 'sync_type') && body.sync_type !== null && !SYNC_TYPES.includes(body.sync_type as SyncType)) throw invalidChoice('sync_type', body.sync_type);
  if (has(body, 'should_sync') && typeof body.should_sync !== 'boolean') throw fieldError('should_sync', 'invalid', 'Must be a valid boolean.');
  if (has(body, 'incremental_field_lookback_seconds') && body.incremental_field_lookback_seconds !== null) {
    const v = body.incremental_field_lookback_seconds;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw fieldError('incremental_field_lookback_seconds', 'invalid', 'A valid integer is required.');
    if (v < 0) throw fieldError('incremental_field_lookback_seconds', 'min_value', 'Ensure this value is greater than or equal to 0.');
    if (v > MAX_LOOKBACK) throw fieldError('incremental_field_lookback_seconds', 'max_value', `Ensure this value is less than or equal to ${MAX_LOOKBACK}.`);
  }
  if (has(body, 'cdc_table_mode') && body.cdc_table_mode !== null && !['consolidated', 'cdc_only', 'both'].includes(String(body.cdc_table_mode))) {
    throw invalidChoice('cdc_table_mode', body.cdc_table_mode);
  }
  if (has(body, 'sync_time_of_day') && body.sync_time_of_day !== null && !(typeof body.sync_time_of_day === 'string' && TIME_OF_DAY.test(body.sync_time_of_day))) {
    throw invalidInput('Invalid sync time of day');
  }

  const requestedType = has(body, 'sync_type') ? (body.sync_type as SyncType | null) : undefined;
  const nextType = requestedType === undefined ? schema.syncType : requestedType;
  const nextShouldSync = has(body, 'should_sync') ? (body.should_sync as boolean) : schema.shouldSync;

  if (body.should_sync === true && requestedType == null && schema.syncType === null) throw invalidInput('Sync type must be set up first before enabling schema');

  const incrementalKeys = INCREMENTAL_KEYS.filter((k) => has(body, k));
  if (incrementalKeys.length > 0 && requestedType === undefined && !(schema.syncType && INCREMENTAL_STYLE.has(schema.syncType))) {
    throw invalidInput(
      `${incrementalKeys.join(', ')} cannot be applied to a schema with sync type ${schema.syncType ?? 'not set'} on its own. Include sync_type in the same request to change the sync type.`,
    );
  }

  if (schema.discovered?.webhook_only && nextType !== null && nextType !== 'webhook') {
    throw invalidInput(`${schema.name} can only be synced via webhooks — pick the Webhook sync method.`);
  }
  if (nextType === 'webhook' && requestedType === 'webhook' && !schema.discovered?.supports_webhooks) {
    throw invalidChoice('sync_type', 'webhook');
  }

  if (requestedType === 'xmin') {
    if (source.sourceType !== 'Postgres') throw invalidInput('xmin replication is only available for Postgres sources.');
    if (!schema.discovered?.xmin_available) {
      throw invalidInput(`xmin replication is not available for table '${schema.name}'. It requires a Postgres heap table or materialized view on PostgreSQL 13+.`);
    }
  }

  const requestedPk = has(body, 'primary_key_columns') ? ((body.primary_key_columns as string[] | null) ?? null) : undefined;
  const nextPk = requestedPk === undefined ? schema.primaryKeyColumns : requestedPk;
  if (nextType === 'cdc' && requestedType === 'cdc') {
    if (!ctx.options.cdcEnabledForTeam) throw invalidInput('CDC is not enabled for this team');
    const pk = nextPk?.length ? nextPk : schema.discovered?.detected_primary_keys;
    if (!pk || pk.length === 0) {
      throw invalidInput(`CDC requires a primary key on table '${schema.name}'. Provide primary_key_columns or refresh schema discovery to pick one up.`);
    }
  }
  const synced = schema.lastSyncedAt !== null || schema.table !== null;
  const pkMatters = schema.syncType !== null && ['incremental', 'append', 'cdc'].includes(schema.syncType);
  if (requestedPk !== undefined && synced && pkMatters && schema.primaryKeyColumns?.length && !samePk(requestedPk, schema.primaryKeyColumns)) {
    throw invalidInput('Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key.');
  }

  if (has(body, 'enabled_columns') && body.enabled_columns !== null) {
    if (wizard()[source.sourceType]?.supportsColumnSelection !== true) throw invalidInput('Column selection is not supported for this source type.');
    const known = new Set((schema.discovered?.available_columns ?? []).map((c) => c.field));
    const unknown = (body.enabled_columns as string[]).filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw invalidInput(`Unknown columns in enabled_columns: [${unknown.map((c) => `'${c}'`).join(', ')}]. Run \`Pull new schemas\` to refresh available columns.`);
    }
  }
  if (has(body, 'row_filters') && body.row_filters !== null && !supportsRowFilters(source.sourceType)) {
    throw invalidInput('Row filters are not supported for this source type.');
  }

  if (requestedType === 'webhook' && nextShouldSync) {
    const refusal = webhookRegistrationRefusal(ctx, source);
    if (refusal) throw refusal;
  }

  return () => {
    const wasSyncing = schema.shouldSync;
    if (requestedType !== undefined) schema.syncType = requestedType;
    schema.shouldSync = nextShouldSync;
    if (has(body, 'incremental_field') || has(body, 'incremental_field_type')) {
      const resolved = resolveIncrementalField(
        schema,
        has(body, 'incremental_field') ? ((body.incremental_field as string | null) ?? null) : schema.incrementalField,
        has(body, 'incremental_field_type') ? ((body.incremental_field_type as string | null) ?? null) : schema.incrementalFieldType,
      );
      schema.incrementalField = resolved.field;
      schema.incrementalFieldType = resolved.type;
    }
    if (has(body, 'incremental_field_lookback_seconds')) schema.incrementalFieldLookbackSeconds = body.incremental_field_lookback_seconds as number | null;
    if (has(body, 'sync_frequency')) schema.syncFrequency = body.sync_frequency === 'never' ? null : String(body.sync_frequency);
    if (has(body, 'sync_time_of_day')) schema.syncTimeOfDay = normaliseTime(body.sync_time_of_day as string | null);
    if (requestedPk !== undefined) schema.primaryKeyColumns = requestedPk;
    if (has(body, 'cdc_table_mode')) schema.cdcTableMode = body.cdc_table_mode as string | null;
    if (has(body, 'enabled_columns')) schema.enabledColumns = body.enabled_columns as string[] | null;
    if (has(body, 'row_filters')) schema.rowFilters = body.row_filters as unknown[] | null;
    if (requestedType === 'cdc' && !schema.primaryKeyColumns?.length) {
      schema.primaryKeyColumns = schema.discovered?.detected_primary_keys ?? null;
    }
    if (requestedType === 'webhook' && schema.shouldSync) ensureWebhookForSchemas(ctx, source);
    // Enabling a table starts its sync right away, as PostHog schedules it (API.md §6 schema status).
    if (!wasSyncing && schema.shouldSync) ctx.sync.start(schema);
  };
}

/** `HH:MM` is stored as `HH:MM:00`. */
function normaliseTime(value: string | null): string | null {
  if (value === null) return null;
  return value.length === 5 ? `${value}:00` : value;
}

/** Run validation and apply; errors are HttpReply refusals. */
export function updateSchema(ctx: Context, source: SourceRow, schema: SchemaRow, body: Record<string, unknown>): void {
  prepareSchemaUpdate(ctx, source, schema, body)();
}

export function isRefusal(error: unknown): error is HttpReply {
  return error instanceof HttpReply;
}
