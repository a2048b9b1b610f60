/**
 * Golden tests of the typed change model (issue 9): for each change kind, the requests the planner wrote into
 * the plan are exactly the HTTP requests dwctl sends to PostHog (method, path, body), once the placeholders are
 * filled: secrets from the environment, `{source_id}`/`{schema_id}` from PostHog's answers. Checked against the
 * emulator's request log. The emulator refuses bulk_update_schemas to personal keys by default (API.md §12), so
 * schema PATCHes travel one by one, exactly as planned; one test takes the bulk path.
 */
import { describe, expect, it } from 'vitest';
import type { Change, Plan, PlannedRequest } from '../../src/plan/types.js';
import type { Emulator } from '../emulator/server.js';
import { waitFor } from '../emulator/support.js';
import { cdcDbEnv, cdcDbSource, useSystemPostgres } from '../helpers/system-postgres.js';
import { useWorld, WEBHOOK_SECRET } from '../helpers/world.js';
import { BILLING_SOURCE, extraEmulator, run, SHOP_SOURCE, yaml } from './apply-helpers.js';

const world = useWorld({ syncDurationMs: 50 });

interface Sent {
  method: string;
  path: string;
  body: unknown;
}

/**
 * The requests PostHog accepted since `from`, apart from the reads of the plan apply recomputes (discovery,
 * CDC check, lists, retrieves, webhook_info before the first write) and apply's retrieves for schema ids.
 */
