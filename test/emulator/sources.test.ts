/** Create / retrieve / PATCH / DELETE / refresh / bulk and schema behaviour (API.md §2.3–§2.13). */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type Emulator, startEmulator } from './server.js';
import type { SourceRow } from './state.js';
import { call, createStripe, STRIPE_KEY, stripePayload, waitFor } from './support.js';

let emulator: Emulator;
const SOURCES = 'external_data_sources/';

beforeAll(async () => {
  emulator = await startEmulator({
    stripeKeys: { [STRIPE_KEY]: { webhookWrite: true, deniedResources: ['Payout'] } },
    integrations: { 101: 'hubspot', 102: 'salesforce' },
    failingSyncs: { stripe_stripe_invoice: 'Stripe returned 500 while listing invoices' },
    syncDurationMs: 60,
    // A PostHog whose bulk_update_schemas is a write action (the default mode refuses personal keys, API.md §12).
    bulkUpdateSchemasScope: 'write',
  });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator.close();
});

const create = (body: Record<string, unknown>) => call(emulator, 'POST', SOURCES, body);
const sourceCount = () => emulator.state.liveSources().length;

describe('create: PostHog check order (API.md §2.3)', () => {
  it('checks prefix rules before uniqueness, uniqueness before config, config before credentials', async () => {
    await createStripe(emulator, 'stripe', [{ name: 'Charge', should_sync: false }]);
    const underscores = await create({ source_type: 'Stripe', prefix: '__', payload: { auth_method: { selection: 'api_key', stripe_secret_key: 'bad' } } });
    expect(underscores.body).toEqual({ type: 'validation_error', code: 'invalid_input', detail: 'Prefix cannot consist of only underscores', attr: null });
    const dup = await create({ source_type: 'Stripe', prefix: 'stripe', payload: {} });
    expect(dup.body.message).toMatch(/^Another source of this type already uses the prefix 'stripe'/);
    const noConfig = await create({ source_type: 'Stripe', prefix: 'other', payload: {} });
    expect(noConfig.body).toEqual({ message: "Invalid source config: Required field 'auth_method' is missing" });
    const badKey = await create({ source_type: 'Stripe', prefix: 'other', payload: stripePayload('rk_live_wrong') });
    expect(badKey.body.message).toMatch(/^Stripe rejected the API key\./);
    // A different type may reuse the prefix; a prefixed second Stripe source is fine.
    expect((await create({ source_type: 'Hubspot', prefix: 'stripe', payload: { hubspot_integration_id: 101, schemas: [{ name: 'deals', should_sync: false }] } })).status).toBe(201);
    expect(sourceCount()).toBe(2);
  });

  it('refuses an OAuth integration of the wrong kind, and source types without a driver', async () => {
    const wrongKind = await create({ source_type: 'Hubspot', payload: { hubspot_integration_id: 102 } });
    expect(wrongKind.body.message).toBe("We couldn't validate those credentials. Check they're correct and have the required access, then try again.");
    const zendesk = await create({ source_type: 'Zendesk', payload: { subdomain: 'acme', api_key: 'k', email_address: 'a@b.c' } });
    expect(zendesk.body.message).toBe("The Zendesk source isn't available to connect yet. Choose a different source, or contact support if you were expecting it.");
  });

  it('removes the half-created source on every failure after the row exists', async () => {
    const cases: [unknown, string][] = [
      [[{ name: 'Nope', should_sync: true }], 'Schemas given do not exist in source'],
      ['Charge', "The 'schemas' field must be a list of the tables to sync."],
      [[{ name: 'Charge', should_sync: true, sync_type: 'foo' }], 'Unknown sync type: foo. Use one of: full_refresh, incremental, append, webhook, cdc, xmin.'],
      [[{ name: 'Charge', should_sync: true, sync_type: 'cdc' }, { name: 'Refund', should_sync: true, sync_type: 'cdc' }],
        'CDC must be enabled on the source before selecting it as a sync type. The following schemas requested CDC: Charge, Refund.'],
      [[{ name: 'Charge', should_sync: true, sync_type: 'append' }], 'Incremental schemas given do not have an incremental field set'],
      [[{ name: 'Charge', should_sync: true, sync_type: 'append', incremental_field: 'created' }], 'Incremental schemas given do not have an incremental field type set'],
    ];
    for (const [schemas, text] of cases) {
      const reply = await create({ source_type: 'Stripe', prefix: 's', payload: { ...stripePayload(), schemas } });
      expect([reply.status, reply.body]).toEqual([400, { message: text }]);
      expect(sourceCount()).toBe(0);
      expect(emulator.state.schemas.size).toBe(0);
    }
  });

  it('ignores sync_frequency at create, keeps sync_time_of_day, rewrites labels and creates only listed tables', async () => {
    const id = await createStripe(emulator, 'stripe', [
      { name: 'Charge', should_sync: true, sync_type: 'append', incremental_field: 'created_at', incremental_field_type: 'datetime', sync_frequency: '24hour', sync_time_of_day: '03:00:00' },
      { name: 'Customer', should_sync: false, sync_type: null },
    ]);
    const source = await call(emulator, 'GET', `${SOURCES}${id}/`);
    expect(source.body.schemas.map((s: { name: string }) => s.name)).toEqual(['Charge', 'Customer']);
    const charge = source.body.schemas[0];
    expect(charge).toMatchObject({ sync_frequency: '6hour', sync_time_of_day: '03:00:00', incremental_field: 'created', incremental_field_type: 'integer', status: 'Running' });
    expect(source.body.schemas[1]).toMatchObject({ status: null, should_sync: false });
  });

  it('builds default schemas when none are given (webhook-only and permission-denied tables off)', async () => {
    const reply = await create({ source_type: 'Stripe', payload: stripePayload() });
    expect(reply.status).toBe(201);
    const source = await call(emulator, 'GET', `${SOURCES}${reply.body.id}/`);
    expect(source.body.schemas).toHaveLength(42);
    const byName = Object.fromEntries(source.body.schemas.map((s: { name: string }) => [s.name, s]));
    expect(byName.Discount).toMatchObject({ should_sync: false, sync_type: null });
    expect(byName.Payout).toMatchObject({ should_sync: false });
    expect(byName.Charge).toMatchObject({ should_sync: true, sync_type: 'append', incremental_field: 'created' });
    expect(byName.SubscriptionItem).toMatchObject({ should_sync: true, sync_type: 'full_refresh' });
  });

  it('reports per-table permission errors in database_schema', async () => {
    const reply = await call(emulator, 'POST', `${SOURCES}database_schema/`, { source_type: 'Stripe', ...stripePayload() });
    const payout = reply.body.find((t: { table: string }) => t.table === 'Payout');
    expect(payout.permission_error).toMatch(/does not have the required permissions.*'rak_payout_read'/);
  });
});

