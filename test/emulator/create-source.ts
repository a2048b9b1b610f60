/** `POST external_data_sources/`: PostHog's create flow, step by step in its order (API.md §2.3). */
import type { Context } from './context.js';
import { checkCredentials, discoverTables, driverFor, validateConfigOrThrow } from './discovery.js';
import type { DiscoveredTable, SourceDriver } from './drivers/types.js';
import { fieldError, HttpReply, invalidChoice, invalidInput, message, requiredField } from './responses.js';
import { resolveIncrementalField } from './schema-updates.js';
import { secretRefMessage, stripStrings, unresolvedSecretRefs, wizard } from './source-config.js';
import { type SchemaRow, type SourceRow, SYNC_TYPES, type SyncType } from './state.js';

const DIRECT_QUERY_TYPES = ['Postgres', 'MySQL', 'Snowflake', 'Redshift', 'ClickHouse', 'MotherDuck', 'Trino'];
const MAX_LOOKBACK = 5_184_000;

interface SchemaRequest {
  name: string;
  should_sync?: boolean;
  sync_type?: string | null;
  incremental_field?: string | null;
  incremental_field_type?: string | null;
  primary_key_columns?: string[] | null;
  sync_time_of_day?: string | null;
  enabled_columns?: string[] | null;
  row_filters?: unknown[] | null;
  cdc_table_mode?: string | null;
  incremental_field_lookback_seconds?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `validate_source_prefix` (models/util.py): raised ValidationErrors, so hog bodies with attr null. */
function validatePrefix(prefix: string | null): void {
  if (!prefix) return;
  const stripped = prefix.replace(/^_+|_+$/g, '');
  if (stripped === '') throw invalidInput('Prefix cannot consist of only underscores');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(stripped)) {
    throw invalidInput('Prefix must contain only letters, numbers, and underscores, and start with a letter or underscore');
  }
}

/** Per project and source type, non-deleted, exact match; newest texts (API.md §2.3 step 4). */
function checkPrefixUnique(ctx: Context, sourceType: string, prefix: string | null): void {
  const sameType = ctx.state.liveSources().filter((s) => s.sourceType === sourceType);
  if (!prefix) {
    if (sameType.some((s) => !s.prefix)) {
      throw message("You already have a source of this type. Add a table prefix so this connection's tables don't clash with your existing source.");
    }
  } else if (sameType.some((s) => s.prefix === prefix)) {
    throw message(`Another source of this type already uses the prefix '${prefix}'. Choose a different prefix so this connection's tables don't clash.`);
  }
}

/** The serializer's field checks, first error only (DRF field order). */
function parseRequest(body: Record<string, unknown>): { sourceType: string; payload: Record<string, unknown>; prefix: string | null; description: string | null; accessMethod: 'warehouse' | 'direct'; createdVia: string } {
  const sourceType = body.source_type;
  if (sourceType === undefined || sourceType === null) throw requiredField('source_type');
  if (typeof sourceType !== 'string' || !wizard()[sourceType]) throw invalidChoice('source_type', sourceType);
  const payload = body.payload;
  if (payload === undefined || payload === null) throw requiredField('payload');
  if (!isObject(payload)) throw fieldError('payload', 'not_a_dict', `Expected a dictionary of items but got type "${Array.isArray(payload) ? 'list' : typeof payload}".`);
  const prefix = body.prefix ?? null;
  if (prefix !== null && typeof prefix !== 'string') throw fieldError('prefix', 'invalid', 'Not a valid string.');
  if (typeof prefix === 'string' && prefix.length > 100) throw fieldError('prefix', 'max_length', 'Ensure this field has no more than 100 characters.');
  const description = body.description ?? null;
  if (typeof description === 'string' && description.length > 400) throw fieldError('description', 'max_length', 'Ensure this field has no more than 400 characters.');
  const accessMethod = body.access_method ?? 'warehouse';
  if (accessMethod !== 'warehouse' && accessMethod !== 'direct') throw invalidChoice('access_method', accessMethod);
  const createdVia = body.created_via ?? 'api';
  if (!['web', 'api', 'mcp'].includes(String(createdVia))) throw invalidChoice('created_via', createdVia);
  return { sourceType, payload, prefix: prefix || null, description: (description as string | null) || null, accessMethod, createdVia: String(createdVia) };
}

