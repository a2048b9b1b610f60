import type { Anchor } from '../config/parse.js';
import { compareNames, type DesiredSource, type DesiredState, type DesiredTable } from '../config/desired.js';
import type { DiagnosticCode } from '../diagnostics/codes.js';
import { fromPointer, makeDiagnostic, sortDiagnostics, toPointer, type Diagnostic, type Severity, type Span } from '../diagnostics/diagnostic.js';
import { closest, didYouMean } from '../lint/suggest.js';
import { offeredSyncTypes, primaryKeySource, sourceModule, unavailableReason, warehouseTableName } from '../sources/index.js';
import { isSecretPath, type SourceCatalog, type SourceTypeInfo, type SyncFrequency } from '../wizard/catalog.js';
import { isDisabled, missingEventsWarning, unhealthyStatus, webhookHealth } from '../sources/webhooks.js';
import type { DiscoveredTableInfo, ObservedSource, ObservedState, RemoteSchemaInfo, RemoteSourceInfo } from './observed.js';
import { planDigest, summarise } from './binding.js';
import { KEY_CHANGE_REFUSAL, keyForSwitch, lacksIncrementalKey, refusesKeyChange } from './keys.js';
import { credentialUpdate, storedCredentialsFailure, storedCredentialsWarning } from './credentials.js';
import { cheaperAlternative, incrementalFieldRisks, isCreatedAtField, isUpdatedAtField, realCandidates, recommend, SYNCS_PER_MONTH } from './recommend.js';
import { deleteLast, movedFrom, moveDeleteChange, movedTo, ownedElsewhere, prefixChangeMessage, pruneChange, renameCandidates } from './lifecycle.js';
import { declaredSettings, readOnlyMessage, type ReadOnlyInfo } from './read-only.js';
import { addressOf, SENSITIVE, type Action, type BlockedSource, type Change, type CostLine, type Plan, type Pending, type SourceWebhookHealth, type PlannedRequest, type TableChange } from './types.js';
import {
  checkWebhookRequest,
  createSchemaEntry,
  createSourceRequest,
  createWebhookRequest,
  enableCdcRequest,
  enableSchemaBody,
  PHASE,
  refreshSchemasRequest,
  replaceSecretLeaves,
  updateSchemaRequest,
  updateSourceRequest,
  updateWebhookInputsRequest,
  withSecretPlaceholders,
  type TableSettings,
} from './requests.js';
import { budgetExceeded, costLine, formatRows, observedRowsPerMonth, rowCountFor, summariseCost } from './cost.js';
import { cdcCheckReports, cdcEnableDiff, needsCdcEnable } from './cdc-enable.js';

/** Where things are in the file, so plan diagnostics point at the YAML node they concern. */
export interface Positions {
  file: string;
  span(path: readonly string[], anchor: Anchor): Span;
}

export interface PlanInput {
  desired: DesiredState;
  observed: ObservedState;
  catalog: SourceCatalog;
  positions: Positions;
  /** Diagnostics found while observing (missing-secret), merged into the plan. */
  observationDiagnostics: Diagnostic[];
  fileSha256: string;
  remoteFingerprint: string;
  version: string;
  /**
   * Deletes only with prune (contract §1); `sources` limits the plan to the named sources;
   * `update_credentials` names the sources whose whole config, secrets included, is sent again.
   */
  options: { prune: boolean; sources: string[] | null; update_credentials?: string[] };
  /** Set when PostHog was read without write-scoped calls (plan/read-only.ts): the plan is then never applyable. */
  readOnly?: ReadOnlyInfo | null;
  /** plan --max-rows-per-month: a planned total above it is an error (rows-budget-exceeded). */
  maxRowsPerMonth?: number | null;
}

export type { TableSettings } from './requests.js';

type PendingChange = Pending;

const COSTLY_ROWS_PER_MONTH = 10_000_000;

/** The frequency PostHog gives a schema it creates (API.md §2.3 step 17, §6); CDC dialects have their own. */
const CREATE_DEFAULT_FREQUENCY: SyncFrequency = '6hour';

/** Identity is type + prefix (contract §1); PostHog stores a blank prefix as null. */
export function sameIdentity(type: string, prefix: string, remote: Pick<RemoteSourceInfo, 'source_type' | 'prefix'>): boolean {
  return remote.source_type === type && (remote.prefix ?? '') === prefix;
}

export function matchRemote(source: Pick<DesiredSource, 'type' | 'prefix'>, remotes: readonly RemoteSourceInfo[]): RemoteSourceInfo | undefined {
  return remotes.find((r) => sameIdentity(source.type, source.prefix, r));
}

/**
 * The planner: a pure function of the desired file, what PostHog discovered, and what exists. It never
 * decides anything apply would have to re-decide: the plan it returns is what apply executes.
 */
