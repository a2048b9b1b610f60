/**
 * Day-2 behaviours (API.md §12) over PGlite and the emulated Stripe: every request is the one PostHog's
 * code would receive, sent over the socket. Each test names the API.md section it holds the emulator to.
 * The ones needing a password-checking server (rotation, enable_cdc) are in day2-postgres.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { shopSeedSql } from './pg/expected-shop.js';
import { type PgServer, startPglite, sourceConfig } from './pg/harness.js';
import { type Emulator, startEmulator } from './server.js';
import { call, createStripe, STRIPE_KEY, STRIPE_KEY_NO_WEBHOOKS, stripePayload, waitFor } from './support.js';

let database: PgServer;
let emulator: Emulator;
let config: Record<string, unknown>;
const SOURCES = 'external_data_sources/';
/** A restricted key with 'Read' but not 'Write' on Stripe's Webhook endpoints. */
const STRIPE_KEY_READ_WEBHOOKS = 'rk_test_read_webhooks';

beforeAll(async () => {
  database = await startPglite({
    seedSql: `${shopSeedSql}
      CREATE TABLE legacy_items ("ID" integer, label text, changed_at timestamp with time zone);`,
  });
  emulator = await startEmulator({
    syncDurationMs: 30,
    stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_KEY_NO_WEBHOOKS]: {}, [STRIPE_KEY_READ_WEBHOOKS]: { webhookRead: true } },
  });
  config = sourceConfig(database);
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator?.close();
  await database?.close();
});

async function createPostgres(prefix: string, schemas: unknown[], extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await call(emulator, 'POST', SOURCES, { source_type: 'Postgres', prefix, payload: { ...config, ...extra, schemas } });
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id as string;
}

async function schemasOf(id: string): Promise<Record<string, any>> {
  const source = await call(emulator, 'GET', `${SOURCES}${id}/`);
  return Object.fromEntries(source.body.schemas.map((s: { name: string }) => [s.name, s]));
}

const patchSchema = (schemaId: string, body: unknown) => call(emulator, 'PATCH', `external_data_schemas/${schemaId}/`, body);
const invalid = (detail: string) => ({ type: 'validation_error', code: 'invalid_input', detail, attr: null });