/** build_default_schemas (newest): every table on with the best available sync type, except tables that can't be. */
function defaultSchemas(tables: DiscoveredTable[]): SchemaRequest[] {
  return tables.map((t) => {
    const enabled = !t.webhook_only && t.should_sync_default && t.permission_error === null;
    const field = t.incremental_fields[0];
    const syncType = t.incremental_available && field ? 'incremental' : t.append_available && field ? 'append' : 'full_refresh';
    return {
      name: t.table,
      should_sync: enabled,
      sync_type: enabled ? syncType : null,
      incremental_field: syncType === 'full_refresh' ? null : (field?.field ?? null),
      incremental_field_type: syncType === 'full_refresh' ? null : (field?.field_type ?? null),
      primary_key_columns: t.detected_primary_keys,
    };
  });
}

/** Steps 11–16: validate the requested schemas against discovery. Throws PostHog's messages. */
async function validateSchemas(
  ctx: Context,
  driver: SourceDriver,
  sourceType: string,
  config: Record<string, unknown>,
  requested: SchemaRequest[],
  tables: Map<string, DiscoveredTable>,
): Promise<Record<string, string[]>> {
  if (requested.some((s) => !isObject(s) || typeof s.name !== 'string' || !tables.has(s.name))) throw message('Schemas given do not exist in source');
  for (const s of requested) {
    if (s.sync_type != null && !SYNC_TYPES.includes(s.sync_type as SyncType)) {
      throw message(`Unknown sync type: ${s.sync_type}. Use one of: ${SYNC_TYPES.join(', ')}.`);
    }
  }
  const cdcRequested = requested.filter((s) => s.sync_type === 'cdc' && s.should_sync === true).map((s) => s.name);
  let primaryKeys: Record<string, string[]> = {};
  if (cdcRequested.length > 0) {
    const cdcOn = config.cdc_enabled === true && sourceType === 'Postgres' && ctx.options.cdcEnabledForTeam && driver.primaryKeys;
    if (!cdcOn) {
      throw message(`CDC must be enabled on the source before selecting it as a sync type. The following schemas requested CDC: ${cdcRequested.join(', ')}.`);
    }
    try {
      primaryKeys = await driver.primaryKeys!(config, cdcRequested);
    } catch (error) {
      throw message((error as Error).message);
    }
    const missing = cdcRequested.filter((name) => !(primaryKeys[name]?.length));
    if (missing.length > 0) throw message(`CDC requires a primary key on each table. The following tables have no primary key: ${missing.join(', ')}.`);
  }
  for (const s of requested) {
    if (s.should_sync !== true || (s.sync_type !== 'incremental' && s.sync_type !== 'append')) continue;
    if (!s.incremental_field) throw message('Incremental schemas given do not have an incremental field set');
    if (!s.incremental_field_type) throw message('Incremental schemas given do not have an incremental field type set');
    // The missing-key check is incremental-only (append never merges); an `id` column in any case counts (API.md §12).
    const table = tables.get(s.name)!;
    const hasColumns = table.available_columns.length > 0;
    const hasPk =
      (s.primary_key_columns?.length ?? 0) > 0 || (table.detected_primary_keys?.length ?? 0) > 0 || table.available_columns.some((c) => c.field.toLowerCase() === 'id');
    if (s.sync_type === 'incremental' && hasColumns && !hasPk) {
      throw message(`Table '${s.name}' has no primary key to sync incrementally on. Choose a primary key for it, or switch it to full table replication.`);
    }
    const lookback = s.incremental_field_lookback_seconds;
    if (lookback !== undefined && lookback !== null && !(typeof lookback === 'number' && Number.isInteger(lookback) && lookback >= 0 && lookback <= MAX_LOOKBACK)) {
      throw message(`incremental_field_lookback_seconds must be an integer between 0 and ${MAX_LOOKBACK} (60 days) for schema '${s.name}'.`);
    }
  }
  return primaryKeys;
}