export function planChanges(input: PlanInput): Plan {
  const { desired, observed, catalog, positions, options } = input;
  const changes: PendingChange[] = [];
  const diagnostics: Diagnostic[] = [...input.observationDiagnostics];
  const cost: CostLine[] = [];
  const report = (code: DiagnosticCode, message: string, path: readonly string[], anchor: Anchor = 'value', severity?: Severity): void => {
    diagnostics.push(makeDiagnostic(code, message, { file: positions.file, path: toPointer(path), span: positions.span(path, anchor) }, severity));
  };
  const selected = desired.sources.filter((s) => options.sources === null || options.sources.includes(s.name));
  const readOnly = input.readOnly ?? null;
  if (readOnly) report('read-only-plan', readOnlyMessage(readOnly), [], 'key');
  const webhooks: SourceWebhookHealth[] = [];

  for (const source of selected) {
    const info = catalog.get(source.type);
    const seen = observed.sources[source.name] ?? {};
    const rotate = options.update_credentials?.includes(source.name) ?? false;
    planSource({ source, desired, info, seen, observed, changes, cost, report, rotate, readOnly: readOnly !== null, webhooks });
    const old = movedFrom(source, observed.remoteSources);
    if (old) changes.push(moveDeleteChange(source, old));
  }

  if (options.sources === null) planUndeclared(desired, observed, options.prune, changes, report);

  const costEstimate = summariseCost(cost, input.maxRowsPerMonth ?? null);
  const overBudget = budgetExceeded(costEstimate);
  if (overBudget) {
    const [, name = '', , table = ''] = overBudget.largest.address.split('.');
    report('rows-budget-exceeded', overBudget.message, ['sources', name, 'tables', table], 'key');
  }

  const sorted = sortChanges(changes).map((change) => {
    // The fields of the first plan format first, then the structured target and the requests (contract §6: only additions).
    const { target, requests, ...fields } = change;
    return {
      address: addressOf(target),
      ...fields,
      position: change.path ? positions.span(fromPointer(change.path), 'key') : null,
      target,
      // A read-only plan is never applied: it lists no requests (its values are not all resolved).
      requests: readOnly ? [] : requests,
    } as Change;
  });
  const sortedDiagnostics = sortDiagnostics(diagnostics);
  const summary = summarise(sorted);
  const hasErrors = sortedDiagnostics.some((d) => d.severity === 'error');
  const plan: Omit<Plan, 'digest'> = {
    format_version: 1,
    applyable: !hasErrors && !readOnly && summary.create + summary.update + summary.delete > 0,
    summary,
    changes: sorted,
    diagnostics: sortedDiagnostics,
    dwctl_version: input.version,
    file: { path: desired.file, sha256: input.fileSha256 },
    remote: { host: observed.host, project_id: observed.projectId, fingerprint: input.remoteFingerprint },
    // update_credentials only when given, so plans without it keep their shape (and digest); read_only sits in
    // options too, which the digest covers: a plan file cannot be edited into an applyable one.
    options: {
      prune: options.prune,
      sources: options.sources,
      ...(options.update_credentials?.length ? { update_credentials: [...options.update_credentials].sort(compareNames) } : {}),
      ...(readOnly ? { read_only: true as const } : {}),
    },
    cost: costEstimate,
    blocked: blockedSources(selected, sortedDiagnostics),
    // Only when some existing source has webhook tables, so other plans keep their shape.
    ...(webhooks.length > 0 ? { webhooks: webhooks.sort((a, b) => compareNames(a.source, b.source)) } : {}),
    ...(readOnly ? { read_only: readOnly } : {}),
  };
  return { ...plan, digest: planDigest(plan) };
}

interface SourceContext {
  source: DesiredSource;
  /** The whole file (every declared source, not only those selected with --source; unmanaged patterns). */
  desired: DesiredState;
  info: SourceTypeInfo | undefined;
  seen: ObservedSource;
  observed: ObservedState;
  changes: PendingChange[];
  cost: CostLine[];
  report: (code: DiagnosticCode, message: string, path: readonly string[], anchor?: Anchor, severity?: Severity) => void;
  /** --update-credentials names this source: its whole config is sent again. */
  rotate: boolean;
  /** Read-only plan: no discovery; the declared settings are diffed as written (plan/read-only.ts). */
  readOnly: boolean;
  /** Webhook health of existing sources with webhook tables, for the plan's `webhooks`. */
  webhooks: SourceWebhookHealth[];
}

function planSource(ctx: SourceContext): void {
  const { source, seen, report } = ctx;
  const sourcePath = ['sources', source.name];
  let settings = new Map<string, TableSettings>();
  /** null in a read-only plan: which tables PostHog would create switched off is not known without discovery. */
  let discoveredNames: string[] | null = null;
  if (ctx.readOnly) {
    settings = declaredSettings(source, seen.remote);
  } else {
    if (!seen.discovery) return; // references unresolved: missing-secret already reported
    if (!seen.discovery.ok) {
      report('credentials-rejected', `PostHog could not connect to ${source.name} (${source.type}): ${seen.discovery.message}`, [...sourcePath, 'config'], 'key');
      return;
    }
    const discovered = new Map(seen.discovery.tables.map((t) => [t.table, t]));
    for (const table of source.tables) {
      const found = validateTable(ctx, table, discovered);
      if (found) settings.set(table.name, found.settings);
    }
    reportCdcCheck(ctx);
    discoveredNames = [...discovered.keys()];
  }

  const remote = seen.remote;
  const webhookTables = source.tables.filter((t) => t.sync === 'webhook').map((t) => t.name);
  if (!remote) {
    planNewSource(ctx, settings, discoveredNames);
    if (webhookTables.length > 0) {
      ctx.changes.push({
        kind: 'webhook',
        action: 'create',
        remote_id: null,
        source: source.name,
        before: null,
        after: webhookAfter(source, webhookTables),
        reason: 'tables sync by webhook: register the webhook with the source, then verify it',
        path: toPointer([...sourcePath, 'tables']),
        target: { source: source.name, kind: 'webhook' },
        // The source's create sets no sync type by PATCH, so nothing drops the secret PostHog stores here.
        requests: createWebhookRequests(source, null, PHASE.webhook, false),
      });
    }
    return;
  }
  // The keys discovery detected (sent when a table switches to cdc/xmin); a read-only plan has none.
  const detectedKeys = new Map(seen.discovery?.ok ? seen.discovery.tables.map((t) => [t.table, t.detected_primary_keys] as const) : []);
  planExistingSource(ctx, remote, settings, detectedKeys);
  if (webhookTables.length > 0) planWebhook(ctx, remote, webhookTables);
}