describe('primary keys (API.md §12, §2.3 step 17, §2.13)', () => {
  it('§2.3 step 17: create stores keys for incremental/append (given, else detected), CDC takes the database keys, full_refresh/xmin/webhook none', async () => {
    const id = await createPostgres(
      'shop_',
      [
        { name: 'orders', should_sync: true, sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp', primary_key_columns: ['id', 'customer_id'] },
        { name: 'users', should_sync: true, sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp' },
        { name: 'events', should_sync: true, sync_type: 'cdc', primary_key_columns: ['user_id'], cdc_table_mode: 'both' },
        { name: 'countries', should_sync: true, sync_type: 'xmin', incremental_field: 'xmin', incremental_field_type: 'xid', primary_key_columns: ['code'] },
        { name: 'audit_log', should_sync: true, sync_type: 'full_refresh', primary_key_columns: ['actor'] },
      ],
      { cdc_enabled: true },
    );
    const byName = await schemasOf(id);
    expect(byName.orders.primary_key_columns).toEqual(['id', 'customer_id']);
    expect(byName.users.primary_key_columns).toEqual(['id']);
    // A given key is not used for CDC: the database's key is.
    expect(byName.events).toMatchObject({ primary_key_columns: ['id'], cdc_table_mode: 'both' });
    expect(byName.countries.primary_key_columns).toBeNull();
    expect(byName.audit_log.primary_key_columns).toBeNull();
    // Webhook tables store none either (Stripe, where nothing is detected anyway).
    const stripe = await createStripe(emulator, 'st_', [{ name: 'Customer', should_sync: true, sync_type: 'webhook', primary_key_columns: ['id'] }]);
    expect((await schemasOf(stripe)).Customer.primary_key_columns).toBeNull();
  });

  it('§12: the full-refresh branch of a schema PATCH never writes the key; a bare key edit on it is refused', async () => {
    const id = await createPostgres('fr_', [{ name: 'audit_log', should_sync: false, sync_type: 'full_refresh' }]);
    const { audit_log: audit } = await schemasOf(id);
    const withType = await patchSchema(audit.id, { sync_type: 'full_refresh', primary_key_columns: ['actor'] });
    expect(withType.status).toBe(200);
    expect(withType.body.primary_key_columns).toBeNull();
    const bare = await patchSchema(audit.id, { primary_key_columns: ['actor'] });
    expect([bare.status, bare.body]).toEqual([
      400,
      invalid('primary_key_columns cannot be applied to a schema with sync type full_refresh on its own. Include sync_type in the same request to change the sync type.'),
    ]);
  });

  it('§12: a switch to cdc or xmin needs a key in the request or already stored, with no fallback to discovery', async () => {
    const id = await createPostgres('sw_', [{ name: 'countries', should_sync: false, sync_type: 'full_refresh' }]);
    const { countries } = await schemasOf(id);
    // Discovery knows `code` is the key, and still the switch is refused.
    const cdc = await patchSchema(countries.id, { sync_type: 'cdc' });
    expect([cdc.status, cdc.body]).toEqual([
      400,
      invalid("CDC requires a primary key on table 'countries'. Provide primary_key_columns or refresh schema discovery to pick one up."),
    ]);
    const xmin = await patchSchema(countries.id, { sync_type: 'xmin' });
    expect(xmin.body).toEqual(
      invalid("xmin replication requires a primary key on table 'countries'. Provide primary_key_columns or refresh schema discovery to pick one up."),
    );
    const given = await patchSchema(countries.id, { sync_type: 'cdc', primary_key_columns: ['code'] });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ sync_type: 'cdc', primary_key_columns: ['code'], cdc_table_mode: 'consolidated' });
  });

  it('§12: a synced full_refresh table (no stored key) switches to xmin with the detected key', async () => {
    const id = await createPostgres('fx_', [{ name: 'countries', should_sync: true, sync_type: 'full_refresh' }]);
    await waitFor(async () => (await schemasOf(id)).countries.table !== null);
    const { countries } = await schemasOf(id);
    expect(countries.primary_key_columns ?? null).toBeNull();
    const switched = await patchSchema(countries.id, { sync_type: 'xmin', primary_key_columns: ['code'] });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ sync_type: 'xmin', primary_key_columns: ['code'] });
  });

  it('§12, §2.13: a stored key cannot change once data synced', async () => {
    const id = await createPostgres('pk_', [
      { name: 'users', should_sync: true, sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp' },
    ]);
    const { users } = await schemasOf(id);
    // Before the first sync the key may change.
    expect((await patchSchema(users.id, { primary_key_columns: ['id', 'email'] })).status).toBe(200);
    await waitFor(async () => (await schemasOf(id)).users.table !== null);
    const changed = await patchSchema(users.id, { primary_key_columns: ['email'] });
    expect([changed.status, changed.body]).toEqual([
      400,
      invalid('Primary key cannot be changed after data has been synced. Delete the synced data first, then change the primary key.'),
    ]);
    expect((await schemasOf(id)).users.primary_key_columns).toEqual(['id', 'email']);
  });
});

