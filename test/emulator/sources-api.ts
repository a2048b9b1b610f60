/** `external_data_sources` routes (API.md §2): one handler per action, dispatched by `handleSources`. */
import type { Context, RequestInfo } from './context.js';
import { cdcActions } from './cdc-api.js';
import { createSource } from './create-source.js';
import { checkCredentials, discoverTables, driverFor, INVALID_CREDENTIALS_FALLBACK, validateConfigOrThrow } from './discovery.js';
import { DriverError } from './drivers/types.js';
import { HttpReply, hog, invalidInput, message, methodNotAllowed, notFound, requiredField } from './responses.js';
import { prepareSchemaUpdate } from './schema-updates.js';
import { paginate, serializeSource, fullSchema } from './serializers.js';
import { configErrors, invalidConfigMessage, mergeJobInputs, secretRefMessage, unresolvedSecretRefs, wizard } from './source-config.js';
import type { SchemaRow, SourceRow } from './state.js';
import { createWebhook, deleteWebhook, updateWebhookInputs, webhookInfo } from './webhooks.js';

const ok = (body: unknown, status = 200, headers: Record<string, string> = {}) => new HttpReply(status, body, headers);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bodyObject = (req: RequestInfo): Record<string, unknown> => (isObject(req.body) ? req.body : {});

/** Scope needed per action (API.md §1 "Auth"): read actions by name, everything else that isn't a GET needs write. */
export function sourceActionScope(method: string, segments: string[], bulkUpdateScope: 'none' | 'write' = 'write'): 'read' | 'write' | 'none' {
  const action = segments.length === 2 ? segments[1] : segments.length === 3 ? segments[2] : undefined;
  if (segments.length === 3 && action === 'bulk_update_schemas' && bulkUpdateScope === 'none') return 'none';
  const reads = new Set(['wizard', 'jobs', 'connect_link', 'stored_credentials', 'webhook_info', 'cdc_status', 'direct_connection_options', 'connections']);
  if (action && reads.has(action)) return 'read';
  if (!action || segments.length === 2) return method === 'GET' ? 'read' : 'write';
  return 'write';
}

export function findSource(ctx: Context, id: string | undefined): SourceRow {
  const source = id ? ctx.state.sources.get(id) : undefined;
  if (!source || source.deleted) throw notFound();
  return source;
}

function wizardAction(req: RequestInfo): HttpReply {
  const all = wizard();
  const filter = req.query.get('source_type');
  let result: Record<string, unknown> = all;
  if (filter) {
    const wanted = filter.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((t) => !all[t]).sort();
    if (unknown.length > 0) throw message(`Unknown source_type(s): ${unknown.join(', ')}. Omit source_type to list every available type.`);
    result = Object.fromEntries(wanted.map((t) => [t, all[t]]));
  }
  return ok(result, 200, { 'Cache-Control': 'private, max-age=600' });
}

async function databaseSchemaAction(ctx: Context, req: RequestInfo): Promise<HttpReply> {
  const { source_type: sourceType, access_method: _accessMethod, ...config } = bodyObject(req);
  if (sourceType === undefined || sourceType === null || sourceType === '') throw message('Missing required parameter: source_type');
  const refs = unresolvedSecretRefs(config);
  if (refs.length > 0) throw message(secretRefMessage(refs));
  const driver = driverFor(ctx, String(sourceType));
  validateConfigOrThrow(String(sourceType), config);
  await checkCredentials(driver, config);
  return ok(await discoverTables(ctx, driver, config));
}

function listAction(ctx: Context, req: RequestInfo): HttpReply {
  const search = req.query.get('search')?.toLowerCase();
  const sources = ctx.state
    .liveSources()
    .filter((s) => !search || s.sourceType.toLowerCase().includes(search) || (s.prefix ?? '').toLowerCase().includes(search))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const page = paginate(sources, req.url, ctx.baseUrl);
  return ok({ ...page, results: page.results.map((s) => serializeSource(ctx, s, 'list')) });
}