/**
 * Register a webhook and verify it. The declared signing secret is stored after the registration when a
 * table PATCH of this plan drops the one PostHog stored (`resend`, API.md §12), else only when the provider
 * refused PostHog's registration (the user registered the URL by hand).
 */
function createWebhookRequests(source: DesiredSource, sourceId: string | null, phase: number, resend: boolean): PlannedRequest[] {
  const secret = source.webhook?.signing_secret !== undefined;
  return [
    createWebhookRequest(sourceId, phase),
    ...(secret ? [updateWebhookInputsRequest(sourceId, PHASE.webhook, resend ? undefined : 'webhook-not-registered')] : []),
    checkWebhookRequest(sourceId, PHASE.webhook),
  ];
}

/** Check a declared table against discovery; returns the settings PostHog will hold, or reports why not. */
function validateTable(ctx: SourceContext, table: DesiredTable, discovered: Map<string, DiscoveredTableInfo>): { settings: TableSettings } | undefined {
  const { source, report } = ctx;
  const tablePath = ['sources', source.name, 'tables', table.name];
  const syncPath = [...tablePath, 'sync'];
  const found = discovered.get(table.name);
  if (!found) {
    const names = [...discovered.keys()];
    const hint = closest(table.name, names);
    report(
      'table-not-found',
      `PostHog found no table "${table.name}" in ${source.name}.${hint ? ` Did you mean "${hint}"?` : ''} Run \`dwctl discover ${source.name}\` to list the ${names.length} tables it found.`,
      tablePath,
      'key',
    );
    return undefined;
  }
  let ok = true;
  if (found.permission_error) {
    report('table-permission-error', `The credentials of ${source.name} cannot read "${table.name}": ${found.permission_error}`, tablePath, 'key');
    ok = false;
  }
  if (found.webhook_only && table.sync !== 'webhook') {
    report('webhook-only-table', `"${table.name}" can only be synced via webhooks: set "sync: webhook".`, syncPath);
    return undefined;
  }
  const unavailable = unavailableReason(table.sync, found);
  if (unavailable) {
    const offered = offeredSyncTypes(found);
    report('sync-type-unavailable', `"${table.name}" does not offer sync: ${table.sync} (${unavailable}). It offers: ${offered.join(', ') || 'nothing'}.`, syncPath);
    return undefined;
  }
  let incrementalField: string | null = null;
  let incrementalFieldType: string | null = table.incremental_field_type;
  if (table.sync === 'incremental' || table.sync === 'append') {
    const candidates = realCandidates(found);
    const declared = table.incremental_field ?? '';
    // PostHog accepts the discovered label too (Stripe's created_at for created) and stores the field.
    const match = candidates.find((f) => f.field === declared) ?? candidates.find((f) => f.label === declared);
    if (!match) {
      report(
        'incremental-field-invalid',
        `"${declared}" is not an incremental field of "${table.name}".${didYouMean(declared, candidates.map((f) => f.field))} Candidates: ${candidates.map((f) => f.field).join(', ') || 'none'}.`,
        [...tablePath, 'incremental_field'],
      );
      return undefined;
    }
    incrementalField = match.field;
    incrementalFieldType ??= match.field_type;
    const updated = candidates.find(isUpdatedAtField);
    if (table.sync === 'incremental' && isCreatedAtField(match) && updated) {
      report(
        'prefer-updated-at',
        `"${table.name}" syncs incrementally on ${match.field}, which misses updated rows; ${updated.field} catches them.`,
        [...tablePath, 'incremental_field'],
      );
    }
    for (const risk of incrementalFieldRisks(found, table.sync, match.field)) report(risk.code, risk.message, [...tablePath, 'incremental_field']);
  }
  const cdc = table.sync === 'cdc' ? sourceModule(source.type).cdc : undefined;
  // A CDC table without its own frequency keeps PostHog's CDC default (API.md §6).
  const frequency = cdc && !table.sync_frequency_declared ? cdc.defaultFrequency : table.sync_frequency;
  // PostHog stores keys only where it uses them (API.md §12): the plan shows what it will hold.
  if (lacksIncrementalKey(table.sync, table.primary_key, found)) {
    report(
      'incremental-without-key',
      `"${table.name}" has no primary key and no id column, and the file declares none: PostHog refuses incremental sync without one. Declare primary_key (columns that identify a row), or sync it by append or full_refresh.`,
      syncPath,
    );
    ok = false;
  }
  const keys = primaryKeySource(table.sync);
  const settings: TableSettings = {
    should_sync: true,
    sync_type: table.sync,
    incremental_field: incrementalField,
    incremental_field_type: incrementalField ? incrementalFieldType : null,
    primary_key_columns: keys === 'declared-or-detected' ? (table.primary_key ?? found.detected_primary_keys) : keys === 'detected' ? found.detected_primary_keys : null,
    sync_frequency: frequency,
    sync_time_of_day: table.sync_time_of_day,
    // The file declares the mode once per source (cdc.table_mode); PostHog stores it per table.
    ...(cdc ? { cdc_table_mode: source.cdc?.table_mode ?? cdc.defaultTableMode } : {}),
  };
  if (cdc && !settings.primary_key_columns?.length) {
    report('cdc-prerequisites', `"${table.name}" has no primary key: CDC requires one. Declare primary_key or sync it incrementally.`, syncPath);
    ok = false;
  }
  reviewCost(ctx, table, found, settings);
  return ok ? { settings } : undefined;
}