describe('CDC on an existing source (API.md §12, §2.12)', () => {
  it('§12: a schema PATCH to cdc on a source without CDC succeeds, copies the table once, then nothing streams', async () => {
    const id = await createPostgres('nocdc_', [{ name: 'countries', should_sync: false, sync_type: 'full_refresh' }]);
    const { countries } = await schemasOf(id);
    const switched = await patchSchema(countries.id, { sync_type: 'cdc', should_sync: true, primary_key_columns: ['code'] });
    expect(switched.status).toBe(200);
    expect((await call(emulator, 'GET', `${SOURCES}${id}/cdc_status/`)).body).toEqual({ enabled: false });
    await waitFor(async () => (await schemasOf(id)).countries.status === 'Completed');
    const jobsAfterSnapshot = (await call(emulator, 'GET', `${SOURCES}${id}/jobs/`)).body;
    expect(jobsAfterSnapshot).toHaveLength(1);
    expect(jobsAfterSnapshot[0]).toMatchObject({ status: 'Completed', rows_synced: 8 });
    const synced = (await schemasOf(id)).countries.last_synced_at;
    // No slot, no publication: a later sync has nothing to read from.
    expect((await call(emulator, 'POST', `${SOURCES}${id}/reload/`)).status).toBe(200);
    expect((await call(emulator, 'GET', `${SOURCES}${id}/jobs/`)).body).toHaveLength(1);
    expect((await schemasOf(id)).countries).toMatchObject({ status: 'Completed', last_synced_at: synced });
  });

  it('§2.12: enable_cdc re-checks the prerequisites server-side (PGlite has wal_level=replica)', async () => {
    const id = await createPostgres('pre_', [{ name: 'orders', should_sync: false }]);
    const reply = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, { cdc_management_mode: 'posthog' });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toBe('CDC prerequisites not met.');
    expect(reply.body.errors).toContain(
      "wal_level must be set to 'logical' (currently 'replica'). This requires a PostgreSQL server restart after changing the configuration.",
    );
    const check = await call(emulator, 'POST', `${SOURCES}${id}/check_cdc_prerequisites_for_source/`, { cdc_management_mode: 'posthog' });
    expect(check.status).toBe(200);
    expect(check.body).toEqual({ valid: false, errors: reply.body.errors });
    const badMode = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, { cdc_management_mode: 'manual' });
    expect([badMode.status, badMode.body]).toEqual([400, { message: "cdc_management_mode must be 'posthog' or 'self_managed'." }]);
    expect((await call(emulator, 'POST', `${SOURCES}${id}/disable_cdc/`)).body).toEqual({ success: true, already_disabled: true });
    expect((await call(emulator, 'GET', `${SOURCES}${id}/`)).body.job_inputs).not.toHaveProperty('cdc_enabled');
  });

  it('§2.12: enable_cdc answers 403 when the team has no CDC, 400 for a source type without CDC', async () => {
    const stripe = await createStripe(emulator, 'x_', [{ name: 'Charge', should_sync: false }]);
    expect((await call(emulator, 'POST', `${SOURCES}${stripe}/enable_cdc/`, {})).body).toEqual({ message: 'CDC is not supported for source type: Stripe' });
    const noTeamCdc = await startEmulator({ cdcEnabledForTeam: false });
    try {
      const created = await call(noTeamCdc, 'POST', SOURCES, { source_type: 'Postgres', payload: { ...config, schemas: [{ name: 'orders', should_sync: false }] } });
      const reply = await call(noTeamCdc, 'POST', `${SOURCES}${created.body.id}/enable_cdc/`, {});
      expect([reply.status, reply.body]).toEqual([403, { message: 'CDC is not enabled for this team.' }]);
    } finally {
      await noTeamCdc.close();
    }
  });

  it('§2.13, §12: cdc_table_mode is read per table at create, writable by PATCH and validated as a choice', async () => {
    const id = await createPostgres('mode_', [{ name: 'orders', should_sync: true, sync_type: 'cdc', cdc_table_mode: 'cdc_only' }], { cdc_enabled: true });
    const { orders } = await schemasOf(id);
    expect(orders.cdc_table_mode).toBe('cdc_only');
    expect((await patchSchema(orders.id, { cdc_table_mode: 'both' })).body.cdc_table_mode).toBe('both');
    const bad = await patchSchema(orders.id, { cdc_table_mode: 'sideways' });
    expect([bad.status, bad.body]).toEqual([400, { type: 'validation_error', code: 'invalid_choice', detail: '"sideways" is not a valid choice.', attr: 'cdc_table_mode' }]);
  });
});

describe('create refuses what PostHog refuses (API.md §2.3 step 16, §12)', () => {
  it('§2.3 step 16: the missing-key check applies to incremental only, and an id column in any case counts as a key', async () => {
    const incremental = await call(emulator, 'POST', SOURCES, {
      source_type: 'Postgres', prefix: 'a_',
      payload: { ...config, schemas: [{ name: 'audit_log', should_sync: true, sync_type: 'incremental', incremental_field: 'at', incremental_field_type: 'timestamp' }] },
    });
    expect([incremental.status, incremental.body]).toEqual([
      400,
      { message: "Table 'audit_log' has no primary key to sync incrementally on. Choose a primary key for it, or switch it to full table replication." },
    ]);
    const append = await createPostgres('b_', [{ name: 'audit_log', should_sync: true, sync_type: 'append', incremental_field: 'at', incremental_field_type: 'timestamp' }]);
    expect((await schemasOf(append)).audit_log).toMatchObject({ sync_type: 'append', primary_key_columns: null });
    // `ID` is no primary key, but an id column counts.
    const upper = await createPostgres('c_', [
      { name: 'legacy_items', should_sync: true, sync_type: 'incremental', incremental_field: 'changed_at', incremental_field_type: 'timestamp' },
    ]);
    expect((await schemasOf(upper)).legacy_items.sync_type).toBe('incremental');
  });
});