function accepted(emulator: Emulator, from: number): Sent[] {
  const list = emulator.requests
    .slice(from)
    .filter((q) => q.status >= 200 && q.status < 300)
    .map((q) => ({ method: q.method, path: q.path.split('?')[0]!.replace(/^\/api\/(projects|environments)\/\d+\//, ''), body: q.body ?? null }))
    .filter((q) => !/database_schema|check_cdc_prerequisites/.test(q.path));
  const firstWrite = list.findIndex((q) => q.method !== 'GET');
  return list.filter((q, i) => q.method !== 'GET' || (i > firstWrite && /webhook_info\/$/.test(q.path)));
}

/** Plan to a file, apply it, and return the plan with the requests sent while applying. */
async function planThenApply(options: { env?: Record<string, string>; planArgs?: string[]; applyArgs?: string[]; emulator?: Emulator } = {}): Promise<{ plan: Plan; sent: Sent[] }> {
  const emulator = options.emulator ?? world.emulator;
  const planned = await run(world, ['plan', '--out', 'plan.json', ...(options.planArgs ?? [])], { env: options.env ?? {}, emulator });
  expect(planned.exitCode, planned.stdout + planned.stderr).toBe(0);
  const plan = JSON.parse(await world.read('plan.json')) as Plan;
  const from = emulator.requests.length;
  const applied = await run(world, ['apply', 'plan.json', '--yes', '--format', 'json', ...(options.applyArgs ?? [])], { env: options.env ?? {}, emulator });
  expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
  return { plan, sent: accepted(emulator, from) };
}

/** A planned request with its placeholders filled, as it must appear on the wire (`source` names the source its ids come from). */
function filled(request: PlannedRequest, emulator: Emulator, secrets: Record<string, string>, sourceType?: string): Sent {
  const source = emulator.state.liveSources().find((s) => sourceType === undefined || s.sourceType === sourceType)!;
  const schemaId = (name: string): string => [...emulator.state.schemas.values()].find((s) => s.name === name && !s.deleted && s.sourceId === source.id)!.id;
  const fill = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fill);
    if (value !== null && typeof value === 'object') {
      const secret = (value as { $secret?: string }).$secret;
      if (secret !== undefined) return secrets[secret];
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    }
    return value;
  };
  const path = request.path.replace('{source_id}', source.id).replace('{schema_id}', request.schema_of ? schemaId(request.schema_of) : '{schema_id}');
  return { method: request.method, path, body: fill(request.body) };
}

const requestsOf = (plan: Plan, address: string): PlannedRequest[] => plan.changes.find((c: Change) => c.address === address)!.requests;
const allRequests = (plan: Plan): PlannedRequest[] => plan.changes.flatMap((c) => c.requests);
const sortSent = (list: Sent[]): string[] => list.map((q) => JSON.stringify(q)).sort();
const shopSecrets = (): Record<string, string> => ({ 'config.password': world.env.SHOP_DB_PASSWORD! });

describe('planned change → exact HTTP request', () => {
  it('source create and table create: POST external_data_sources/ with every table, then a schedule PATCH per table off the create default', async () => {
    await world.write(yaml(SHOP_SOURCE));
    const { plan, sent } = await planThenApply();
    const create = requestsOf(plan, 'source.shop_db');
    expect(create).toMatchObject([{ op: 'create_source', method: 'POST', path: 'external_data_sources/', phase: 0 }]);
    const payload = (create[0]!.body as { payload: Record<string, unknown> }).payload;
    // The plan holds the secret as a placeholder, never its value.
    expect(payload.password).toEqual({ $secret: 'config.password' });
    expect(JSON.stringify(plan)).not.toContain(world.env.SHOP_DB_PASSWORD!);
    // Declared tables on (frequency is not read at create, API.md §2.3), every other discovered table off.
    expect((payload.schemas as Record<string, unknown>[]).filter((s) => s.should_sync)).toEqual([
      { name: 'countries', should_sync: true, sync_type: 'full_refresh', sync_time_of_day: null },
      { name: 'orders', should_sync: true, sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp', primary_key_columns: ['id'], sync_time_of_day: null },
      { name: 'users', should_sync: true, sync_type: 'full_refresh', sync_time_of_day: null },
    ]);
    expect((payload.schemas as Record<string, unknown>[]).filter((s) => !s.should_sync).every((s) => Object.keys(s).join() === 'name,should_sync')).toBe(true);
    expect(requestsOf(plan, 'source.shop_db.table.orders')).toEqual([{ op: 'update_schema', method: 'PATCH', path: 'external_data_schemas/{schema_id}/', body: { sync_frequency: '1hour' }, phase: 4, schema_of: 'orders' }]);
    // PostHog's create default (6hour) differs from the file's default (24hour): users is set too.
    expect(requestsOf(plan, 'source.shop_db.table.users')).toMatchObject([{ body: { sync_frequency: '24hour' } }]);
    expect(sortSent(sent)).toEqual(sortSent(allRequests(plan).map((r) => filled(r, world.emulator, shopSecrets()))));
  });

  it('source update: PATCH external_data_sources/{id}/ with the whole config, secrets re-sent', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const { plan, sent } = await planThenApply({ env: { DB_HOST: 'localhost' } });
    const source = world.emulator.state.liveSources()[0]!;
    expect(requestsOf(plan, 'source.shop_db')).toMatchObject([{ op: 'update_source', method: 'PATCH', path: `external_data_sources/${source.id}/`, phase: 0 }]);
    expect(sent).toEqual(allRequests(plan).map((r) => filled(r, world.emulator, shopSecrets())));
    expect((sent[0]!.body as { job_inputs: Record<string, unknown> }).job_inputs).toMatchObject({ host: 'localhost', password: world.env.SHOP_DB_PASSWORD });
  });

  it('credential rotation (--update-credentials): the same PATCH with every secret, though nothing PostHog shows differs', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const { plan, sent } = await planThenApply({ planArgs: ['--update-credentials', 'shop_db'], applyArgs: ['--update-credentials', 'shop_db'] });
    const source = world.emulator.state.liveSources()[0]!;
    const rotate = requestsOf(plan, 'source.shop_db');
    expect(rotate).toEqual([
      {
        op: 'update_source',
        method: 'PATCH',
        path: `external_data_sources/${source.id}/`,
        body: { job_inputs: { host: world.env.DB_HOST, port: Number(world.env.DB_PORT), database: 'postgres', user: 'postgres', password: { $secret: 'config.password' }, schema: 'public' } },
        phase: 0,
      },
    ]);
    expect(sent).toEqual(rotate.map((r) => filled(r, world.emulator, shopSecrets())));
    expect(allRequests(plan)).toHaveLength(1);
  });

  it('table update and disable: one PATCH external_data_schemas/{id}/ each, with the body the plan shows', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(yaml(SHOP_SOURCE.replace('sync_frequency: 1hour', 'sync_frequency: 6hour').replace('      countries:\n        sync: full_refresh\n        sync_frequency: 7day\n', '')));
    const { plan, sent } = await planThenApply();
    const orders = plan.changes.find((c) => c.address === 'source.shop_db.table.orders')!;
    expect(orders.requests).toEqual([{ op: 'update_schema', method: 'PATCH', path: `external_data_schemas/${orders.remote_id}/`, body: orders.after, phase: 4 }]);
    const countries = plan.changes.find((c) => c.address === 'source.shop_db.table.countries')!;
    expect(countries.requests).toEqual([{ op: 'update_schema', method: 'PATCH', path: `external_data_schemas/${countries.remote_id}/`, body: { should_sync: false }, phase: 4 }]);
    expect(sortSent(sent)).toEqual(sortSent(allRequests(plan).map((r) => filled(r, world.emulator, {}))));
  });

  it('table create on an existing source: POST refresh_schemas/, then PATCH of the new schema', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.database.query('CREATE TABLE IF NOT EXISTS golden_refunds (id integer PRIMARY KEY, amount numeric)');
    try {
      await world.write(yaml(`${SHOP_SOURCE}      golden_refunds:\n        sync: full_refresh\n`));
      const { plan, sent } = await planThenApply();
      const source = world.emulator.state.liveSources()[0]!;
      expect(requestsOf(plan, 'source.shop_db.table.golden_refunds')).toEqual([
        { op: 'refresh_schemas', method: 'POST', path: `external_data_sources/${source.id}/refresh_schemas/`, body: {}, phase: 3 },
        { op: 'update_schema', method: 'PATCH', path: 'external_data_schemas/{schema_id}/', schema_of: 'golden_refunds', phase: 4, body: { should_sync: true, sync_type: 'full_refresh', sync_time_of_day: null, sync_frequency: '24hour' } },
      ]);
      expect(sent).toEqual(allRequests(plan).map((r) => filled(r, world.emulator, {})));
    } finally {
      await world.database.query('DROP TABLE IF EXISTS golden_refunds');
    }
  });

  it('webhook create: POST create_webhook/ on the new source (the signing secret only if PostHog could not register), then GET webhook_info/ to verify', async () => {
    await world.write(yaml(BILLING_SOURCE));
    const { plan, sent } = await planThenApply();
    const webhook = requestsOf(plan, 'source.billing.webhook');
    expect(webhook).toEqual([
      { op: 'create_webhook', method: 'POST', path: 'external_data_sources/{source_id}/create_webhook/', body: {}, phase: 5 },
      { op: 'update_webhook_inputs', method: 'POST', path: 'external_data_sources/{source_id}/update_webhook_inputs/', body: { inputs: { signing_secret: { $secret: 'webhook.signing_secret' } } }, phase: 5, when: 'webhook-not-registered' },
      { op: 'check_webhook', method: 'GET', path: 'external_data_sources/{source_id}/webhook_info/', body: null, phase: 5 },
    ]);
    // PostHog registered the webhook itself: the conditional request is not sent; create_webhook is checked
    // against webhook_info first (never a second endpoint).
    const source = world.emulator.state.liveSources()[0]!;
    expect(sent.filter((q) => q.path.includes('webhook'))).toEqual([
      { method: 'GET', path: `external_data_sources/${source.id}/webhook_info/`, body: null },
      filled(webhook[0]!, world.emulator, {}),
      filled(webhook[2]!, world.emulator, {}),
    ]);
  });

  it('webhook secret re-send: a table switched to webhook sync is PATCHed, then update_webhook_inputs/ stores the declared secret again (API.md §12), then GET webhook_info/', async () => {
    await world.write(yaml(BILLING_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(yaml(BILLING_SOURCE.replace('      Charge:', '      Subscription: { sync: webhook }\n      Charge:')));
    const { plan, sent } = await planThenApply();
    const source = world.emulator.state.liveSources()[0]!;
    expect(requestsOf(plan, 'source.billing.table.Subscription')).toMatchObject([{ op: 'update_schema', method: 'PATCH', phase: 4, body: { should_sync: true, sync_type: 'webhook' } }]);
    expect(requestsOf(plan, 'source.billing.webhook')).toEqual([
      { op: 'update_webhook_inputs', method: 'POST', path: `external_data_sources/${source.id}/update_webhook_inputs/`, body: { inputs: { signing_secret: { $secret: 'webhook.signing_secret' } } }, phase: 5 },
      { op: 'check_webhook', method: 'GET', path: `external_data_sources/${source.id}/webhook_info/`, body: null, phase: 5 },
    ]);
    // In this order on the wire: the PATCH (which drops the secret), the secret, the check.
    expect(sent).toEqual(allRequests(plan).map((r) => filled(r, world.emulator, { 'webhook.signing_secret': WEBHOOK_SECRET })));
    expect(source.endpoints.filter((e) => !e.deleted)).toHaveLength(1);
    expect(source.hogFunction?.inputs).toHaveProperty('signing_secret');
  });

  it('webhook with missing events and no table switch: no request at all (a repair PATCH would re-switch a table every run); plan warns with webhook-missing-events instead', async () => {
    await world.write(yaml(BILLING_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const source = world.emulator.state.liveSources()[0]!;
    const endpoint = source.endpoints.find((e) => !e.deleted)!;
    const dropped = endpoint.enabledEvents[0]!;
    endpoint.enabledEvents = endpoint.enabledEvents.slice(1);
    const { plan, sent } = await planThenApply();
    expect(plan.changes.find((c) => c.address === 'source.billing.webhook')).toMatchObject({ action: 'no-op', requests: [] });
    expect(allRequests(plan)).toEqual([]);
    expect(plan.diagnostics.find((d) => d.code === 'webhook-missing-events')?.message).toContain(dropped);
    // Nothing written (the only requests are the reads of the plan apply recomputes, webhook_info among them).
    expect(sent.filter((q) => q.method !== 'GET')).toEqual([]);
    expect(source.endpoints.filter((e) => !e.deleted)).toHaveLength(1);
    expect(source.endpoints.find((e) => !e.deleted)!.enabledEvents).not.toContain(dropped);
    expect(source.hogFunction?.inputs).toHaveProperty('signing_secret');
  });

  it('source delete (--prune): DELETE external_data_sources/{id}/', async () => {
    await world.write(yaml(SHOP_SOURCE, BILLING_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(yaml(SHOP_SOURCE));
    const billing = world.emulator.state.liveSources().find((s) => s.sourceType === 'Stripe')!;
    const { plan, sent } = await planThenApply({ planArgs: ['--prune'] });
    expect(requestsOf(plan, 'remote.Stripe.billing_')).toEqual([{ op: 'delete_source', method: 'DELETE', path: `external_data_sources/${billing.id}/`, body: null, phase: 0 }]);
    expect(sent).toEqual([{ method: 'DELETE', path: `external_data_sources/${billing.id}/`, body: null }]);
  });

  it('moved_from: the new source is created first, the old one deleted by the last request of the sequence', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const old = world.emulator.state.liveSources()[0]!;
    await world.write(yaml(SHOP_SOURCE.replace('    prefix: shop_\n', '    prefix: shop2_\n    moved_from: shop_\n')));
    const { plan, sent } = await planThenApply();
    const remove = requestsOf(plan, 'remote.Postgres.shop_');
    expect(remove).toEqual([{ op: 'delete_source', method: 'DELETE', path: `external_data_sources/${old.id}/`, body: null, phase: 6 }]);
    expect(Math.max(...plan.changes.filter((c) => c.address !== 'remote.Postgres.shop_').flatMap((c) => c.requests.map((r) => r.phase)))).toBeLessThan(6);
    const created = world.emulator.state.liveSources().find((s) => s.prefix === 'shop2_')!;
    expect(sent[0]).toMatchObject({ method: 'POST', path: 'external_data_sources/' });
    expect(sent.at(-1)).toEqual({ method: 'DELETE', path: `external_data_sources/${old.id}/`, body: null });
    expect(sortSent(sent)).toEqual(sortSent(allRequests(plan).map((r) => (r.op === 'delete_source' ? { method: r.method, path: r.path, body: r.body } : filled(r, world.emulator, shopSecrets())))));
    expect(world.emulator.state.liveSources().map((s) => s.id)).toEqual([created.id]);
  });

  it('schema PATCHes of one source travel as one bulk_update_schemas where PostHog allows it (a transport optimisation)', async () => {
    const bulk = await extraEmulator({ bulkUpdateSchemasScope: 'write' });
    try {
      await world.write(yaml(SHOP_SOURCE));
      const { plan, sent } = await planThenApply({ emulator: bulk });
      const source = bulk.state.liveSources()[0]!;
      const schedules = plan.changes.filter((c) => c.kind === 'table').map((c) => filled(c.requests[0]!, bulk, {}));
      const batch = sent.filter((q) => q.path.endsWith('bulk_update_schemas/'));
      expect(batch).toHaveLength(1);
      expect(batch[0]!.path).toBe(`external_data_sources/${source.id}/bulk_update_schemas/`);
      const entries = (batch[0]!.body as { schemas: Record<string, unknown>[] }).schemas;
      // Each entry is exactly a planned PATCH: its body, and the id from its path.
      expect(entries.map((e) => JSON.stringify(e)).sort()).toEqual(schedules.map((q) => JSON.stringify({ id: q.path.split('/')[1], ...(q.body as object) })).sort());
    } finally {
      await bulk.close();
    }
  });
});

/**
 * enable_cdc (API.md §2.12, §12) needs a database PostHog's prerequisite check passes (logical WAL, a replication
 * role): the machine's PostgreSQL, as in test/e2e/day2-scenarios.test.ts; skipped (never passed) without pg_ctl.
 */
describe('planned change → exact HTTP request: CDC enabled on an existing source', () => {
  const pg = useSystemPostgres(world);

  it('source update + enable_cdc: the source PATCH (phase 0), then POST external_data_sources/{id}/enable_cdc/ with the dialect\'s body (phase 2), then the table\'s switch to cdc (phase 4), in that order on the wire', async (ctx) => {
    const s = pg.require(ctx);
    const env = cdcDbEnv(s);
    await world.write(yaml(cdcDbSource(s, { description: 'before', tables: '      orders:\n        sync: full_refresh\n' })));
    expect((await run(world, ['apply', '--yes'], { env })).exitCode).toBe(0);
    const source = world.emulator.state.liveSources()[0]!;
    const orders = [...world.emulator.state.schemas.values()].find((x) => x.name === 'orders' && !x.deleted && x.sourceId === source.id)!;
    await waitFor(async () => orders.status === 'Completed');

    await world.write(yaml(cdcDbSource(s, { description: 'after', tables: '      orders:\n        sync: cdc\n', cdc: '    cdc:\n      management: posthog\n      slot_name: dwctl_slot\n      publication_name: dwctl_pub\n' })));
    const { plan, sent } = await planThenApply({ env });
    expect(requestsOf(plan, 'source.cdc_db')).toEqual([
      { op: 'update_source', method: 'PATCH', path: `external_data_sources/${source.id}/`, body: { description: 'after' }, phase: 0 },
      {
        op: 'enable_cdc',
        method: 'POST',
        path: `external_data_sources/${source.id}/enable_cdc/`,
        body: { cdc_management_mode: 'posthog', cdc_slot_name: 'dwctl_slot', cdc_publication_name: 'dwctl_pub' },
        phase: 2,
      },
    ]);
    expect(requestsOf(plan, 'source.cdc_db.table.orders')).toMatchObject([{ op: 'update_schema', method: 'PATCH', path: `external_data_schemas/${orders.id}/`, body: { sync_type: 'cdc', primary_key_columns: ['id'] }, phase: 4 }]);
    // Exactly the planned requests, in plan order: the source PATCH, enable_cdc, the table switch.
    expect(sent).toEqual(allRequests(plan).map((r) => filled(r, world.emulator, { 'config.password': s.password })));
    expect(sent.map((q) => `${q.method} ${q.path}`)).toEqual([
      `PATCH external_data_sources/${source.id}/`,
      `POST external_data_sources/${source.id}/enable_cdc/`,
      `PATCH external_data_schemas/${orders.id}/`,
    ]);
    expect(source.jobInputs).toMatchObject({ cdc_enabled: true, cdc_slot_name: 'dwctl_slot', cdc_publication_name: 'dwctl_pub' });
    expect(orders.syncType).toBe('cdc');
  });
});