function buildSchemaRow(ctx: Context, source: SourceRow, s: SchemaRequest, table: DiscoveredTable, primaryKeys: Record<string, string[]>): SchemaRow {
  const shouldSync = s.should_sync === true;
  const requestedType = (s.sync_type ?? null) as SyncType | null;
  // CDC tables that are not being enabled are stored without a sync type (step 17).
  const syncType = requestedType === 'cdc' && !shouldSync ? null : requestedType;
  const incrementalStyle = syncType === 'incremental' || syncType === 'append';
  const schema: SchemaRow = {
    id: ctx.state.newId(),
    sourceId: source.id,
    name: s.name,
    label: table.label,
    shouldSync,
    syncType,
    incrementalField: null,
    incrementalFieldType: null,
    incrementalFieldLookbackSeconds: incrementalStyle && typeof s.incremental_field_lookback_seconds === 'number' ? s.incremental_field_lookback_seconds : null,
    // No sync_frequency is read at create: always 6 hours, CDC 5 minutes (step 17).
    syncFrequency: syncType === 'cdc' ? '5min' : '6hour',
    syncTimeOfDay: s.sync_time_of_day ?? null,
    primaryKeyColumns: null,
    cdcTableMode: syncType === 'cdc' ? (s.cdc_table_mode ?? 'consolidated') : null,
    enabledColumns: s.enabled_columns ?? null,
    rowFilters: s.row_filters ?? null,
    status: null,
    lastSyncedAt: null,
    latestError: null,
    table: null,
    discovered: table,
    cdcMode: syncType === 'cdc' ? 'snapshot' : null,
    createdAt: ctx.state.now(),
    deleted: false,
  };
  // Keys are stored only where PostHog uses them (step 17, API.md §12): incremental/append keep the
  // given key, else the detected one; CDC takes the keys read from the database (a given one is not
  // used); full_refresh, xmin and webhook store none.
  if (incrementalStyle) {
    const resolved = resolveIncrementalField(schema, s.incremental_field ?? null, s.incremental_field_type ?? null);
    schema.incrementalField = resolved.field;
    schema.incrementalFieldType = resolved.type;
    schema.primaryKeyColumns = s.primary_key_columns?.length ? s.primary_key_columns : table.detected_primary_keys;
  } else if (syncType === 'cdc') {
    schema.primaryKeyColumns = primaryKeys[s.name] ?? null;
  }
  return schema;
}

export async function createSource(ctx: Context, body: Record<string, unknown>): Promise<HttpReply> {
  const request = parseRequest(body);
  const refs = unresolvedSecretRefs(request.payload);
  if (refs.length > 0) throw message(secretRefMessage(refs));
  if (request.accessMethod === 'direct') {
    if (!DIRECT_QUERY_TYPES.includes(request.sourceType)) {
      throw message('Direct query mode is currently supported only for Postgres, MySQL, Snowflake, Redshift, ClickHouse, MotherDuck, and Trino sources.');
    }
    if (!request.prefix) throw message('Name is required for direct query sources');
  } else {
    validatePrefix(request.prefix);
    checkPrefixUnique(ctx, request.sourceType, request.prefix);
  }
  const { schemas: requestedSchemas, ...rawConfig } = request.payload;
  const config = stripStrings(rawConfig);
  const driver = driverFor(ctx, request.sourceType);
  validateConfigOrThrow(request.sourceType, config);
  await checkCredentials(driver, config);

  // Step 9: the row exists from here on; every later failure deletes it again.
  const source: SourceRow = {
    id: ctx.state.newId(),
    createdAt: ctx.state.now(),
    createdVia: request.createdVia,
    sourceType: request.sourceType,
    prefix: request.prefix,
    description: request.description,
    accessMethod: request.accessMethod,
    jobInputs: config,
    status: 'Running',
    apiVersion: wizard()[request.sourceType]?.defaultVersion ?? null,
    hogFunction: null,
    endpoints: [],
    deleted: false,
  };
  ctx.state.sources.set(source.id, source);
  try {
    const discovered = await discoverTables(ctx, driver, config);
    const tables = new Map(discovered.map((t) => [t.table, t]));
    if (requestedSchemas !== undefined && requestedSchemas !== null && !Array.isArray(requestedSchemas)) {
      throw message("The 'schemas' field must be a list of the tables to sync.");
    }
    const requested = Array.isArray(requestedSchemas) && requestedSchemas.length > 0 ? (requestedSchemas as SchemaRequest[]) : defaultSchemas(discovered);
    const primaryKeys = await validateSchemas(ctx, driver, request.sourceType, config, requested, tables);
    const rows = requested.map((s) => buildSchemaRow(ctx, source, s, tables.get(s.name)!, primaryKeys));
    for (const row of rows) ctx.state.schemas.set(row.id, row);
    for (const row of rows) if (row.shouldSync) ctx.sync.start(row);
  } catch (error) {
    ctx.state.sources.delete(source.id);
    throw error;
  }
  return new HttpReply(201, { id: source.id });
}