describe('values in PostHog form (API.md §12, §6, §2.13)', () => {
  it('§12: sync_time_of_day is %H:%M:%S, sync_frequency null is ignored, incremental_field_type is a choice, never is null', async () => {
    const id = await createStripe(emulator, 'v_', [{ name: 'Charge', should_sync: true, sync_type: 'append', incremental_field: 'created_at', incremental_field_type: 'datetime' }]);
    const { Charge: charge } = await schemasOf(id);
    const short = await patchSchema(charge.id, { sync_time_of_day: '02:00' });
    expect([short.status, short.body]).toEqual([400, invalid('Invalid sync time of day')]);
    expect((await patchSchema(charge.id, { sync_time_of_day: '2:5:0' })).body.sync_time_of_day).toBe('02:05:00');
    expect((await patchSchema(charge.id, { sync_frequency: '24hour' })).body.sync_frequency).toBe('24hour');
    const nullFrequency = await patchSchema(charge.id, { sync_frequency: null });
    expect([nullFrequency.status, nullFrequency.body.sync_frequency]).toEqual([200, '24hour']);
    const hourly = await patchSchema(charge.id, { sync_frequency: 'hourly' });
    expect(hourly.body).toEqual({
      type: 'validation_error', code: 'invalid_choice', detail: '"hourly" is not a valid sync frequency. The fastest sync frequency is 5 minutes.', attr: 'sync_frequency',
    });
    const fieldType = await patchSchema(charge.id, { incremental_field_type: 'datetime2' });
    expect(fieldType.body).toEqual({ type: 'validation_error', code: 'invalid_choice', detail: '"datetime2" is not a valid choice.', attr: 'incremental_field_type' });
    expect((await patchSchema(charge.id, { sync_frequency: 'never' })).body.sync_frequency).toBeNull();
    // Labels are rewritten at create only (created_at -> created); a PATCH stores what it is sent.
    expect((await schemasOf(id)).Charge.incremental_field).toBe('created');
    expect((await patchSchema(charge.id, { incremental_field: 'created_at' })).body.incremental_field).toBe('created_at');
  });

  it('§12, §5: database_schema answers rows: null for Postgres and for Stripe', async () => {
    const pg = await call(emulator, 'POST', `${SOURCES}database_schema/`, { source_type: 'Postgres', ...config });
    const stripe = await call(emulator, 'POST', `${SOURCES}database_schema/`, { source_type: 'Stripe', ...stripePayload() });
    expect(pg.body.length).toBeGreaterThan(0);
    expect(stripe.body.length).toBe(42);
    for (const entry of [...pg.body, ...stripe.body]) expect(entry.rows).toBeNull();
  });
});

describe('bulk_update_schemas and personal API keys (API.md §12, §1)', () => {
  it('§12: by default (newest viewset) a scoped personal key gets 403; a legacy unscoped key passes; the write mode accepts it', async () => {
    const keys = { phx_test_key: { scopes: ['*'] }, phx_write: { scopes: ['external_data_source:write'] }, phx_legacy: { scopes: null } };
    const newest = await startEmulator({ keys, stripeKeys: { [STRIPE_KEY]: {} } });
    const older = await startEmulator({ keys, stripeKeys: { [STRIPE_KEY]: {} }, bulkUpdateSchemasScope: 'write' });
    try {
      for (const [server, expected] of [[newest, 403], [older, 200]] as const) {
        const id = await createStripe(server, 's_', [{ name: 'Charge', should_sync: false }]);
        const [charge] = (await call(server, 'GET', `${SOURCES}${id}/`)).body.schemas;
        const body = { schemas: [{ id: charge.id, should_sync: false }] };
        for (const key of ['phx_test_key', 'phx_write']) {
          const reply = await call(server, 'PATCH', `${SOURCES}${id}/bulk_update_schemas/`, body, key);
          expect(reply.status).toBe(expected);
          if (expected === 403) {
            expect(reply.body).toEqual({ type: 'authentication_error', code: 'permission_denied', detail: 'This action does not support Personal API Key access', attr: null });
          }
        }
        expect((await call(server, 'PATCH', `${SOURCES}${id}/bulk_update_schemas/`, body, 'phx_legacy')).status).toBe(200);
        // The per-schema PATCH is a default write action either way.
        expect((await call(server, 'PATCH', `external_data_schemas/${charge.id}/`, { should_sync: false }, 'phx_write')).status).toBe(200);
      }
    } finally {
      await newest.close();
      await older.close();
    }
  });
});