/** Cost rules: rows per month from PostHog's numbers (plan/cost.ts); warnings for full refreshes that cost too much. */
function reviewCost(ctx: SourceContext, table: DesiredTable, found: DiscoveredTableInfo, settings: TableSettings): void {
  const { source, report } = ctx;
  const syncsPerMonth = SYNCS_PER_MONTH[settings.sync_frequency];
  const schema = ctx.seen.remote?.schemas.find((s) => s.name === table.name);
  const counts = { syncedRows: schema?.table?.row_count ?? null, discoveredRows: found.rows, estimatedRows: ctx.seen.rowEstimates?.[table.name] ?? null };
  const line = costLine({
    address: `source.${source.name}.table.${table.name}`,
    warehouse_table: warehouseTableName(source.prefix, source.type, table.name),
    source_type: source.type,
    current: schema ? currentSetting(schema) : null,
    planned: { should_sync: true, sync_type: settings.sync_type, sync_frequency: settings.sync_frequency },
    ...counts,
    observed: observedRowsPerMonth(ctx.seen.jobs, table.name),
  });
  ctx.cost.push(line);
  const rows = rowCountFor(counts);
  const rowsPerMonth = line.rows_per_month_basis === 'rows-times-syncs' ? line.rows_per_month : null;
  const tablePath = ['sources', source.name, 'tables', table.name];
  const best = recommend(found, { traits: { syncTypes: ctx.info?.syncTypes ?? [] }, rows });
  if (settings.sync_type !== 'full_refresh') return;
  const cheaper = best.sync !== 'full_refresh' ? `; ${cheaperAlternative(best)}` : '';
  if (rowsPerMonth !== null && rowsPerMonth >= COSTLY_ROWS_PER_MONTH) {
    report(
      'costly-sync',
      `"${table.name}" has ${rows!.estimate ? 'about ' : ''}${formatRows(rows!.value)} rows${rows!.estimate ? ' (estimate)' : ''}: a full refresh every ${settings.sync_frequency} bills about ${formatRows(rowsPerMonth)} rows a month${cheaper}.`,
      [...tablePath, 'sync'],
    );
  } else if (syncsPerMonth > SYNCS_PER_MONTH['24hour'] && best.sync !== 'full_refresh') {
    report(
      'costly-sync',
      `"${table.name}" is fully re-imported every ${settings.sync_frequency} (${syncsPerMonth} times a month${rows === null ? ', rows unknown' : ''})${cheaper}.`,
      table.sync_frequency_declared ? [...tablePath, 'sync_frequency'] : [...tablePath, 'sync'],
    );
  } else if (best.sync !== 'full_refresh') {
    report('recommended-sync', `"${table.name}": consider sync: ${best.sync}${best.incremental_field ? ` with incremental_field: ${best.incremental_field}` : ''} (${best.reason}).`, [...tablePath, 'sync']);
  }
}

function reportCdcCheck(ctx: SourceContext): void {
  // Both CDC checks (new tables; the source before CDC is enabled on it), deduplicated (plan/cdc-enable.ts).
  for (const r of cdcCheckReports(ctx.source, { tables: ctx.seen.cdc, source: ctx.seen.cdcEnable })) ctx.report('cdc-prerequisites', r.message, r.path);
}

