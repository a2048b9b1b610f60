/**
 * Schema PATCH validation and application (API.md §2.13, §12), shared by `PATCH external_data_schemas/{id}/`
 * and `bulk_update_schemas` (§2.9). Mirrors the newest `external_data_schema/serializers.py`: field
 * checks first, then `update()`'s refusals in its order; everything is checked before anything is
 * written (PostHog rolls the request back on a refusal).
 */
import type { Context } from './context.js';
import { fieldError, invalidChoice, invalidInput } from './responses.js';
import { supportsRowFilters } from './serializers.js';
import { wizard } from './source-config.js';
import { type SchemaRow, type SourceRow, SYNC_TYPES, type SyncType } from './state.js';
import { cdcEnabledOn } from './sync.js';
import { runWebhookStep, webhookStepRefusal } from './webhooks.js';

/** PATCH choices, newest (API.md §6): `1min` is not among them. */
export const SYNC_FREQUENCIES = ['never', '5min', '15min', '30min', '1hour', '6hour', '12hour', '24hour', '7day', '30day'];
/** IncrementalFieldType values (API.md §5): `incremental_field_type` is a ChoiceField over them. */
export const INCREMENTAL_FIELD_TYPES = ['integer', 'numeric', 'datetime', 'date', 'timestamp', 'objectid', 'xid'];
export const CDC_TABLE_MODES = ['consolidated', 'cdc_only', 'both'];
/** The sync types whose branch writes incremental config and the key (the serializer's incremental_style_types). */
const INCREMENTAL_STYLE: ReadonlySet<string> = new Set(['incremental', 'append', 'webhook']);
const MAX_LOOKBACK = 5_184_000;

const has = (body: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(body, key);

/**
 * DRF TimeField (ISO 8601 input, django parse_time): `hh:mm[:ss[.uuuuuu]]` with valid ranges. Field
 * level only; update() then insists on `%H:%M:%S` (API.md §12).
 */
function isDrfTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,]\d{1,6}\d{0,6})?)?$/.exec(value);
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60 && (m[3] === undefined || Number(m[3]) < 60);
}

/** Python `strptime(value, "%H:%M:%S")`: one or two digits each, nothing else. Returns `HH:MM:SS` or null. */
function strptimeHms(value: string): string | null {
  const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(value);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 61) return null;
  if (Number(m[3]) > 59) return null;
  return [m[1], m[2], m[3]].map((p) => p!.padStart(2, '0')).join(':');
}

/** Map a discovered label (Stripe `created_at`) to its real field and type — at create only (API.md §2.3 step 16, §12). */
export function resolveIncrementalField(schema: SchemaRow, field: string | null, type: string | null): { field: string | null; type: string | null } {
  const candidates = schema.discovered?.incremental_fields ?? [];
  const match = candidates.find((c) => c.field === field) ?? candidates.find((c) => c.label === field);
  if (match && field !== null) return { field: match.field, type: match.field_type };
  return { field, type };
}

const samePk = (a: string[] | null | undefined, b: string[] | null | undefined): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** DRF field-level validation of the request body (first error only). */
function validateFields(body: Record<string, unknown>): void {
  if (has(body, 'should_sync') && typeof body.should_sync !== 'boolean') throw fieldError('should_sync', 'invalid', 'Must be a valid boolean.');
  if (has(body, 'sync_type') && body.sync_type !== null && !SYNC_TYPES.includes(body.sync_type as SyncType)) throw invalidChoice('sync_type', body.sync_type);
  if (has(body, 'incremental_field_type') && body.incremental_field_type !== null && !INCREMENTAL_FIELD_TYPES.includes(String(body.incremental_field_type))) {
    throw invalidChoice('incremental_field_type', body.incremental_field_type);
  }
  if (has(body, 'incremental_field_lookback_seconds') && body.incremental_field_lookback_seconds !== null) {
    const v = body.incremental_field_lookback_seconds;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw fieldError('incremental_field_lookback_seconds', 'invalid', 'A valid integer is required.');
    if (v < 0) throw fieldError('incremental_field_lookback_seconds', 'min_value', 'Ensure this value is greater than or equal to 0.');
    if (v > MAX_LOOKBACK) throw fieldError('incremental_field_lookback_seconds', 'max_value', `Ensure this value is less than or equal to ${MAX_LOOKBACK}.`);
  }
  // allow_null: `sync_frequency: null` passes here and is ignored by update() (API.md §12).
  if (has(body, 'sync_frequency') && body.sync_frequency !== null && !SYNC_FREQUENCIES.includes(String(body.sync_frequency))) {
    throw fieldError('sync_frequency', 'invalid_choice', `"${String(body.sync_frequency)}" is not a valid sync frequency. The fastest sync frequency is 5 minutes.`);
  }
  if (has(body, 'sync_time_of_day') && body.sync_time_of_day !== null && !isDrfTime(body.sync_time_of_day)) {
    throw fieldError('sync_time_of_day', 'invalid_input', 'Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].');
  }
  if (has(body, 'primary_key_columns') && body.primary_key_columns !== null) {
    const pk = body.primary_key_columns;
    if (!Array.isArray(pk)) throw fieldError('primary_key_columns', 'not_a_list', `Expected a list of items but got type "${typeof pk}".`);
    if (pk.some((c) => typeof c !== 'string')) throw fieldError('primary_key_columns', 'invalid', 'Not a valid string.');
  }
  if (has(body, 'cdc_table_mode') && body.cdc_table_mode !== null && !CDC_TABLE_MODES.includes(String(body.cdc_table_mode))) {
    throw invalidChoice('cdc_table_mode', body.cdc_table_mode);
  }
}