describe('webhook inputs replaced by a webhook schema PATCH (API.md §12, §7)', () => {
  const info = async (id: string) => (await call(emulator, 'GET', `${SOURCES}${id}/webhook_info/`)).body;

  it('§12: a PATCH to sync_type webhook (even should_sync false) wipes a signing secret given by update_webhook_inputs and merges the mapping', async () => {
    const id = await createStripe(emulator, 'wh_', [
      { name: 'Customer', should_sync: true, sync_type: 'webhook' },
      { name: 'Charge', should_sync: false },
    ]);
    expect((await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {})).body.success).toBe(true);
    expect((await call(emulator, 'POST', `${SOURCES}${id}/update_webhook_inputs/`, { inputs: { signing_secret: 'whsec_by_hand' } })).status).toBe(200);
    expect(emulator.state.sources.get(id)!.hogFunction!.inputs.signing_secret).toBe('whsec_by_hand');
    expect((await info(id)).inputs).toEqual({ signing_secret: { secret: true } });

    const { Charge: charge, Customer: customer } = await schemasOf(id);
    const patched = await patchSchema(charge.id, { sync_type: 'webhook', should_sync: false });
    expect(patched.status).toBe(200);
    const after = await info(id);
    expect(after.inputs).toEqual({});
    expect(emulator.state.sources.get(id)!.hogFunction!.inputs).toEqual({});
    expect(after.schema_mapping).toEqual({ customer: customer.id, charge: charge.id });
    // Still one function, and no new endpoint: the existing one was reconciled.
    expect(emulator.state.externalEndpointsRegistered()).toEqual({ [id]: 1 });
  });

  it('§12: create_webhook again reuses the function, registers another endpoint and replaces the stored secret', async () => {
    const id = await createStripe(emulator, 'again_', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }]);
    const first = await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {});
    await call(emulator, 'POST', `${SOURCES}${id}/update_webhook_inputs/`, { inputs: { signing_secret: 'whsec_by_hand' } });
    const second = await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {});
    expect(second.body.webhook_url).toBe(first.body.webhook_url);
    const source = emulator.state.sources.get(id)!;
    expect(source.endpoints).toHaveLength(2);
    expect(source.hogFunction!.inputs.signing_secret).toBe(source.endpoints[1]!.secret);
    expect(source.hogFunction!.inputs.signing_secret).not.toBe('whsec_by_hand');
  });

  it('§12: the webhook step creates and registers the function when absent, and reconciles events only when the key may write them', async () => {
    // Absent function, writable key: the PATCH creates and registers it.
    const created = await createStripe(emulator, 'auto_', [{ name: 'Customer', should_sync: false }]);
    const { Customer: customer } = await schemasOf(created);
    expect((await patchSchema(customer.id, { sync_type: 'webhook', should_sync: false })).status).toBe(200);
    expect((await info(created)).exists).toBe(true);
    expect(emulator.state.externalEndpointsRegistered()).toEqual({ [created]: 1 });

    const manual = async (id: string) => {
      const reply = await call(emulator, 'POST', '/_emulator/stripe/endpoints', { source_id: id, enabled_events: ['charge.succeeded'] }, null);
      expect(reply.status).toBe(201);
    };
    // Endpoint added by hand with one event; the key may write webhooks: the PATCH adds the rest.
    const writable = await createStripe(emulator, 'rw_', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }, { name: 'Charge', should_sync: false }]);
    await call(emulator, 'POST', `${SOURCES}${writable}/create_webhook/`, {});
    // The user deleted PostHog's endpoint in Stripe and added one by hand (test backdoor for Stripe's side).
    emulator.state.sources.get(writable)!.endpoints.forEach((e) => (e.deleted = true));
    await manual(writable);
    expect((await info(writable)).missing_events.length).toBeGreaterThan(0);
    expect((await patchSchema((await schemasOf(writable)).Charge.id, { sync_type: 'webhook', should_sync: true })).status).toBe(200);
    expect((await info(writable)).missing_events).toEqual([]);

    // Same with a key that cannot write webhooks: the PATCH succeeds, the events stay missing.
    const readOnly = await createStripe(emulator, 'ro_', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }, { name: 'Charge', should_sync: false }], STRIPE_KEY_NO_WEBHOOKS);
    expect((await call(emulator, 'POST', `${SOURCES}${readOnly}/create_webhook/`, {})).body.success).toBe(false);
    await manual(readOnly);
    // The read-only key cannot read endpoints either, so webhook_info cannot list what is missing.
    const patched = await patchSchema((await schemasOf(readOnly)).Charge.id, { sync_type: 'webhook', should_sync: true });
    expect(patched.status).toBe(200);
    const endpoint = emulator.state.sources.get(readOnly)!.endpoints.at(-1)!;
    expect(endpoint.enabledEvents).toEqual(['charge.succeeded']);
  });

  it('§7, §12: a key that may read but not write webhook endpoints: webhook_info lists the missing events, create_webhook and the PATCH cannot add them', async () => {
    const id = await createStripe(emulator, 'rd_', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }, { name: 'Charge', should_sync: false }], STRIPE_KEY_READ_WEBHOOKS);
    const created = (await call(emulator, 'POST', `${SOURCES}${id}/create_webhook/`, {})).body;
    expect(created).toMatchObject({ success: false, error: expect.stringContaining("doesn't have permission to create webhooks") });
    // No endpoint yet: read, not refused (external_status.error stays null).
    expect((await info(id)).external_status).toMatchObject({ exists: false, error: null });
    const reply = await call(emulator, 'POST', '/_emulator/stripe/endpoints', { source_id: id, enabled_events: ['charge.succeeded', 'customer.created'] }, null);
    expect(reply.status).toBe(201);
    const before = await info(id);
    expect(before.external_status).toMatchObject({ exists: true, status: 'enabled', error: null, enabled_events: ['charge.succeeded', 'customer.created'] });
    expect(before.missing_events).toContain('customer.updated');
    expect(before.missing_events).not.toContain('charge.succeeded');
    // The webhook step's reconciliation needs write access: PostHog logs the failure, the PATCH succeeds.
    expect((await patchSchema((await schemasOf(id)).Charge.id, { sync_type: 'webhook', should_sync: true })).status).toBe(200);
    expect((await info(id)).missing_events).toEqual(before.missing_events);
  });
});

