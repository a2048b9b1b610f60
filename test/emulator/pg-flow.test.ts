/**
 * The Postgres paths of the emulator end to end over PGlite (the other engineer's driver and harness):
 * database_schema shape, CDC gating / PK checks at create, incremental-without-PK, check_cdc_prerequisites.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { shopSeedSql } from './pg/expected-shop.js';
import { type PgServer, startPglite, sourceConfig } from './pg/harness.js';
import { type Emulator, startEmulator } from './server.js';
import { call, example } from './support.js';

let database: PgServer;
let emulator: Emulator;
let config: Record<string, unknown>;
const SOURCES = 'external_data_sources/';

beforeAll(async () => {
  database = await startPglite({ seedSql: shopSeedSql });
  emulator = await startEmulator({ syncDurationMs: 30 });
  config = sourceConfig(database);
});
afterAll(async () => {
  await emulator?.close();
  await database?.close();
});

const create = (payload: Record<string, unknown>, prefix = 'shop_') => call(emulator, 'POST', SOURCES, { source_type: 'Postgres', prefix, payload: { ...config, ...payload } });

describe('Postgres through the emulator', () => {
  it('database_schema entries have the example shape; CDC availability follows the PK', async () => {
    const reply = await call(emulator, 'POST', `${SOURCES}database_schema/`, { source_type: 'Postgres', ...config });
    expect(reply.status).toBe(200);
    const exampleKeys = Object.keys(example('db-schema-postgres-example.json')._response[0]).sort();
    for (const entry of reply.body) expect(Object.keys(entry).sort()).toEqual(exampleKeys);
    const byName = Object.fromEntries(reply.body.map((t: { table: string }) => [t.table, t]));
    expect(byName.orders).toMatchObject({ cdc_available: true, detected_primary_keys: ['id'] });
    expect(byName.audit_log).toMatchObject({ cdc_available: false });
  });

  it('refuses CDC on a table without a PK and removes the source; CDC tables get 5min and their PK', async () => {
    const refused = await create({ cdc_enabled: true, schemas: [{ name: 'orders', should_sync: true, sync_type: 'cdc' }, { name: 'audit_log', should_sync: true, sync_type: 'cdc' }] });
    expect(refused.body).toEqual({ message: 'CDC requires a primary key on each table. The following tables have no primary key: audit_log.' });
    expect(emulator.state.liveSources()).toHaveLength(0);

    const noCdc = await create({ schemas: [{ name: 'orders', should_sync: true, sync_type: 'cdc' }] });
    expect(noCdc.body.message).toBe('CDC must be enabled on the source before selecting it as a sync type. The following schemas requested CDC: orders.');

    const created = await create({ cdc_enabled: true, schemas: [{ name: 'orders', should_sync: true, sync_type: 'cdc', sync_frequency: '1hour' }] });
    expect(created.status).toBe(201);
    const source = await call(emulator, 'GET', `${SOURCES}${created.body.id}/`);
    expect(source.body.schemas[0]).toMatchObject({ sync_type: 'cdc', sync_frequency: '5min', primary_key_columns: ['id'], cdc_table_mode: 'consolidated' });
    expect(source.body.job_inputs).not.toHaveProperty('password');
    expect(source.body.job_inputs.cdc_enabled).toBe(true);
    emulator.reset();
  });

  it('refuses incremental sync of a table with no PK and no id column', async () => {
    const reply = await create({ schemas: [{ name: 'audit_log', should_sync: true, sync_type: 'incremental', incremental_field: 'at', incremental_field_type: 'timestamp' }] });
    expect(reply.body).toEqual({
      message: "Table 'audit_log' has no primary key to sync incrementally on. Choose a primary key for it, or switch it to full table replication.",
    });
    expect(emulator.state.liveSources()).toHaveLength(0);
  });

  it('check_cdc_prerequisites answers {valid, errors} and refuses a bad management mode', async () => {
    const file = example('cdc-prerequisites-examples.json');
    const reply = await call(emulator, 'POST', `${SOURCES}check_cdc_prerequisites/`, { ...file.request, ...config, tables: ['orders', 'audit_log'] });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(Object.keys(file.response_failing.body).sort());
    expect(reply.body.valid).toBe(reply.body.errors.length === 0);
    expect(reply.body.errors).toContain("Table 'public.audit_log' has no primary key. CDC requires a primary key on each table.");
    const badMode = await call(emulator, 'POST', `${SOURCES}check_cdc_prerequisites/`, { source_type: 'Postgres', ...config, cdc_management_mode: 'manual' });
    expect(badMode.body).toEqual({ message: "cdc_management_mode must be 'posthog' or 'self_managed'." });
  });
});