describe('syncs and status (API.md §2.4 get_status)', () => {
  it('runs enabled schemas to Completed with a table, or Failed with the seeded error', async () => {
    const id = await createStripe(emulator, 'stripe_', [
      { name: 'Charge', should_sync: true, sync_type: 'full_refresh' },
      { name: 'Invoice', should_sync: true, sync_type: 'full_refresh' },
    ]);
    expect((await call(emulator, 'GET', `${SOURCES}${id}/`)).body.status).toBe('Running');
    await waitFor(async () => (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.status !== 'Running');
    const source = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body;
    expect(source.status).toBe('Failed');
    expect(source.latest_error).toBe('Stripe returned 500 while listing invoices');
    const charge = source.schemas.find((s: { name: string }) => s.name === 'Charge');
    expect(charge.status).toBe('Completed');
    expect(charge.last_synced_at).not.toBeNull();
    expect(charge.table).toMatchObject({ name: 'stripe_stripe_charge' });
    expect(charge.table.row_count).toBeGreaterThan(0);
    // Turning the failing table off leaves a Completed source.
    const invoice = source.schemas.find((s: { name: string }) => s.name === 'Invoice');
    await call(emulator, 'PATCH', `external_data_schemas/${invoice.id}/`, { should_sync: false });
    expect((await call(emulator, 'GET', `${SOURCES}${id}/`)).body.status).toBe('Completed');
    // reload/ starts the enabled tables again.
    expect((await call(emulator, 'POST', `${SOURCES}${id}/reload/`)).status).toBe(200);
    expect((await call(emulator, 'GET', `${SOURCES}${id}/`)).body.status).toBe('Running');
  });
});

describe('PATCH / DELETE (API.md §2.5, §2.6)', () => {
  /** A stored Postgres source, inserted directly so no database is needed. */
  function insertPostgres(): SourceRow {
    const row: SourceRow = {
      id: emulator.state.newId(), createdAt: emulator.state.now(), createdVia: 'api', sourceType: 'Postgres', prefix: 'shop_', description: null,
      accessMethod: 'warehouse', status: 'Running', apiVersion: 'v1', hogFunction: null, endpoints: [], deleted: false,
      jobInputs: {
        host: 'db.example.com', port: 5432, database: 'shop', user: 'reader', password: 'hunter2', schema: 'public', connection_string: 'postgres://x',
        ssh_tunnel: { enabled: true, host: 'bastion', port: 22, auth: { selection: 'password', username: 'jump', password: 'sshpw' } },
        cdc_enabled: false,
      },
    };
    emulator.state.sources.set(row.id, row);
    return row;
  }

  it('strips secrets from job_inputs on reads', async () => {
    const row = insertPostgres();
    const reply = await call(emulator, 'GET', `${SOURCES}${row.id}/`);
    expect(reply.body.job_inputs).toEqual({
      host: 'db.example.com', port: 5432, database: 'shop', user: 'reader', schema: 'public',
      ssh_tunnel: { host: 'bastion', port: 22, auth: { selection: 'password', username: 'jump' }, enabled: true, require_tls: { enabled: true } },
      cdc_enabled: false,
    });
  });

  it('ignores prefix, merges description, refuses a host change without the password and an access_method change', async () => {
    const row = insertPostgres();
    const patched = await call(emulator, 'PATCH', `${SOURCES}${row.id}/`, { prefix: 'renamed_', description: 'Shop DB' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ prefix: 'shop_', description: 'Shop DB' });
    const host = await call(emulator, 'PATCH', `${SOURCES}${row.id}/`, { job_inputs: { host: 'new.example.com' } });
    expect([host.status, host.body]).toEqual([400, { type: 'validation_error', code: 'invalid_input', detail: 'Changing the connection host requires re-entering your credentials.', attr: null }]);
    const access = await call(emulator, 'PATCH', `${SOURCES}${row.id}/`, { access_method: 'direct' });
    expect(access.body.detail).toBe('Access method cannot be changed. Create a new source instead.');
    expect(row.jobInputs.host).toBe('db.example.com');
  });

  it('keeps stored secrets when a PATCH omits them', async () => {
    const id = await createStripe(emulator, 'keep', [{ name: 'Charge', should_sync: false }]);
    const reply = await call(emulator, 'PATCH', `${SOURCES}${id}/`, { job_inputs: { auth_method: { selection: 'api_key' }, stripe_account_id: 'acct_1' } });
    expect(reply.status).toBe(200);
    const stored = emulator.state.sources.get(id)!.jobInputs;
    expect(stored).toMatchObject({ auth_method: { selection: 'api_key', stripe_secret_key: STRIPE_KEY }, stripe_account_id: 'acct_1' });
    expect(reply.body.job_inputs).toEqual({ auth_method: { selection: 'api_key' }, stripe_account_id: 'acct_1' });
  });

  it('soft-deletes: 204, then 404, and its schemas disappear', async () => {
    const id = await createStripe(emulator, 'gone', [{ name: 'Charge', should_sync: true, sync_type: 'full_refresh' }]);
    expect((await call(emulator, 'DELETE', `${SOURCES}${id}/`)).status).toBe(204);
    expect((await call(emulator, 'GET', `${SOURCES}${id}/`)).status).toBe(404);
    expect((await call(emulator, 'GET', 'external_data_schemas/')).body.count).toBe(0);
  });
});

describe('refresh_schemas and bulk_update_schemas (API.md §2.8, §2.9)', () => {
  it('refresh adds newly seen tables switched off', async () => {
    const id = await createStripe(emulator, 'r', [{ name: 'Charge', should_sync: true, sync_type: 'full_refresh' }]);
    const reply = await call(emulator, 'POST', `${SOURCES}${id}/refresh_schemas/`);
    expect(reply.body).toEqual({ added: 41, deleted: 0, auto_enabled: 0, total_tables_seen: 42 });
    const source = await call(emulator, 'GET', `${SOURCES}${id}/`);
    expect(source.body.schemas.filter((s: { should_sync: boolean }) => s.should_sync)).toHaveLength(1);
  });

  it('validates ids, applies schema-PATCH validations and returns full schemas', async () => {
    const id = await createStripe(emulator, 'b', [
      { name: 'Charge', should_sync: false },
      { name: 'Discount', should_sync: false },
    ]);
    const [charge, discount] = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.schemas;
    const url = `${SOURCES}${id}/bulk_update_schemas/`;
    const dup = await call(emulator, 'PATCH', url, { schemas: [{ id: charge.id }, { id: charge.id }] });
    expect(dup.body).toMatchObject({ code: 'invalid_input', detail: 'Schema updates must contain unique ids' });
    const unknown = await call(emulator, 'PATCH', url, { schemas: [{ id: 'nope' }] });
    expect(unknown.body.detail).toBe('One or more schemas could not be found for this source');
    const partial = await call(emulator, 'PATCH', url, {
      schemas: [{ id: charge.id, should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour' }, { id: discount.id, should_sync: true, sync_type: 'full_refresh' }],
    });
    expect(partial.status).toBe(400);
    expect(partial.body).toMatchObject({ type: 'server_error', code: 'bulk_schema_save_failed' });
    expect(partial.body.detail).toBe(
      'These schemas in the batch could not be saved: Discount (Discount can only be synced via webhooks — pick the Webhook sync method.). Any other schemas in the batch were saved successfully — retry the ones listed here.',
    );
    expect(emulator.state.schemas.get(charge.id)).toMatchObject({ shouldSync: true, syncFrequency: '24hour', status: 'Running' });
    const okReply = await call(emulator, 'PATCH', url, { schemas: [{ id: discount.id, should_sync: true, sync_type: 'webhook' }] });
    expect(okReply.status).toBe(200);
    expect(okReply.body).toHaveLength(1);
    expect(okReply.body[0]).toMatchObject({ id: discount.id, sync_type: 'webhook', should_sync: true });
  });

  it('can run without bulk_update_schemas (an older PostHog)', async () => {
    const old = await startEmulator({ bulkUpdateSchemas: false, stripeKeys: { [STRIPE_KEY]: {} } });
    try {
      const id = await createStripe(old, 'x', [{ name: 'Charge', should_sync: false }]);
      const reply = await call(old, 'PATCH', `${SOURCES}${id}/bulk_update_schemas/`, { schemas: [{ id: 'a' }] });
      expect(reply.status).toBe(404);
    } finally {
      await old.close();
    }
  });
});

describe('schema PATCH validations (API.md §2.13)', () => {
  it('refuses in PostHog order and applies valid changes', async () => {
    const id = await createStripe(emulator, 'v', [{ name: 'Charge', should_sync: false }, { name: 'Customer', should_sync: true, sync_type: 'full_refresh' }]);
    const [charge, customer] = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.schemas;
    const patch = (schemaId: string, body: unknown) => call(emulator, 'PATCH', `external_data_schemas/${schemaId}/`, body);
    expect((await patch(charge.id, { should_sync: true })).body.detail).toBe('Sync type must be set up first before enabling schema');
    expect((await patch(charge.id, { incremental_field: 'created' })).body.detail).toBe(
      'incremental_field cannot be applied to a schema with sync type not set on its own. Include sync_type in the same request to change the sync type.',
    );
    // DRF's TimeField refuses an impossible time; update() then insists on %H:%M:%S (API.md §12).
    expect((await patch(charge.id, { sync_time_of_day: '25:00' })).body).toMatchObject({ attr: 'sync_time_of_day', code: 'invalid_input' });
    expect((await patch(charge.id, { sync_time_of_day: '04:30' })).body.detail).toBe('Invalid sync time of day');
    expect((await patch(charge.id, { sync_type: 'xmin' })).body.detail).toBe('xmin replication is only available for Postgres sources.');
    expect((await patch(charge.id, { enabled_columns: ['id'] })).body.detail).toBe('Column selection is not supported for this source type.');
    const ok = await patch(customer.id, { sync_frequency: 'never', sync_time_of_day: '04:30:00' });
    expect(ok.body).toMatchObject({ sync_frequency: null, sync_time_of_day: '04:30:00' });
    const enable = await patch(charge.id, { should_sync: true, sync_type: 'append', incremental_field: 'created', incremental_field_type: 'integer' });
    expect(enable.body).toMatchObject({ status: 'Running', incremental_field: 'created', incremental_field_type: 'integer', incremental: true });
    expect((await call(emulator, 'POST', `external_data_schemas/${customer.id}/resync/`)).status).toBe(200);
    expect((await call(emulator, 'DELETE', `external_data_schemas/${customer.id}/`)).status).toBe(204);
    expect((await call(emulator, 'GET', `external_data_schemas/${customer.id}/`)).status).toBe(404);
  });
});