async function patchAction(ctx: Context, source: SourceRow, req: RequestInfo): Promise<HttpReply> {
  const body = bodyObject(req);
  if ('access_method' in body && body.access_method !== null && body.access_method !== source.accessMethod) {
    throw invalidInput('Access method cannot be changed. Create a new source instead.');
  }
  if ('description' in body && typeof body.description === 'string' && body.description.length > 400) {
    throw hog(400, 'validation_error', 'max_length', 'Ensure this field has no more than 400 characters.', 'description');
  }
  if ('job_inputs' in body && body.job_inputs !== null && !isObject(body.job_inputs)) {
    throw hog(400, 'validation_error', 'invalid', 'Value must be valid JSON.', 'job_inputs');
  }
  let merged: Record<string, unknown> | null = null;
  if (isObject(body.job_inputs)) {
    const incoming = body.job_inputs;
    const refs = unresolvedSecretRefs(incoming);
    if (refs.length > 0) throw message(secretRefMessage(refs));
    try {
      merged = mergeJobInputs(source.sourceType, source.jobInputs, incoming);
    } catch (error) {
      throw invalidInput((error as Error).message);
    }
    const errors = configErrors(source.sourceType, merged);
    if (errors.length > 0) throw invalidInput(invalidConfigMessage(errors));
    // Credentials are re-validated (a real connection for Postgres) only when the parsed config changed.
    if (JSON.stringify(connectionConfig(merged)) !== JSON.stringify(connectionConfig(source.jobInputs))) {
      const driver = ctx.drivers.get(source.sourceType);
      if (driver) {
        try {
          await driver.validateCredentials(merged);
        } catch (error) {
          throw invalidInput(error instanceof DriverError && error.message ? error.message : INVALID_CREDENTIALS_FALLBACK);
        }
      }
    }
  }
  // `prefix` (warehouse sources), `source_type`, `status`, `schemas`, `created_via` are silently ignored (API.md §2.5).
  if ('description' in body) source.description = (body.description as string | null) ?? null;
  if (merged) source.jobInputs = merged;
  return ok(serializeSource(ctx, source, 'full'));
}

/** The config as the source parses it, keys sorted, CDC keys aside (they never change through PATCH). */
function connectionConfig(jobInputs: Record<string, unknown>): Record<string, unknown> {
  const sorted = (v: unknown): unknown =>
    isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
  return sorted(Object.fromEntries(Object.entries(jobInputs).filter(([k]) => !k.startsWith('cdc_')))) as Record<string, unknown>;
}

function destroyAction(ctx: Context, source: SourceRow): HttpReply {
  source.deleted = true;
  for (const schema of ctx.state.liveSchemasOf(source.id)) {
    ctx.sync.stop(schema.id);
    schema.deleted = true;
  }
  // Best-effort webhook cleanup (API.md §2.6).
  for (const endpoint of source.endpoints) endpoint.deleted = true;
  source.hogFunction = null;
  return ok(undefined, 204);
}

function reloadAction(ctx: Context, source: SourceRow): HttpReply {
  source.status = 'Running';
  for (const schema of ctx.state.liveSchemasOf(source.id)) if (schema.shouldSync) ctx.sync.start(schema);
  return ok(undefined);
}

async function refreshSchemasAction(ctx: Context, source: SourceRow): Promise<HttpReply> {
  if (Object.keys(source.jobInputs).length === 0) throw message('Source has no configuration.');
  const driver = driverFor(ctx, source.sourceType);
  const discovered = await discoverTables(ctx, driver, source.jobInputs);
  const existing = new Map(ctx.state.liveSchemasOf(source.id).map((s) => [s.name, s]));
  let added = 0;
  let deleted = 0;
  for (const table of discovered) {
    const schema = existing.get(table.table);
    if (schema) {
      schema.discovered = table;
      // [inferred from "refresh schema discovery to pick one up" (API.md §12)] reconciling SQL schema
      // metadata stores the detected key where none is stored yet, which is what CDC/xmin switches read.
      if (!schema.primaryKeyColumns?.length && table.detected_primary_keys?.length) schema.primaryKeyColumns = table.detected_primary_keys;
      continue;
    }
    const row: SchemaRow = {
      id: ctx.state.newId(), sourceId: source.id, name: table.table, label: table.label, shouldSync: false, syncType: null,
      incrementalField: null, incrementalFieldType: null, incrementalFieldLookbackSeconds: null, syncFrequency: '6hour',
      syncTimeOfDay: null, primaryKeyColumns: null, cdcTableMode: null, enabledColumns: null, rowFilters: null, status: null,
      lastSyncedAt: null, latestError: null, table: null, discovered: table, cdcMode: null, createdAt: ctx.state.now(), deleted: false,
    };
    ctx.state.schemas.set(row.id, row);
    added += 1;
  }
  const seen = new Set(discovered.map((t) => t.table));
  for (const schema of existing.values()) {
    if (seen.has(schema.name)) continue;
    // Gone upstream: deleted if never synced, else kept but switched off (API.md §2.8).
    if (schema.lastSyncedAt === null) {
      schema.deleted = true;
      deleted += 1;
    } else {
      schema.shouldSync = false;
      schema.status = 'Completed';
    }
  }
  return ok({ added, deleted, auto_enabled: 0, total_tables_seen: discovered.length });
}