describe('source PATCH job_inputs (API.md §2.5, §12)', () => {
  it('§2.5: merged over the stored config; a new host needs every secret again; a changed config is re-validated by connecting', async () => {
    const id = await createPostgres('edit_', [{ name: 'orders', should_sync: false }]);
    const patch = (body: unknown) => call(emulator, 'PATCH', `${SOURCES}${id}/`, body);
    const stored = () => emulator.state.sources.get(id)!.jobInputs;

    const host = await patch({ job_inputs: { host: 'localhost' } });
    expect([host.status, host.body]).toEqual([400, invalid('Changing the connection host requires re-entering your credentials.')]);
    expect((await patch({ job_inputs: { host: 'localhost', password: '' } })).body).toEqual(invalid('Changing the connection host requires re-entering your credentials.'));
    const moved = await patch({ job_inputs: { host: 'localhost', password: 'rotated' } });
    expect(moved.status).toBe(200);
    expect(stored()).toMatchObject({ host: 'localhost', password: 'rotated', user: config.user, port: config.port });
    // Reads never return a secret: removed, not masked.
    expect(moved.body.job_inputs).not.toHaveProperty('password');
    expect(JSON.stringify(moved.body)).not.toContain('rotated');

    // A changed config is checked by a real connection (nothing listens on port 1).
    const closed = await patch({ job_inputs: { port: 1 } });
    expect([closed.status, closed.body]).toEqual([400, invalid('Could not connect to the host on the port given')]);
    expect(stored().port).toBe(config.port);

    // Blank secrets keep the stored value; prefix is silently ignored; CDC keys only change through the CDC actions.
    const same = await patch({ prefix: 'renamed_', job_inputs: { password: '', schema: 'public', cdc_enabled: true } });
    expect(same.status).toBe(200);
    expect(same.body.prefix).toBe('edit_');
    expect(stored()).toMatchObject({ password: 'rotated' });
    expect(stored()).not.toHaveProperty('cdc_enabled');
  });

  it('§2.5: the SSH tunnel deep-merges; a new tunnel target needs the credentials again', async () => {
    const id = await createPostgres('ssh_', [{ name: 'orders', should_sync: false }]);
    const source = emulator.state.sources.get(id)!;
    // A tunnel stored earlier (the emulator cannot dial tunnels, so it is placed directly).
    source.jobInputs = { ...source.jobInputs, ssh_tunnel: { enabled: false, host: 'bastion', port: 22, auth: { selection: 'password', username: 'jump', password: 'sshpw' } } };
    const patch = (body: unknown) => call(emulator, 'PATCH', `${SOURCES}${id}/`, body);
    const target = await patch({ job_inputs: { ssh_tunnel: { host: 'bastion2' } } });
    expect(target.body).toEqual(invalid('Changing the SSH tunnel requires re-entering your database credentials.'));
    const noSshAuth = await patch({ job_inputs: { password: config.password, ssh_tunnel: { host: 'bastion2' } } });
    expect(noSshAuth.body).toEqual(invalid('Changing the SSH tunnel host requires re-entering your SSH credentials.'));
    // Same target, partial tunnel: the stored auth (and its password) survives.
    const partial = await patch({ job_inputs: { ssh_tunnel: { port: 22, auth: { selection: 'password', username: 'jump2' } } } });
    expect(partial.status).toBe(200);
    expect(source.jobInputs.ssh_tunnel).toEqual({ enabled: false, host: 'bastion', port: 22, auth: { selection: 'password', username: 'jump2', password: 'sshpw' } });
  });

  it('§2.5: a nested auth container deep-merges unless its selection changes', async () => {
    const id = await createStripe(emulator, 'auth_', [{ name: 'Charge', should_sync: false }]);
    const patch = (body: unknown) => call(emulator, 'PATCH', `${SOURCES}${id}/`, body);
    expect((await patch({ job_inputs: { auth_method: { selection: 'api_key' } } })).status).toBe(200);
    expect(emulator.state.sources.get(id)!.jobInputs.auth_method).toEqual({ selection: 'api_key', stripe_secret_key: STRIPE_KEY });
    // Switching selection keeps only what was sent: an OAuth integration that does not exist is refused.
    const oauth = await patch({ job_inputs: { auth_method: { selection: 'oauth', stripe_integration_id: 999 } } });
    expect(oauth.status).toBe(400);
    expect(emulator.state.sources.get(id)!.jobInputs.auth_method).toEqual({ selection: 'api_key', stripe_secret_key: STRIPE_KEY });
  });
});

