import type { DesiredSource } from '../config/desired.js';
import type { PostHogReader } from '../plan/observe.js';
import type { RemoteSourceInfo } from '../plan/observed.js';
import type { Change, Plan } from '../plan/types.js';
import type { SecretMasker } from '../secrets.js';
import { sourceModule } from '../sources/index.js';
import type { SourceTypeInfo } from '../wizard/catalog.js';
import { explainRefusedCreate } from './concurrent-create.js';
import { isAmbiguous, isNotFound } from './request-errors.js';
import { ensureWebhook, registerWebhook } from './webhook.js';

/** The PostHog calls apply makes, beyond plan's reads. The client satisfies this; tests may fake it. */
export interface PostHogWriter extends PostHogReader {
  createSource(body: Record<string, unknown>): Promise<{ id: string }>;
  findSource(sourceType: string, prefix: string | null): Promise<RemoteSourceInfo | null>;
  updateSource(id: string, patch: Record<string, unknown>): Promise<unknown>;
  deleteSource(id: string): Promise<void>;
  refreshSchemas(id: string): Promise<unknown>;
  bulkUpdateSchemas(sourceId: string, updates: Record<string, unknown>[]): Promise<unknown>;
  updateSchema(id: string, patch: Record<string, unknown>): Promise<unknown>;
  createWebhook(id: string, inputs?: Record<string, unknown>): Promise<{ success: boolean; webhook_url?: string | null; error?: string | null; pending_inputs?: string[] | null }>;
  updateWebhookInputs(id: string, inputs: Record<string, unknown>): Promise<unknown>;
}

export type ResultStatus = 'applied' | 'failed' | 'skipped';

export interface ChangeResult {
  address: string;
  action: Change['action'];
  status: ResultStatus;
  remote_id: string | null;
  error: string | null;
  /** Something the user must know or do (e.g. the webhook URL to register by hand). */
  note?: string;
}

export interface ApplyResult {
  format_version: 1;
  ok: boolean;
  results: ChangeResult[];
}

/** What apply needs of each declared source beyond the plan: its resolved config (secrets included, never printed). */
export interface SourceInputs {
  source: DesiredSource;
  info: SourceTypeInfo | undefined;
  config: Record<string, unknown>;
  webhook: Record<string, unknown> | undefined;
}

export interface ApplyHooks {
  onStart?(change: Change): void;
  onDone?(result: ChangeResult): void;
}

/**
 * Execute a plan: per source, in dependency order (source, then tables, then webhook; on an existing source
 * a webhook that does not exist yet comes before the tables, see applySource); independent sources
 * concurrently. A failure stops that source's remaining changes (skipped); the others go on. Nothing here
 * re-plans: the plan says what to do, and every step that could duplicate something checks PostHog first.
 */
export async function applyPlan(plan: Plan, client: PostHogWriter, inputs: ReadonlyMap<string, SourceInputs>, masker: SecretMasker, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const groups = new Map<string, Change[]>();
  // The source's own id comes from its source change, no-op included: the remote_id of a table change is
  // the schema's id, and that of a webhook update is the webhook function's id.
  const sourceIds = new Map<string, string>();
  for (const change of plan.changes) {
    // (A delete's id is the old source's, of a moved_from: never the id the group's other changes act on.)
    if (change.kind === 'source' && change.action !== 'delete' && change.remote_id) sourceIds.set(change.source, change.remote_id);
    if (change.action === 'no-op') continue;
    groups.set(change.source, [...(groups.get(change.source) ?? []), change]);
  }
  const perSource = await Promise.all([...groups].map(([name, changes]) => applySource(changes, sourceIds.get(name) ?? null, client, inputs.get(name), masker, hooks)));
  const results = perSource.flat();
  return { format_version: 1, ok: results.every((r) => r.status !== 'failed'), results };
}