async function bulkUpdateAction(ctx: Context, source: SourceRow, req: RequestInfo): Promise<HttpReply> {
  const updates = bodyObject(req).schemas;
  if (updates === undefined || updates === null) throw requiredField('schemas');
  if (!Array.isArray(updates)) throw hog(400, 'validation_error', 'not_a_list', `Expected a list of items but got type "${typeof updates}".`, 'schemas');
  if (updates.length === 0) throw hog(400, 'validation_error', 'empty', 'This list may not be empty.', 'schemas');
  const ids = updates.map((u) => (isObject(u) ? String(u.id ?? '') : ''));
  if (new Set(ids).size !== ids.length) throw invalidInput('Schema updates must contain unique ids', 'schemas');
  const schemas = ids.map((id) => ctx.state.schemas.get(id));
  if (schemas.some((s) => !s || s.deleted || s.sourceId !== source.id)) throw invalidInput('One or more schemas could not be found for this source', 'schemas');
  const failures: string[] = [];
  for (const [index, update] of updates.entries()) {
    const schema = schemas[index]!;
    const { id: _id, apply_sync_defaults: _defaults, full_refresh_interval_days: _days, ...patch } = update as Record<string, unknown>;
    let apply: () => Promise<void>;
    try {
      apply = prepareSchemaUpdate(ctx, source, schema, patch);
    } catch (error) {
      if (!(error instanceof HttpReply)) throw error;
      const detail = (error.body as { detail?: string; message?: string }).detail ?? (error.body as { message?: string }).message;
      failures.push(`${schema.name} (${detail})`);
      continue;
    }
    await apply();
  }
  if (failures.length > 0) {
    throw hog(
      400,
      'server_error',
      'bulk_schema_save_failed',
      `These schemas in the batch could not be saved: ${failures.join('; ')}. Any other schemas in the batch were saved successfully — retry the ones listed here.`,
    );
  }
  return ok(schemas.map((s) => fullSchema(s!, source)));
}

async function checkCdcAction(ctx: Context, req: RequestInfo): Promise<HttpReply> {
  const { source_type: sourceType, cdc_management_mode: mode, tables, cdc_slot_name: slot, cdc_publication_name: publication, ...config } = bodyObject(req);
  if (sourceType !== 'Postgres') throw message('CDC prerequisite checks are only supported for CDC enabled sources.');
  const errors = configErrors('Postgres', config);
  if (errors.length > 0) throw message(invalidConfigMessage(errors));
  const managementMode = mode ?? 'posthog';
  if (managementMode !== 'posthog' && managementMode !== 'self_managed') throw message("cdc_management_mode must be 'posthog' or 'self_managed'.");
  const driver = ctx.drivers.get('Postgres');
  if (!driver?.checkCdcPrerequisites) throw message('CDC prerequisite checks are not supported for source type: Postgres');
  try {
    const result = await driver.checkCdcPrerequisites(config, {
      managementMode,
      tables: Array.isArray(tables) ? tables.map(String) : [],
      slotName: typeof slot === 'string' && slot ? slot : null,
      publicationName: typeof publication === 'string' && publication ? publication : null,
    });
    return ok({ valid: result.errors.length === 0, errors: result.errors });
  } catch (error) {
    if (error instanceof DriverError) throw message(error.message);
    throw message(`Could not connect to Postgres to check prerequisites: ${(error as Error).message}`);
  }
}