/** Throws the first refusal as PostHog orders them; returns a function that applies the update. */
export function prepareSchemaUpdate(ctx: Context, source: SourceRow, schema: SchemaRow, body: Record<string, unknown>): () => Promise<void> {
  validateFields(body);
  const requestedType = has(body, 'sync_type') ? (body.sync_type as SyncType | null) : undefined;
  // `sync_type = data.get("sync_type")`: null whether absent or null.
  const syncType = requestedType ?? null;
  const resultingType = requestedType === undefined ? schema.syncType : requestedType;
  const shouldSync = has(body, 'should_sync') ? (body.should_sync as boolean) : null;

  if (has(body, 'enabled_columns') && body.enabled_columns !== null) {
    if (wizard()[source.sourceType]?.supportsColumnSelection !== true) throw invalidInput('Column selection is not supported for this source type.');
    const known = new Set((schema.discovered?.available_columns ?? []).map((c) => c.field));
    const unknown = (body.enabled_columns as string[]).filter((c) => !known.has(c)).sort();
    if (known.size > 0 && unknown.length > 0) {
      throw invalidInput(`Unknown columns in enabled_columns: [${unknown.map((c) => `'${c}'`).join(', ')}]. Run \`Pull new schemas\` to refresh available columns.`);
    }
  }
  if (has(body, 'row_filters') && body.row_filters !== null) {
    if (!supportsRowFilters(source.sourceType)) throw invalidInput('Row filters are not supported for this source type.');
    if (resultingType === 'cdc') {
      throw invalidInput('Row filters are not supported for CDC schemas — change-stream rows are replicated without these predicates, so filtered rows would still sync.');
    }
  }
  if (syncType === 'cdc' && !ctx.options.cdcEnabledForTeam) throw invalidInput('CDC is not enabled for this team');
  if (syncType === 'xmin') {
    if (source.sourceType !== 'Postgres') throw invalidInput('xmin replication is only available for Postgres sources.');
    if (!schema.discovered?.xmin_available) {
      throw invalidInput(`xmin replication is not available for table '${schema.name}'. It requires a Postgres heap table or materialized view on PostgreSQL 13+.`);
    }
  }
  // Only when the request names a non-webhook sync type (null included).
  if (requestedType !== undefined && requestedType !== 'webhook' && schema.discovered?.webhook_only) {
    throw invalidInput(`${schema.name} can only be synced via webhooks — pick the Webhook sync method.`);
  }

  if (requestedType === undefined && !(resultingType && INCREMENTAL_STYLE.has(resultingType))) {
    const fields = ['incremental_field', 'incremental_field_type', 'incremental_field_lookback_seconds', 'primary_key_columns'].filter(
      (f) => has(body, f) && body[f] !== null,
    );
    if (fields.length > 0) {
      throw invalidInput(
        `${fields.join(', ')} cannot be applied to a schema with sync type ${resultingType ?? 'not set'} on its own. Include sync_type in the same request to change the sync type.`,
      );
    }
  }

  // The key: the incremental-style branch writes it; CDC/xmin need one (given or stored, no discovery);
  // full_refresh never writes it (API.md §12).
  const requestedPk = has(body, 'primary_key_columns') ? ((body.primary_key_columns as string[] | null) ?? null) : undefined;
  const synced = schema.table !== null;
  let nextPk = schema.primaryKeyColumns;
  let nextTableMode = schema.cdcTableMode;
  if (resultingType && INCREMENTAL_STYLE.has(resultingType)) {
    if (requestedPk !== undefined) {
      if (resultingType === 'incremental' && schema.primaryKeyColumns?.length && !samePk(requestedPk, schema.primaryKeyColumns) && synced) {
        throw invalidInput('Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key.');
      }
      nextPk = requestedPk;
    }
  } else if (syncType === 'cdc' || syncType === 'xmin') {
    const label = syncType === 'cdc' ? 'CDC' : 'xmin replication';
    if (requestedPk?.length) {
      // Only an established (stored) key is locked once data synced: a table created as full_refresh has none,
      // and API.md §12 has the client send the detected key for exactly that switch.
      if (schema.primaryKeyColumns?.length && !samePk(requestedPk, schema.primaryKeyColumns) && synced) {
        throw invalidInput('Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key.');
      }
      nextPk = requestedPk;
    } else if (!schema.primaryKeyColumns?.length) {
      throw invalidInput(`${label} requires a primary key on table '${schema.name}'. Provide primary_key_columns or refresh schema discovery to pick one up.`);
    }
    if (syncType === 'cdc' && typeof body.cdc_table_mode === 'string') nextTableMode = body.cdc_table_mode;
  } else if (schema.syncType === 'cdc' && typeof body.cdc_table_mode === 'string') {
    nextTableMode = body.cdc_table_mode;
  }

  let nextTime = schema.syncTimeOfDay;
  if (has(body, 'sync_time_of_day')) {
    if (body.sync_time_of_day === null) nextTime = null;
    else {
      const parsed = strptimeHms(String(body.sync_time_of_day));
      if (parsed === null) throw invalidInput('Invalid sync time of day');
      nextTime = parsed;
    }
  }

  if (shouldSync === true && syncType === null && schema.syncType === null) throw invalidInput('Sync type must be set up first before enabling schema');
  if (shouldSync === true && !schema.shouldSync && (syncType ?? schema.syncType) === 'cdc' && !nextPk?.length) {
    throw invalidInput(`CDC requires a primary key on table '${schema.name}'. Add a primary key on the source table and retry.`);
  }

  if (syncType === 'webhook') {
    const refusal = webhookStepRefusal(ctx, source, schema);
    if (refusal) throw refusal;
  }

  return async () => {
    const wasSyncing = schema.shouldSync;
    const previousType = schema.syncType;
    if (requestedType !== undefined) schema.syncType = requestedType;
    if (shouldSync !== null) schema.shouldSync = shouldSync;
    if (resultingType && INCREMENTAL_STYLE.has(resultingType)) {
      const webhookTarget = resultingType === 'webhook';
      // Labels are NOT rewritten to fields on PATCH (API.md §12); a webhook null is "not applicable".
      if (has(body, 'incremental_field') && !(webhookTarget && body.incremental_field === null)) schema.incrementalField = (body.incremental_field as string | null) ?? null;
      if (has(body, 'incremental_field_type') && !(webhookTarget && body.incremental_field_type === null)) {
        schema.incrementalFieldType = (body.incremental_field_type as string | null) ?? null;
      }
      if (resultingType === 'incremental' && has(body, 'incremental_field_lookback_seconds')) {
        schema.incrementalFieldLookbackSeconds = (body.incremental_field_lookback_seconds as number | null) ?? null;
      }
    }
    schema.primaryKeyColumns = nextPk;
    if (syncType === 'cdc' && schema.cdcMode === null) schema.cdcMode = 'snapshot';
    schema.cdcTableMode = nextTableMode;
    // `if sync_frequency:` — null (and absent) leave the stored interval alone.
    if (typeof body.sync_frequency === 'string') schema.syncFrequency = body.sync_frequency === 'never' ? null : body.sync_frequency;
    schema.syncTimeOfDay = nextTime;
    if (has(body, 'enabled_columns')) schema.enabledColumns = body.enabled_columns as string[] | null;
    if (has(body, 'row_filters')) schema.rowFilters = body.row_filters as unknown[] | null;

    // CDC publication membership (serializer _handle_cdc_publication_change): PostHog-managed CDC only.
    // A source without CDC enabled has no publication, so the table is in nothing that streams.
    const isCdc = syncType === 'cdc' || (syncType === null && previousType === 'cdc');
    const publication = source.jobInputs.cdc_publication_name;
    const driver = ctx.drivers.get(source.sourceType);
    if (isCdc && cdcEnabledOn(source) && source.jobInputs.cdc_management_mode === 'posthog' && typeof publication === 'string' && driver?.alterPublication) {
      const newlyCdc = syncType === 'cdc' && previousType !== 'cdc';
      if (newlyCdc || (shouldSync === true && !wasSyncing)) await driver.alterPublication(source.jobInputs, publication, schema.name, true);
      else if (shouldSync === false && wasSyncing) await driver.alterPublication(source.jobInputs, publication, schema.name, false);
    }

    if (syncType === 'webhook') runWebhookStep(ctx, source, schema);
    // Enabling a table schedules it and starts its first sync (API.md §6 schema status).
    if (!wasSyncing && schema.shouldSync) ctx.sync.start(schema);
  };
}

/** Run validation and apply; errors are HttpReply refusals. */
export async function updateSchema(ctx: Context, source: SourceRow, schema: SchemaRow, body: Record<string, unknown>): Promise<void> {
  await prepareSchemaUpdate(ctx, source, schema, body)();
}