function planNewSource(ctx: SourceContext, settings: Map<string, TableSettings>, discoveredNames: string[] | null): void {
  const { source, info, seen, changes, observed, report } = ctx;
  const declared = new Set(source.tables.map((t) => t.name));
  const cdcTables = source.tables.filter((t) => t.sync === 'cdc');
  const config = seen.resolvedConfig ?? source.config;
  const tablesOff = discoveredNames ? discoveredNames.filter((n) => !declared.has(n)).sort(compareNames) : [];
  const cdc = sourceModule(source.type).cdc;
  const create = createSourceRequest({
    sourceType: source.type,
    prefix: source.prefix,
    description: source.description,
    config: withSecretPlaceholders(config, info),
    // PostHog's create takes every discovered table: declared ones on, the others off (setup-flow.md).
    schemas: [...source.tables.flatMap((t) => (settings.has(t.name) ? [createSchemaEntry(t.name, settings.get(t.name)!)] : [])), ...tablesOff.map((name) => ({ name, should_sync: false }))],
    cdc: cdcTables.length > 0 && cdc ? { dialect: cdc, settings: source.cdc } : undefined,
  });
  changes.push({
    kind: 'source',
    source_type: source.type,
    action: 'create',
    remote_id: null,
    source: source.name,
    before: null,
    after: {
      source_type: source.type,
      prefix: source.prefix,
      description: source.description,
      config: maskSecrets(config, info),
      ...(discoveredNames ? { tables_off: tablesOff } : {}),
      ...(cdcTables.length > 0 ? { cdc: cdcSettings(source) } : {}),
    },
    reason: `no ${source.type} source with prefix "${source.prefix}" exists in project ${observed.projectId}`,
    path: toPointer(['sources', source.name]),
    target: { source: source.name, kind: 'source' },
    requests: [create],
  });
  for (const table of source.tables) {
    const after = settings.get(table.name);
    if (!after) continue;
    // PostHog's create ignores the frequency and sets its default (6hour; CDC tables the dialect's, API.md §2.3,
    // §6): a frequency that differs is set once the schema exists, by its id read after the create.
    const createDefault = after.sync_type === 'cdc' && cdc ? cdc.defaultFrequency : CREATE_DEFAULT_FREQUENCY;
    const schedule = after.sync_frequency === createDefault ? [] : [updateSchemaRequest(null, table.name, { sync_frequency: after.sync_frequency })];
    changes.push(tableChange(source, table.name, 'create', null, null, { ...after }, 'declared in the file; created with the source', schedule));
  }
  // A renamed prefix looks like a new source next to an undeclared one of the same type.
  const orphans = renameCandidates(source, ctx.desired, observed.remoteSources);
  if (orphans.length === 1) report('prefix-change', prefixChangeMessage(source, orphans[0]!), ['sources', source.name, 'prefix']);
}

function cdcSettings(source: DesiredSource): Record<string, unknown> {
  const cdc = source.cdc;
  return {
    management: cdc?.management ?? 'posthog',
    slot_name: cdc?.slot_name ?? null,
    publication_name: cdc?.publication_name ?? null,
    ...(cdc?.auto_drop_slot != null ? { auto_drop_slot: cdc.auto_drop_slot } : {}),
    ...(cdc?.table_mode ? { table_mode: cdc.table_mode } : {}),
  };
}