/**
 * `GET {id}/jobs/` (API.md §2.12): the newest 50 jobs, plain array; `after`/`before` bound created_at,
 * repeated `schemas` keep those table names.
 */
function jobsAction(ctx: Context, source: SourceRow, req: RequestInfo): HttpReply {
  const after = req.query.get('after');
  const before = req.query.get('before');
  const names = req.query.getAll('schemas');
  const jobs = ctx.state.jobs
    .filter((j) => j.sourceId === source.id)
    .filter((j) => !after || Date.parse(j.createdAt) > Date.parse(after))
    .filter((j) => !before || Date.parse(j.createdAt) < Date.parse(before))
    .map((j) => ({ job: j, schema: ctx.state.schemas.get(j.schemaId)! }))
    .filter(({ schema }) => names.length === 0 || names.includes(schema.name))
    .sort((a, b) => b.job.createdAt.localeCompare(a.job.createdAt))
    .slice(0, 50);
  return ok(
    jobs.map(({ job, schema }) => ({
      id: job.id,
      created_at: job.createdAt,
      created_by: null,
      finished_at: job.finishedAt,
      status: job.status,
      schema: { id: schema.id, name: schema.name, label: schema.label, should_sync: schema.shouldSync, last_synced_at: schema.lastSyncedAt, sync_type: schema.syncType },
      rows_synced: job.rowsSynced,
      latest_error: job.latestError,
      workflow_run_id: job.id,
      cdc_write_mode: null,
      billable: true,
      destination_ids: [],
    })),
  );
}

/** Route `external_data_sources/...` (segments[0] is the collection name). */
export async function handleSources(ctx: Context, req: RequestInfo): Promise<HttpReply> {
  const [, first, action, ...rest] = req.segments;
  const m = req.method;
  if (rest.length > 0) throw notFound();
  if (first === undefined) {
    if (m === 'GET') return listAction(ctx, req);
    if (m === 'POST') return createSource(ctx, bodyObject(req));
    throw methodNotAllowed(m);
  }
  // Collection-level actions (detail=False).
  const collectionActions: Record<string, { method: string; run: () => HttpReply | Promise<HttpReply> }> = {
    wizard: { method: 'GET', run: () => wizardAction(req) },
    database_schema: { method: 'POST', run: () => databaseSchemaAction(ctx, req) },
    check_cdc_prerequisites: { method: 'POST', run: () => checkCdcAction(ctx, req) },
  };
  if (action === undefined && collectionActions[first]) {
    const entry = collectionActions[first]!;
    if (m !== entry.method) throw methodNotAllowed(m);
    return entry.run();
  }
  const source = findSource(ctx, first);
  if (action === undefined) {
    if (m === 'GET') return ok(serializeSource(ctx, source, 'full'));
    if (m === 'PATCH') return patchAction(ctx, source, req);
    if (m === 'DELETE') return destroyAction(ctx, source);
    throw methodNotAllowed(m);
  }
  const detailActions: Record<string, { method: string; run: () => HttpReply | Promise<HttpReply> }> = {
    reload: { method: 'POST', run: () => reloadAction(ctx, source) },
    refresh_schemas: { method: 'POST', run: () => refreshSchemasAction(ctx, source) },
    webhook_info: { method: 'GET', run: () => ok(webhookInfo(ctx, source)) },
    create_webhook: { method: 'POST', run: () => ok(createWebhook(ctx, source, bodyObject(req))) },
    update_webhook_inputs: { method: 'POST', run: () => ok(updateWebhookInputs(source, bodyObject(req))) },
    delete_webhook: { method: 'POST', run: () => ok(deleteWebhook(ctx, source)) },
    jobs: { method: 'GET', run: () => jobsAction(ctx, source, req) },
    ...cdcActions(ctx, source, req),
  };
  if (ctx.options.bulkUpdateSchemas) detailActions.bulk_update_schemas = { method: 'PATCH', run: () => bulkUpdateAction(ctx, source, req) };
  const entry = detailActions[action];
  if (!entry) throw notFound();
  if (m !== entry.method) throw methodNotAllowed(m);
  return entry.run();
}