async function applySource(changes: Change[], remoteSourceId: string | null, client: PostHogWriter, inputs: SourceInputs | undefined, masker: SecretMasker, hooks: ApplyHooks): Promise<ChangeResult[]> {
  const results: ChangeResult[] = [];
  const record = (change: Change, status: ResultStatus, remoteId: string | null, error: unknown, note?: string): void => {
    const result: ChangeResult = {
      address: change.address,
      action: change.action,
      status,
      remote_id: remoteId,
      error: error === null || error === undefined ? null : masker.mask(error instanceof Error ? error.message : String(error)),
      ...(note ? { note: masker.mask(note) } : {}),
    };
    results.push(result);
    hooks.onDone?.(result);
  };
  const skipRest = (rest: Change[], why: string): void => {
    for (const change of rest) record(change, 'skipped', change.remote_id, null, why);
  };

  // A source delete is either a pruned source (its group holds only the delete) or the old source of a
  // moved_from, which runs last: only once the new source and everything else of the group succeeded.
  const deletes = changes.filter((c) => c.kind === 'source' && c.action === 'delete');
  const sourceChange = changes.find((c) => c.kind === 'source' && c.action !== 'delete');
  const tableChanges = changes.filter((c) => c.kind === 'table');
  const webhookChange = changes.find((c) => c.kind === 'webhook');
  let sourceId = sourceChange?.remote_id ?? remoteSourceId;
  /** Schema ids of the tables created with the source, by table name. */
  let createdIds = new Map<string, string>();

  const applyDeletes = async (): Promise<ChangeResult[]> => {
    for (const change of deletes) {
      hooks.onStart?.(change);
      try {
        await client.deleteSource(change.remote_id!);
        record(change, 'applied', change.remote_id, null);
      } catch (error) {
        if (isNotFound(error)) record(change, 'applied', change.remote_id, null, 'already gone');
        else record(change, 'failed', change.remote_id, error);
      }
    }
    return results;
  };
  if (deletes.length === changes.length) return applyDeletes();
  if (!inputs) {
    // Assertion: every change of a declared source comes with that source's inputs.
    for (const change of changes) record(change, 'failed', change.remote_id, new Error(`Assertion failed: no inputs for source ${change.source}`));
    return results;
  }

  if (sourceChange) {
    hooks.onStart?.(sourceChange);
    try {
      if (sourceChange.action === 'create') {
        sourceId = await createSource(client, sourceChange, tableChanges, inputs);
        // PostHog's create ignores sync frequency and time of day (API.md §2.3): set them now.
        createdIds = await setSchedules(client, sourceId, tableChanges);
      } else if (sourceChange.action === 'update') {
        // job_inputs merge over what PostHog holds; secrets are re-sent because a host change requires them.
        const patch: Record<string, unknown> = {};
        if (sourceChange.after && 'description' in sourceChange.after) patch.description = sourceChange.after.description;
        if (sourceChange.after && 'config' in sourceChange.after) patch.job_inputs = inputs.config;
        await client.updateSource(sourceId!, patch);
      }
      record(sourceChange, 'applied', sourceId, null);
    } catch (error) {
      record(sourceChange, 'failed', sourceId, error);
      skipRest([...tableChanges, ...(webhookChange ? [webhookChange] : []), ...deletes], `${sourceChange.address} failed`);
      return results;
    }
  }

  const applyWebhook = async (change: Change): Promise<boolean> => {
    if (!registerFirst) hooks.onStart?.(change);
    try {
      const note = await ensureWebhook(client, sourceId!, inputs);
      record(change, 'applied', sourceId, null, note);
      return true;
    } catch (error) {
      record(change, 'failed', sourceId, error);
      return false;
    }
  };
  // On an existing source, a missing webhook is registered before tables switch to webhook sync: PostHog's
  // schema update to sync_type webhook registers one itself when none exists, and refuses the table when
  // the provider refuses that registration (API.md §2.13, §7), which no signing secret could then fix.
  // The webhook change itself is finished after the tables (webhook.ts): their PATCHes drop the secret.
  const registerFirst = webhookChange !== undefined && webhookChange.action === 'create' && sourceChange?.action !== 'create' && tableChanges.length > 0;
  if (registerFirst) {
    hooks.onStart?.(webhookChange);
    try {
      await registerWebhook(client, sourceId!, inputs);
    } catch (error) {
      record(webhookChange, 'failed', sourceId, error);
      skipRest([...tableChanges, ...deletes], `${webhookChange.address} failed`);
      return results;
    }
  }

  if (sourceChange?.action === 'create') {
    // The tables were created with the source, in the same request.
    for (const change of tableChanges) {
      hooks.onStart?.(change);
      record(change, 'applied', createdIds.get(tableName(change)) ?? null, null);
    }
  } else if (tableChanges.length > 0) {
    for (const change of tableChanges) hooks.onStart?.(change);
    const outcome = await updateTables(client, sourceId!, tableChanges);
    for (const change of tableChanges) {
      const failure = outcome.failed.get(change.address);
      record(change, failure === undefined ? 'applied' : 'failed', outcome.ids.get(change.address) ?? change.remote_id, failure ?? null);
    }
    if (outcome.failed.size > 0) {
      skipRest([...(webhookChange ? [webhookChange] : []), ...deletes], 'table changes of this source failed');
      return results;
    }
  }

  if (webhookChange && !(await applyWebhook(webhookChange))) {
    skipRest(deletes, `${webhookChange.address} failed`);
    return results;
  }
  return applyDeletes();
}

/**
 * Create the source with every discovered table (declared ones on, the rest off). create is never blindly
 * retried: after an ambiguous failure the source is looked up by type and prefix first, and only when it
 * is not there is the create sent again.
 */