function planExistingSource(ctx: SourceContext, remote: RemoteSourceInfo, settings: Map<string, TableSettings>, detectedKeys: Map<string, string[] | null>): void {
  const { source, info, seen, changes } = ctx;
  const sourceBefore: Record<string, unknown> = {};
  const sourceAfter: Record<string, unknown> = {};
  if ((remote.description ?? null) !== source.description && source.description !== null) {
    sourceBefore.description = remote.description ?? null;
    sourceAfter.description = source.description;
  }
  const configDiff = diffConfig(seen.resolvedConfig ?? source.config, remote.job_inputs ?? {}, info);
  if (ctx.rotate) {
    // The whole config with every secret: a host change needs them all, and PostHog re-validates (API.md §12).
    const update = credentialUpdate(maskSecrets(seen.resolvedConfig ?? source.config, info), remote.job_inputs ?? {}, info);
    sourceBefore.config = update.before;
    sourceAfter.config = update.after;
  } else if (configDiff) {
    sourceBefore.config = configDiff.before;
    sourceAfter.config = configDiff.after;
  }
  // CDC tables on a source PostHog has without CDC: CDC is enabled on the source first (plan/cdc-enable.ts; the
  // enable_cdc request below, apply/cdc.ts reads PostHog's answer).
  const cdcEnable = needsCdcEnable(source, remote) ? cdcEnableDiff(source) : undefined;
  if (cdcEnable) {
    sourceBefore.cdc = cdcEnable.before;
    sourceAfter.cdc = cdcEnable.after;
  }
  if (!ctx.rotate) {
    // The file's credentials passed database_schema (planSource returns earlier otherwise).
    const failure = storedCredentialsFailure(remote);
    if (failure) ctx.report('stored-credentials-failing', storedCredentialsWarning(source.name, failure), ['sources', source.name, 'config'], 'key');
  }
  const sourceChanged = Object.keys(sourceAfter).length > 0;
  // job_inputs merge over what PostHog holds (API.md §2.5): the whole config with every secret, which a host
  // change requires and a rotation is.
  const patch = {
    ...('description' in sourceAfter ? { description: source.description } : {}),
    ...('config' in sourceAfter ? { job_inputs: withSecretPlaceholders(seen.resolvedConfig ?? source.config, info) } : {}),
  };
  changes.push({
    kind: 'source',
    source_type: source.type,
    action: sourceChanged ? 'update' : 'no-op',
    remote_id: remote.id,
    source: source.name,
    before: sourceChanged ? sourceBefore : null,
    after: sourceChanged ? sourceAfter : null,
    reason: [
      ctx.rotate
        ? '--update-credentials: the whole config is sent with every secret; PostHog re-validates it'
        : Object.keys(sourceAfter).some((k) => k !== 'cdc')
          ? `the file's ${Object.keys(sourceAfter).filter((k) => k !== 'cdc').join(' and ')} differ from PostHog's; credentials are re-sent with the update`
          : '',
      cdcEnable?.reason ?? '',
    ].filter(Boolean).join('; ') || 'in sync',
    path: toPointer(['sources', source.name]),
    target: { source: source.name, kind: 'source' },
    // The PATCH first (a rotated password must be stored: enable_cdc checks with the stored credentials), then
    // enable_cdc, before the tables switch to cdc (phases, plan/requests.ts).
    requests: [...(Object.keys(patch).length > 0 ? [updateSourceRequest(remote.id, patch)] : []), ...(cdcEnable ? [enableCdcRequest(remote.id, cdcEnable.body)] : [])],
  });

  const remoteByName = new Map(remote.schemas.map((s) => [s.name, s]));
  let refreshPlanned = false;
  for (const table of source.tables) {
    const desiredSettings = settings.get(table.name);
    if (!desiredSettings) continue;
    const schema = remoteByName.get(table.name);
    if (!schema) {
      // One refresh_schemas per source, carried by the first table that needs it; the PATCH finds the new
      // schema's id by name after it.
      const requests = [...(refreshPlanned ? [] : [refreshSchemasRequest(remote.id)]), updateSchemaRequest(null, table.name, enableSchemaBody(desiredSettings))];
      refreshPlanned = true;
      changes.push(tableChange(source, table.name, 'create', null, null, { ...desiredSettings }, 'PostHog has no schema row for this table yet: schemas are refreshed, then it is enabled', requests));
      continue;
    }
    const diff = diffTable(desiredSettings, schema, table, source.type);
    if (diff && 'sync_type' in diff.after) {
      // Switching to cdc/xmin by PATCH needs a key in the request when none is stored (API.md §12).
      const key = keyForSwitch(desiredSettings.sync_type, schema, table.primary_key, detectedKeys.get(table.name));
      if (key) {
        diff.before.primary_key_columns = schema.primary_key_columns ?? null;
        diff.after.primary_key_columns = key;
      }
    }
    if (diff && refusesKeyChange(desiredSettings.sync_type, diff.after.primary_key_columns as string[] | null | undefined, schema)) {
      const stored = schema.primary_key_columns?.length ? `primary key [${schema.primary_key_columns.join(', ')}]` : 'no stored primary key';
      ctx.report(
        'primary-key-locked',
        `"${table.name}" has synced data with ${stored}; PostHog refuses [${(diff.after.primary_key_columns as string[]).join(', ')}] for ${desiredSettings.sync_type}: ${KEY_CHANGE_REFUSAL}`,
        ['sources', source.name, 'tables', table.name, ...(table.primary_key ? ['primary_key'] : ['sync'])],
      );
      continue;
    }
    // PostHog refuses incremental-field or key edits without the sync type in the same request (API.md §2.13):
    // diffTable puts it in `after`, which is the PATCH body.
    if (diff) changes.push(tableChange(source, table.name, 'update', schema.id, diff.before, diff.after, `settings differ: ${differingKeys(diff).join(', ')}`, [updateSchemaRequest(schema.id, table.name, { ...diff.after })]));
    else changes.push(tableChange(source, table.name, 'no-op', schema.id, null, null, 'in sync', []));
  }
  // Tables dropped from the file are disabled, never deleted (contract §1).
  const declared = new Set(source.tables.map((t) => t.name));
  for (const schema of remote.schemas) {
    if (schema.should_sync && !declared.has(schema.name)) {
      ctx.cost.push(
        costLine({
          address: `source.${source.name}.table.${schema.name}`,
          warehouse_table: warehouseTableName(source.prefix, source.type, schema.name),
          source_type: source.type,
          current: currentSetting(schema),
          planned: { should_sync: false, sync_type: schema.sync_type, sync_frequency: currentSetting(schema).sync_frequency },
          syncedRows: schema.table?.row_count ?? null,
          discoveredRows: null,
          estimatedRows: null,
          observed: observedRowsPerMonth(ctx.seen.jobs, schema.name),
        }),
      );
      changes.push({
        ...tableChange(source, schema.name, 'update', schema.id, { should_sync: true }, { should_sync: false }, 'syncing in PostHog but not declared in the file: disabled (its synced data is kept)', [
          updateSchemaRequest(schema.id, schema.name, { should_sync: false }),
        ]),
        path: toPointer(['sources', source.name, 'tables']),
      });
    }
  }
}