describe('jobs (API.md §2.12, §2.4)', () => {
  it('§2.12: GET jobs lists runs newest first with rows_synced, status and the schema; schema list entries carry the table', async () => {
    const id = await createPostgres('jobs_', [
      { name: 'orders', should_sync: true, sync_type: 'full_refresh' },
      { name: 'countries', should_sync: true, sync_type: 'full_refresh' },
    ]);
    await waitFor(async () => Object.values(await schemasOf(id)).every((s) => s.status === 'Completed'));
    const jobs = (await call(emulator, 'GET', `${SOURCES}${id}/jobs/`)).body;
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(Object.keys(job).sort()).toEqual(
        ['billable', 'cdc_write_mode', 'created_at', 'created_by', 'destination_ids', 'finished_at', 'id', 'latest_error', 'rows_synced', 'schema', 'status', 'workflow_run_id'],
      );
      expect(job.status).toBe('Completed');
      expect(job.finished_at).not.toBeNull();
    }
    const rows = Object.fromEntries(jobs.map((j: { schema: { name: string }; rows_synced: number }) => [j.schema.name, j.rows_synced]));
    expect(rows).toEqual({ orders: 40, countries: 8 });
    expect(jobs[0].created_at >= jobs[1].created_at).toBe(true);
    const only = (await call(emulator, 'GET', `${SOURCES}${id}/jobs/?schemas=countries`)).body;
    expect(only.map((j: { schema: { name: string } }) => j.schema.name)).toEqual(['countries']);
    const list = (await call(emulator, 'GET', SOURCES)).body.results[0];
    const orders = list.schemas.find((s: { name: string }) => s.name === 'orders');
    expect(orders.table).toEqual({ id: expect.any(String), name: 'jobs_postgres_orders', row_count: 40 });
  });
});