async function createSource(client: PostHogWriter, change: Change, tables: Change[], inputs: SourceInputs): Promise<string> {
  const after = change.after ?? {};
  const declared = tables.filter((t) => t.action === 'create' && t.after).map((t) => ({ name: tableName(t), ...createSchema(t.after!) }));
  const off = ((after.tables_off as string[] | undefined) ?? []).map((name) => ({ name, should_sync: false }));
  // The plan shows the file's cdc block; the keys PostHog reads come from the type's CDC dialect.
  const cdc = after.cdc !== undefined ? sourceModule(inputs.source.type).cdc : undefined;
  const body = {
    source_type: inputs.source.type,
    prefix: inputs.source.prefix === '' ? null : inputs.source.prefix,
    description: inputs.source.description,
    payload: {
      ...inputs.config,
      schemas: [...declared, ...off],
      ...(cdc ? cdc.createInputs(inputs.source.cdc) : {}),
    },
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.createSource(body)).id;
    } catch (error) {
      // A refusal may be a lost race with another run that created this source after our plan.
      if (!isAmbiguous(error)) throw await explainRefusedCreate(client, inputs.source.type, body.prefix, error);
      if (attempt >= 3) throw error;
      const existing = await client.findSource(inputs.source.type, body.prefix);
      if (existing) return existing.id;
    }
  }
}

function tableName(change: Change): string {
  return change.address.slice(`source.${change.source}.table.`.length);
}

function createSchema(after: Record<string, unknown>): Record<string, unknown> {
  return {
    should_sync: true,
    sync_type: after.sync_type,
    ...(after.incremental_field ? { incremental_field: after.incremental_field, incremental_field_type: after.incremental_field_type } : {}),
    ...(after.primary_key_columns ? { primary_key_columns: after.primary_key_columns } : {}),
    sync_time_of_day: after.sync_time_of_day ?? null,
    ...(after.cdc_table_mode ? { cdc_table_mode: after.cdc_table_mode } : {}),
  };
}

async function setSchedules(client: PostHogWriter, sourceId: string, tables: Change[]): Promise<Map<string, string>> {
  const wanted = tables.filter((t) => t.action === 'create' && t.after);
  if (wanted.length === 0) return new Map();
  const remote = await client.getSource(sourceId);
  const ids = new Map(remote.schemas.map((s) => [s.name, s]));
  const updates = wanted.flatMap((t) => {
    const schema = ids.get(tableName(t));
    if (!schema) return [];
    const frequency = t.after!.sync_frequency;
    const time = t.after!.sync_time_of_day ?? null;
    if (schema.sync_frequency === frequency && (schema.sync_time_of_day ?? null) === time) return [];
    return [{ id: schema.id, sync_frequency: frequency, sync_time_of_day: time }];
  });
  if (updates.length > 0) await client.bulkUpdateSchemas(sourceId, updates);
  return new Map(remote.schemas.map((s) => [s.name, s.id]));
}

/**
 * Table changes of an existing source in one bulk call. Tables PostHog has no schema row for yet are
 * discovered first (refresh_schemas). After a failed bulk call PostHog is read again, so each change is
 * reported as it really ended (PostHog saves the rest of a batch when some schemas fail).
 */
async function updateTables(client: PostHogWriter, sourceId: string, changes: Change[]): Promise<{ failed: Map<string, string>; ids: Map<string, string> }> {
  const failed = new Map<string, string>();
  const ids = new Map<string, string>();
  try {
    let remote: RemoteSourceInfo | undefined;
    if (changes.some((c) => c.remote_id === null)) {
      await client.refreshSchemas(sourceId);
      remote = await client.getSource(sourceId);
    }
    const byName = new Map<string, string>((remote?.schemas ?? []).map((s) => [s.name, s.id]));
    const updates: Record<string, unknown>[] = [];
    for (const change of changes) {
      const id = change.remote_id ?? byName.get(tableName(change));
      if (!id) {
        failed.set(change.address, `PostHog did not discover "${tableName(change)}" when refreshing the source's schemas`);
        continue;
      }
      ids.set(change.address, id);
      updates.push({ id, ...(change.action === 'create' ? { ...createSchema(change.after!), sync_frequency: change.after!.sync_frequency } : change.after) });
    }
    if (updates.length > 0) await client.bulkUpdateSchemas(sourceId, updates);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const after = await client.getSource(sourceId).catch(() => undefined);
    for (const change of changes) {
      if (failed.has(change.address)) continue;
      const schema = after?.schemas.find((s) => s.name === tableName(change));
      const landed = schema && change.after && Object.entries(change.after).every(([k, v]) => JSON.stringify((schema as unknown as Record<string, unknown>)[k] ?? null) === JSON.stringify(v ?? null));
      if (!landed) failed.set(change.address, message);
    }
  }
  return { failed, ids };
}