function planWebhook(ctx: SourceContext, remote: RemoteSourceInfo, webhookTables: string[]): void {
  const { source, seen, changes } = ctx;
  const info = seen.webhook;
  const target = { source: source.name, kind: 'webhook' } as const;
  const path = toPointer(['sources', source.name, 'tables']);
  const secret = source.webhook?.signing_secret !== undefined;
  // Table PATCHes setting sync_type webhook replace the function's inputs (API.md §12): the secret goes with them.
  const switching = secretDroppingTables(ctx.changes, source.name);
  if (!info?.exists) {
    // A missing webhook is registered before tables change: PostHog's schema update to sync_type webhook
    // registers one itself when none exists, and refuses the table when the provider refuses that
    // registration (API.md §2.13, §7), which no signing secret could then fix.
    const tablesChange = changes.some((c) => c.kind === 'table' && c.source === source.name && c.action !== 'no-op');
    const requests = createWebhookRequests(source, remote.id, tablesChange ? PHASE.webhookFirst : PHASE.webhook, switching.length > 0);
    changes.push({ kind: 'webhook', action: 'create', remote_id: remote.id, source: source.name, before: null, after: webhookAfter(source, webhookTables), reason: 'no webhook is registered for this source', path, target, requests });
    return;
  }
  // Webhook health, the same function status uses (sources/webhooks.ts). Missing events are a warning, never a
  // change: PostHog's key may be unable to add them (only the user can), and a planned repair would re-switch a
  // table on every run without converging (issue 10 item 6).
  const health = webhookHealth(info, ctx.info);
  ctx.webhooks.push({ source: source.name, ...health });
  const missingEvents = missingEventsWarning(source.name, health);
  if (missingEvents) ctx.report('webhook-missing-events', missingEvents, ['sources', source.name, 'tables'], 'key');
  const pending = health.pending_inputs;
  const disabled = isDisabled(health);
  const status = unhealthyStatus(health);
  const healthy = pending.length === 0 && !disabled && !status;
  const remoteId = info.hog_function?.id ?? remote.id;
  if (switching.length > 0 && !secret) {
    ctx.report(
      'webhook-secret-dropped',
      `Setting ${switching.join(', ')} to webhook sync makes PostHog drop the webhook's signing secret, and dwctl can only store it again from the file. Put the endpoint's signing secret (the provider's dashboard shows it) in webhook.signing_secret as a reference.`,
      ['sources', source.name, 'tables'],
      'key',
    );
  }
  if (switching.length > 0 && healthy) {
    changes.push({
      kind: 'webhook',
      action: 'update',
      remote_id: remoteId,
      source: source.name,
      before: { signing_secret: SENSITIVE },
      after: { signing_secret: SENSITIVE },
      reason: `the schema update of ${switching.join(', ')} replaces the webhook's inputs: the signing secret is stored again afterwards`,
      path,
      target,
      requests: [...(secret ? [updateWebhookInputsRequest(remote.id, PHASE.webhook)] : []), checkWebhookRequest(remote.id, PHASE.webhook)],
    });
    return;
  }
  if (healthy) {
    const reason = health.missing_events.length > 0 ? 'registered and enabled; events missing (see webhook-missing-events)' : 'registered, enabled and subscribed to every event';
    changes.push({ kind: 'webhook', action: 'no-op', remote_id: remoteId, source: source.name, before: null, after: null, reason, path, target, requests: [] });
    return;
  }
  const storeSecret = secret && (pending.length > 0 || disabled || switching.length > 0);
  changes.push({
    kind: 'webhook',
    action: 'update',
    remote_id: remoteId,
    source: source.name,
    before: { enabled: !disabled, pending_inputs: pending, ...(status ? { status } : {}) },
    after: { ...webhookAfter(source, webhookTables), enabled: true, pending_inputs: [] },
    reason: [pending.length ? `inputs pending: ${pending.join(', ')}` : '', disabled ? 'disabled' : '', status ? `status ${status}` : '']
      .filter(Boolean)
      .join('; '),
    path,
    target,
    requests: [
      ...(storeSecret ? [updateWebhookInputsRequest(remote.id, PHASE.webhook)] : []),
      checkWebhookRequest(remote.id, PHASE.webhook),
    ],
  });
}

/** Tables of the source whose planned update or enablement sends sync_type webhook (each runs PostHog's webhook step). */
function secretDroppingTables(changes: readonly PendingChange[], source: string): string[] {
  return changes
    .filter((c): c is Pending<TableChange> => c.kind === 'table' && c.source === source && c.action !== 'no-op' && c.requests.some((r) => r.op === 'update_schema' && (r.body as Record<string, unknown>).sync_type === 'webhook'))
    .map((c) => c.target.table)
    .sort(compareNames);
}

function webhookAfter(source: DesiredSource, tables: string[]): Record<string, unknown> {
  return { tables: [...tables].sort(compareNames), ...(source.webhook?.signing_secret !== undefined ? { signing_secret: SENSITIVE } : {}) };
}

function planUndeclared(desired: DesiredState, observed: ObservedState, prune: boolean, changes: PendingChange[], report: (code: DiagnosticCode, message: string, path: readonly string[], anchor?: Anchor) => void): void {
  for (const remote of observed.remoteSources) {
    if (desired.sources.some((s) => sameIdentity(s.type, s.prefix, remote))) continue;
    // Other teams' sources are none of this file's business; a moved source's delete is planned with its move.
    if (ownedElsewhere(remote, desired) || movedTo(remote, desired.sources)) continue;
    const label = `${remote.source_type}${remote.prefix ? ` "${remote.prefix}"` : ' (no prefix)'}`;
    report(
      'unmanaged-source',
      `PostHog has a ${label} source (id ${remote.id}) that the file does not declare${prune ? ': it will be deleted (--prune)' : '. Declare it (dwctl import writes it for you), or run with --prune to delete it'}.`,
      ['sources'],
      'key',
    );
    if (prune) changes.push(pruneChange(remote));
  }
}

function tableChange(
  source: DesiredSource,
  table: string,
  action: Action,
  remoteId: string | null,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  reason: string,
  requests: PlannedRequest[],
): Pending<TableChange> {
  return {
    kind: 'table',
    action,
    remote_id: remoteId,
    source: source.name,
    warehouse_table: warehouseTableName(source.prefix, source.type, table),
    before,
    after,
    reason,
    path: toPointer(['sources', source.name, 'tables', table]),
    target: { source: source.name, kind: 'table', table },
    requests,
  };
}

