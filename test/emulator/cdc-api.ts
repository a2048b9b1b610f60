/**
 * CDC on an existing source (API.md §2.12, §12; PostHog's `change_data_capture.py` + the Postgres CDC
 * adapter): check_cdc_prerequisites_for_source, enable_cdc, disable_cdc, cdc_status. The slot and the
 * publication are created in, and read from, the REAL database behind the source's stored config.
 */
import type { Context, RequestInfo } from './context.js';
import { DriverError, type SourceDriver } from './drivers/types.js';
import { HttpReply, message } from './responses.js';
import type { SourceRow } from './state.js';
import { cdcEnabledOn } from './sync.js';

const ok = (body: unknown) => new HttpReply(200, body);
/** DEFAULT_LAG_WARNING_THRESHOLD_MB / DEFAULT_LAG_CRITICAL_THRESHOLD_MB (older code's defaults). */
const DEFAULT_LAG_WARNING_MB = 1024;
const DEFAULT_LAG_CRITICAL_MB = 10240;

const bodyOf = (req: RequestInfo): Record<string, unknown> =>
  typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};

/** get_cdc_adapter: only Postgres-based sources have one. */
function adapterFor(ctx: Context, source: SourceRow): SourceDriver {
  const driver = ctx.drivers.get(source.sourceType);
  if (source.sourceType !== 'Postgres' || !driver?.checkCdcPrerequisites) throw message(`CDC is not supported for source type: ${source.sourceType}`);
  return driver;
}

function managementMode(body: Record<string, unknown>): 'posthog' | 'self_managed' {
  const mode = body.cdc_management_mode ?? 'posthog';
  if (mode !== 'posthog' && mode !== 'self_managed') throw message("cdc_management_mode must be 'posthog' or 'self_managed'.");
  return mode;
}

const nameOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** adapter.validate_prerequisites with the stored credentials (tables: [], the schema hint is the stored schema). */
async function prerequisiteErrors(driver: SourceDriver, source: SourceRow, mode: 'posthog' | 'self_managed', body: Record<string, unknown>): Promise<string[]> {
  try {
    const result = await driver.checkCdcPrerequisites!(source.jobInputs, {
      managementMode: mode,
      tables: [],
      slotName: nameOrNull(body.cdc_slot_name),
      publicationName: nameOrNull(body.cdc_publication_name),
    });
    return result.errors;
  } catch (error) {
    const text = error instanceof DriverError ? error.message.replace(/^Could not connect to Postgres to check prerequisites: /, '') : String(error);
    throw message(`Could not connect to source to check prerequisites: ${text}`);
  }
}

async function checkForSource(ctx: Context, source: SourceRow, req: RequestInfo): Promise<HttpReply> {
  const driver = adapterFor(ctx, source);
  const body = bodyOf(req);
  const errors = await prerequisiteErrors(driver, source, managementMode(body), body);
  return ok({ valid: errors.length === 0, errors });
}

async function enableCdc(ctx: Context, source: SourceRow, req: RequestInfo): Promise<HttpReply> {
  const driver = adapterFor(ctx, source);
  if (!ctx.options.cdcEnabledForTeam) throw message('CDC is not enabled for this team.', 403);
  if (cdcEnabledOn(source)) throw message('CDC is already enabled on this source.', 409);
  const body = bodyOf(req);
  const mode = managementMode(body);
  const errors = await prerequisiteErrors(driver, source, mode, body);
  if (errors.length > 0) throw new HttpReply(400, { message: 'CDC prerequisites not met.', errors });
  const setup = await driver.setupCdcResources!(source.jobInputs, {
    sourceId: source.id,
    managementMode: mode,
    slotName: nameOrNull(body.cdc_slot_name),
    publicationName: nameOrNull(body.cdc_publication_name),
  });
  if ('error' in setup) throw message(setup.error);
  source.jobInputs = {
    ...source.jobInputs,
    cdc_enabled: true,
    cdc_auto_drop_slot: body.cdc_auto_drop_slot ?? true,
    cdc_lag_warning_threshold_mb: body.cdc_lag_warning_threshold_mb ?? DEFAULT_LAG_WARNING_MB,
    cdc_lag_critical_threshold_mb: body.cdc_lag_critical_threshold_mb ?? DEFAULT_LAG_CRITICAL_MB,
    ...setup.fields,
  };
  // No CDC schema exists yet, so the extraction schedule is (re)made when a table switches to CDC.
  return ok({ success: true, schedules_ready: true });
}

async function disableCdc(ctx: Context, source: SourceRow): Promise<HttpReply> {
  const driver = adapterFor(ctx, source);
  if (!cdcEnabledOn(source)) return ok({ success: true, already_disabled: true });
  const slot = source.jobInputs.cdc_slot_name;
  if (typeof slot === 'string' && driver.dropCdcResources) {
    await driver.dropCdcResources(source.jobInputs, String(source.jobInputs.cdc_management_mode ?? 'posthog'), slot, nameOrNull(source.jobInputs.cdc_publication_name));
  }
  // Every CDC table must pick a new strategy: sync_type null, syncing off.
  for (const schema of ctx.state.liveSchemasOf(source.id)) {
    if (schema.syncType !== 'cdc') continue;
    ctx.sync.stop(schema.id);
    schema.syncType = null;
    schema.shouldSync = false;
  }
  source.jobInputs = Object.fromEntries(Object.entries(source.jobInputs).filter(([k]) => !k.startsWith('cdc_')));
  return ok({ success: true });
}

async function cdcStatus(ctx: Context, source: SourceRow): Promise<HttpReply> {
  const driver = adapterFor(ctx, source);
  if (!cdcEnabledOn(source)) return ok({ enabled: false });
  const slot = nameOrNull(source.jobInputs.cdc_slot_name);
  const publication = nameOrNull(source.jobInputs.cdc_publication_name);
  let live;
  try {
    live = await driver.cdcStatus!(source.jobInputs, slot, publication);
  } catch (error) {
    throw message(`Could not connect to source to read CDC status: ${(error as Error).message}`);
  }
  return ok({
    enabled: true,
    management_mode: source.jobInputs.cdc_management_mode ?? 'posthog',
    slot_name: slot ?? '',
    publication_name: publication ?? '',
    lag_warning_threshold_mb: source.jobInputs.cdc_lag_warning_threshold_mb ?? DEFAULT_LAG_WARNING_MB,
    lag_critical_threshold_mb: source.jobInputs.cdc_lag_critical_threshold_mb ?? DEFAULT_LAG_CRITICAL_MB,
    schedule_paused: false,
    ...live,
  });
}

/** Detail actions keyed by name, with their HTTP method. */
export function cdcActions(ctx: Context, source: SourceRow, req: RequestInfo): Record<string, { method: string; run: () => Promise<HttpReply> }> {
  return {
    check_cdc_prerequisites_for_source: { method: 'POST', run: () => checkForSource(ctx, source, req) },
    enable_cdc: { method: 'POST', run: () => enableCdc(ctx, source, req) },
    disable_cdc: { method: 'POST', run: () => disableCdc(ctx, source) },
    cdc_status: { method: 'GET', run: () => cdcStatus(ctx, source) },
  };
}
