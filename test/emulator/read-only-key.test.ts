/**
 * The world's key table (test/helpers/world.ts) holds a read-only personal API key next to the write key.
 * API.md §1 "Auth": read actions need `external_data_source:read`; every write action — create, update,
 * partial_update, destroy, reload, database_schema, and the schema viewset's update — needs
 * `external_data_source:write`, and a key without it gets 403 "API key missing required scope
 * 'external_data_source:write'".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { API_KEY, READ_ONLY_API_KEY, WORLD_KEYS } from '../helpers/world.js';
import { type Emulator, startEmulator } from './server.js';
import { call, createStripe, STRIPE_KEY, stripePayload, waitFor } from './support.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ keys: WORLD_KEYS, stripeKeys: { [STRIPE_KEY]: {} }, syncDurationMs: 20 });
});
afterAll(async () => {
  await emulator.close();
});

const MISSING_WRITE = "API key missing required scope 'external_data_source:write'";

describe('the read-only key of the world (API.md §1 Auth)', () => {
  it('reads sources, one source, its schemas and the wizard', async () => {
    const id = await createStripe(emulator, 'ro_', [{ name: 'Customer', should_sync: true, sync_type: 'full_refresh' }]);
    for (const path of ['external_data_sources/', `external_data_sources/${id}/`, 'external_data_sources/wizard/', 'external_data_schemas/']) {
      const reply = await call(emulator, 'GET', path, undefined, READ_ONLY_API_KEY);
      expect(reply.status, path).toBe(200);
    }
  });

  it('gets 403 with the missing-scope message for every write action', async () => {
    const id = await createStripe(emulator, 'ro2_', [{ name: 'Customer', should_sync: true, sync_type: 'full_refresh' }]);
    const source = await call(emulator, 'GET', `external_data_sources/${id}/`, undefined, API_KEY);
    const schemaId = (source.body.schemas as { id: string }[])[0]?.id;
    expect(schemaId).toBeDefined();
    const writes: [string, string, unknown][] = [
      ['POST', 'external_data_sources/', { source_type: 'Stripe', prefix: 'x_', payload: { ...stripePayload(STRIPE_KEY), schemas: [] } }],
      ['POST', 'external_data_sources/database_schema/', { source_type: 'Stripe' }],
      ['PATCH', `external_data_sources/${id}/`, { description: 'changed' }],
      ['PUT', `external_data_sources/${id}/`, { description: 'changed' }],
      ['POST', `external_data_sources/${id}/reload/`, {}],
      ['DELETE', `external_data_sources/${id}/`, undefined],
      ['PATCH', `external_data_schemas/${schemaId}/`, { should_sync: true }],
    ];
    for (const [method, path, body] of writes) {
      const reply = await call(emulator, method, path, body, READ_ONLY_API_KEY);
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body.detail, `${method} ${path}`).toBe(MISSING_WRITE);
    }
    // Nothing changed: the source is still there, undescribed.
    const after = await call(emulator, 'GET', `external_data_sources/${id}/`, undefined, API_KEY);
    expect(after.status).toBe(200);
    expect(after.body.description).not.toBe('changed');
  });

  it('reads webhook_info (a read action), and gets 403 for check_cdc_prerequisites (a write action): what a read-only plan may and may not call', async () => {
    const id = await createStripe(emulator, 'ro3_', [{ name: 'Customer', should_sync: true, sync_type: 'webhook' }]);
    const info = await call(emulator, 'GET', `external_data_sources/${id}/webhook_info/`, undefined, READ_ONLY_API_KEY);
    expect(info.status).toBe(200);
    expect(info.body.supports_webhooks).toBe(true);
    const cdc = await call(emulator, 'POST', 'external_data_sources/check_cdc_prerequisites/', { source_type: 'Postgres' }, READ_ONLY_API_KEY);
    expect([cdc.status, cdc.body.detail]).toEqual([403, MISSING_WRITE]);
  });
});

describe('what a source delete drops (API.md §2.4 schemas[].table, §2.13 read-only table/last_synced_at)', () => {
  it('a schema has no table and no last_synced_at until its first sync; one disabled after syncing keeps its table', async () => {
    const id = await createStripe(emulator, 'drop_', [
      { name: 'Customer', should_sync: true, sync_type: 'full_refresh' },
      { name: 'Charge', should_sync: false, sync_type: 'full_refresh' },
    ]);
    const schemas = async () => Object.fromEntries(((await call(emulator, 'GET', `external_data_sources/${id}/`)).body.schemas as { name: string }[]).map((s) => [s.name, s as Record<string, unknown>]));
    expect((await schemas()).Charge).toMatchObject({ should_sync: false, table: null, last_synced_at: null });
    await waitFor(async () => (await schemas()).Customer!.table !== null);
    const customer = (await schemas()).Customer!;
    expect(customer.last_synced_at).not.toBeNull();
    expect((await call(emulator, 'PATCH', `external_data_schemas/${customer.id}/`, { should_sync: false })).status).toBe(200);
    expect((await schemas()).Customer).toMatchObject({ should_sync: false, table: { name: expect.any(String) } });
    expect((await schemas()).Charge).toMatchObject({ table: null });
  });
});