/** The fields that differ between what the file wants and what PostHog holds. */
function diffTable(desired: TableSettings, remote: RemoteSchemaInfo, declared: DesiredTable, sourceType: string): { before: Record<string, unknown>; after: Record<string, unknown> } | undefined {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const compare = (key: keyof TableSettings, remoteValue: unknown): void => {
    const want = desired[key];
    if (!sameValue(want, remoteValue)) {
      before[key] = remoteValue ?? null;
      after[key] = want;
    }
  };
  compare('should_sync', remote.should_sync);
  compare('sync_type', remote.sync_type);
  if (desired.incremental_field !== null) {
    compare('incremental_field', remote.incremental_field);
    compare('incremental_field_type', remote.incremental_field_type);
  }
  // Keys PostHog detected itself are not drift; only keys the file declares, where PostHog stores them, are compared.
  if (declared.primary_key && primaryKeySource(declared.sync) === 'declared-or-detected') compare('primary_key_columns', remote.primary_key_columns);
  // PostHog represents "never" as null (API.md §6).
  compare('sync_frequency', remote.sync_frequency ?? 'never');
  compare('sync_time_of_day', normaliseTime(remote.sync_time_of_day));
  if (desired.cdc_table_mode !== undefined) compare('cdc_table_mode', remote.cdc_table_mode ?? sourceModule(sourceType).cdc?.defaultTableMode ?? null);
  // PostHog refuses incremental-field or key edits without the sync type in the same request
  // (API.md §2.13), so an update that touches them always carries it: apply sends `after` as it is.
  const needsSyncType = ['incremental_field', 'incremental_field_type', 'primary_key_columns', 'should_sync'].some((k) => k in after);
  if (needsSyncType && !('sync_type' in after)) {
    before.sync_type = remote.sync_type;
    after.sync_type = desired.sync_type;
  }
  return Object.keys(after).length > 0 ? { before, after } : undefined;
}

/** The keys whose values really change (an update also carries sync_type unchanged where PostHog needs it). */
function differingKeys(diff: { before: Record<string, unknown>; after: Record<string, unknown> }): string[] {
  return Object.keys(diff.after).filter((k) => !sameValue(diff.before[k], diff.after[k]));
}

function normaliseTime(value: string | null | undefined): string | null {
  return value ? value.slice(0, 8) : null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return (a ?? null) === (b ?? null);
}

/** Non-secret config leaves the file declares that PostHog holds differently (secrets are never compared: PostHog does not return them). */
function diffConfig(desired: Record<string, unknown>, remote: Record<string, unknown>, info: SourceTypeInfo | undefined): { before: Record<string, unknown>; after: Record<string, unknown> } | undefined {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const walk = (want: unknown, have: unknown, path: string[]): void => {
    if (info && isSecretPath(info, path)) return;
    if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
      const haveObject = have !== null && typeof have === 'object' ? (have as Record<string, unknown>) : {};
      for (const [key, value] of Object.entries(want as Record<string, unknown>)) walk(value, haveObject[key], [...path, key]);
      return;
    }
    if (path.length > 0 && !looselyEqual(want, have)) {
      setPath(before, path, have ?? null);
      setPath(after, path, want);
    }
  };
  walk(desired, remote, []);
  return Object.keys(after).length > 0 ? { before, after } : undefined;
}

/** PostHog converts some values on its side (ports to integers, booleans to strings). */
function looselyEqual(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null || a === '') && (b === undefined || b === null || b === '')) return true;
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    node[segment] ??= {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** The config as the plan shows it: secret fields replaced by "(sensitive)". */
export function maskSecrets(config: Record<string, unknown>, info: SourceTypeInfo | undefined): Record<string, unknown> {
  return replaceSecretLeaves(config, info, () => SENSITIVE);
}

const KIND_ORDER = { source: 0, table: 1, webhook: 2 } as const;

function sortChanges(changes: PendingChange[]): PendingChange[] {
  return [...changes].sort((a, b) => compareNames(a.source, b.source) || deleteLast(a, b) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareNames(addressOf(a.target), addressOf(b.target)));
}

/** How PostHog syncs a table now (its null frequency is "never", API.md §6). */
function currentSetting(schema: RemoteSchemaInfo): { should_sync: boolean; sync_type: string | null; sync_frequency: SyncFrequency } {
  const frequency = (schema.sync_frequency ?? 'never') as SyncFrequency;
  return { should_sync: schema.should_sync, sync_type: schema.sync_type, sync_frequency: frequency in SYNCS_PER_MONTH ? frequency : 'never' };
}

/** Blocking codes that stop a whole source before its tables are planned. */
const SOURCE_BLOCKERS = new Set<DiagnosticCode>(['credentials-rejected', 'missing-secret', 'file-reference-refused', 'reserved-reference', 'secret-in-plain-field']);

/**
 * Declared sources the plan has no changes for because an error stopped them (credentials rejected, a
 * secret missing): listed with their reason, so a blocked source does not vanish from the plan.
 */
function blockedSources(selected: readonly DesiredSource[], diagnostics: readonly Diagnostic[]): BlockedSource[] {
  const out: BlockedSource[] = [];
  for (const source of selected) {
    const prefix = toPointer(['sources', source.name]);
    const blockers = diagnostics.filter((d) => d.severity === 'error' && SOURCE_BLOCKERS.has(d.code as DiagnosticCode) && (d.path === prefix || d.path.startsWith(`${prefix}/`)));
    if (blockers.length === 0) continue;
    out.push({
      source: source.name,
      source_type: source.type,
      codes: [...new Set(blockers.map((d) => d.code))],
      reason: blockers[0]!.message,
      tables: source.tables.map((t) => t.name),
    });
  }
  return out;
}
