/**
 * Day-2 behaviours that need a PostgreSQL server which checks passwords and has logical WAL (PGlite
 * accepts any password and runs wal_level=replica): credential rotation observed through syncs that use
 * the STORED credentials (API.md §2.4, §12), and CDC enabled on an existing source (API.md §2.12, §12).
 *
 * Without PostgreSQL binaries the suite fails under CI and otherwise each test is skipped by the runner.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';

import { shopSeedSql } from './pg/expected-shop.js';
import { findPostgresBinDir, type PgServer, startSystemPostgres } from './pg/harness.js';
import { type Emulator, startEmulator } from './server.js';
import { call, waitFor } from './support.js';

let server: PgServer | null = null;
let emulator: Emulator;
const SOURCES = 'external_data_sources/';

beforeAll(async () => {
  server = await startSystemPostgres({ seedSql: shopSeedSql, walLevel: 'logical' });
  if (!server && process.env.CI) throw new Error('CI is set but no PostgreSQL binaries were found (pg_ctl on PATH or /usr/lib/postgresql/*/bin)');
  emulator = await startEmulator({ syncDurationMs: 30 });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  await emulator?.close();
  await server?.close();
});

/** The running server, or the runner's skip when this machine has no PostgreSQL. */
function requireServer(ctx: TestContext): PgServer {
  if (!server) {
    expect(findPostgresBinDir()).toBeNull();
    ctx.skip();
  }
  return server!;
}

const configOf = (s: PgServer, password = s.password) => ({ host: s.host, port: s.port, database: s.database, user: s.user, password, schema: 'public' });

async function schemaNamed(id: string, name: string): Promise<any> {
  return (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.schemas.find((s: { name: string }) => s.name === name);
}

describe('credential rotation (API.md §2.4, §12)', () => {
  it('§12: a sync with the stored password fails after ALTER USER; a PATCH with the new one is re-validated and the next sync succeeds', async (ctx) => {
    const s = requireServer(ctx);
    const created = await call(emulator, 'POST', SOURCES, {
      source_type: 'Postgres', prefix: 'rot_', payload: { ...configOf(s), schemas: [{ name: 'orders', should_sync: true, sync_type: 'full_refresh' }] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitFor(async () => (await schemaNamed(id, 'orders')).status === 'Completed');
    const orders = await schemaNamed(id, 'orders');

    const rotated = 'rotated-Pw-42';
    try {
      await s.query(`ALTER USER ${s.user} PASSWORD '${rotated}'`);
      // PostHog still holds the old password: the next sync fails the way its pipeline records it.
      expect((await call(emulator, 'POST', `external_data_schemas/${orders.id}/reload/`)).status).toBe(200);
      await waitFor(async () => (await schemaNamed(id, 'orders')).status === 'Failed');
      const failed = await schemaNamed(id, 'orders');
      expect(failed.latest_error).toBe(`connection to server at "${s.host}", port ${s.port} failed: FATAL:  password authentication failed for user "${s.user}"`);
      // A non-retryable error turns the table's syncing off ("re-enable the sync").
      expect(failed.should_sync).toBe(false);
      const source = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body;
      expect(source).toMatchObject({ status: 'Error', latest_error: failed.latest_error });
      const jobs = (await call(emulator, 'GET', `${SOURCES}${id}/jobs/`)).body;
      expect(jobs.map((j: { status: string }) => j.status)).toEqual(['Failed', 'Completed']);
      expect(jobs[0]).toMatchObject({ latest_error: failed.latest_error, rows_synced: 0 });
      expect(JSON.stringify(source)).not.toContain(s.password);

      // database_schema accepts the file's (new) credentials meanwhile: the signal a client can observe.
      expect((await call(emulator, 'POST', `${SOURCES}database_schema/`, { source_type: 'Postgres', ...configOf(s, rotated) })).status).toBe(200);

      // A wrong password is refused by the real server and not stored.
      const wrong = await call(emulator, 'PATCH', `${SOURCES}${id}/`, { job_inputs: { password: 'not-it' } });
      expect([wrong.status, wrong.body]).toEqual([
        400,
        { type: 'validation_error', code: 'invalid_input', detail: 'The database rejected the username or password. Check the user and password for this source and try again.', attr: null },
      ]);
      expect(emulator.state.sources.get(id)!.jobInputs.password).toBe(s.password);

      const fixed = await call(emulator, 'PATCH', `${SOURCES}${id}/`, { job_inputs: { password: rotated } });
      expect(fixed.status).toBe(200);
      expect(emulator.state.sources.get(id)!.jobInputs).toMatchObject({ ...configOf(s, rotated) });
      expect(JSON.stringify(fixed.body)).not.toContain(rotated);
      expect((await call(emulator, 'POST', `external_data_schemas/${orders.id}/reload/`)).status).toBe(200);
      await waitFor(async () => (await schemaNamed(id, 'orders')).status === 'Completed');
      expect(await schemaNamed(id, 'orders')).toMatchObject({ latest_error: null, table: expect.objectContaining({ row_count: 40 }) });
      expect((await call(emulator, 'GET', `${SOURCES}${id}/jobs/`)).body[0]).toMatchObject({ status: 'Completed', rows_synced: 40 });
    } finally {
      await s.query(`ALTER USER ${s.user} PASSWORD '${s.password}'`);
    }
  });
});

describe('CDC on an existing source (API.md §2.12, §12)', () => {
  it('§2.12: enable_cdc creates the slot and publication, cdc_status reads them, a CDC switch publishes the table, disable_cdc drops them', async (ctx) => {
    const s = requireServer(ctx);
    const created = await call(emulator, 'POST', SOURCES, {
      source_type: 'Postgres', prefix: 'cdc_', payload: { ...configOf(s), schemas: [{ name: 'orders', should_sync: false, sync_type: 'full_refresh' }] },
    });
    const id = created.body.id as string;
    const hex = id.replace(/-/g, '').slice(0, 12);
    const check = await call(emulator, 'POST', `${SOURCES}${id}/check_cdc_prerequisites_for_source/`, { cdc_management_mode: 'posthog' });
    expect(check.body).toEqual({ valid: true, errors: [] });
    expect((await call(emulator, 'GET', `${SOURCES}${id}/cdc_status/`)).body).toEqual({ enabled: false });
    try {
      const enabled = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, { cdc_management_mode: 'posthog' });
      expect([enabled.status, enabled.body]).toEqual([200, { success: true, schedules_ready: true }]);
      const jobInputs = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.job_inputs;
      expect(jobInputs).toMatchObject({
        cdc_enabled: true, cdc_management_mode: 'posthog', cdc_slot_name: `posthog_${hex}`, cdc_publication_name: `posthog_pub_${hex}`, cdc_auto_drop_slot: true,
      });
      expect(await s.query(`SELECT slot_name, plugin FROM pg_replication_slots`)).toEqual([{ slot_name: `posthog_${hex}`, plugin: 'pgoutput' }]);
      const status = (await call(emulator, 'GET', `${SOURCES}${id}/cdc_status/`)).body;
      expect(status).toMatchObject({
        enabled: true, management_mode: 'posthog', slot_name: `posthog_${hex}`, publication_name: `posthog_pub_${hex}`,
        slot_exists: true, publication_exists: true, published_tables: [], schedule_paused: false,
      });
      expect(typeof status.lag_bytes).toBe('number');

      const again = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, {});
      expect([again.status, again.body]).toEqual([409, { message: 'CDC is already enabled on this source.' }]);

      const orders = await schemaNamed(id, 'orders');
      const switched = await call(emulator, 'PATCH', `external_data_schemas/${orders.id}/`, { sync_type: 'cdc', should_sync: true, primary_key_columns: ['id'] });
      expect(switched.status).toBe(200);
      // The PATCH added the table to the publication before answering.
      expect((await call(emulator, 'GET', `${SOURCES}${id}/cdc_status/`)).body.published_tables).toEqual(['public.orders']);

      const disabled = await call(emulator, 'POST', `${SOURCES}${id}/disable_cdc/`);
      expect([disabled.status, disabled.body]).toEqual([200, { success: true }]);
      expect(await s.query(`SELECT count(*)::int AS n FROM pg_replication_slots`)).toEqual([{ n: 0 }]);
      expect(await s.query(`SELECT count(*)::int AS n FROM pg_publication`)).toEqual([{ n: 0 }]);
      expect(await schemaNamed(id, 'orders')).toMatchObject({ sync_type: null, should_sync: false });
      const after = (await call(emulator, 'GET', `${SOURCES}${id}/`)).body.job_inputs;
      expect(Object.keys(after).filter((k) => k.startsWith('cdc_'))).toEqual([]);
    } finally {
      await s.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots`);
      await s.query(`DROP PUBLICATION IF EXISTS "posthog_pub_${hex}"`);
    }
  });

  it('§2.12: self-managed mode needs the customer publication; an existing slot name is refused', async (ctx) => {
    const s = requireServer(ctx);
    const created = await call(emulator, 'POST', SOURCES, {
      source_type: 'Postgres', prefix: 'self_', payload: { ...configOf(s), schemas: [{ name: 'orders', should_sync: false }] },
    });
    const id = created.body.id as string;
    try {
      const missing = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, { cdc_management_mode: 'self_managed', cdc_publication_name: 'shop_pub' });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toBe('CDC prerequisites not met.');
      expect(missing.body.errors).toContain("Publication 'shop_pub' does not exist. Create it with: CREATE PUBLICATION shop_pub FOR TABLE ...;");

      await s.query(`SET ROLE ${s.user}; CREATE PUBLICATION shop_pub FOR TABLE public.orders; RESET ROLE;`);
      // A slot can't be created in a transaction that wrote, so separately.
      await s.query(`SELECT pg_create_logical_replication_slot('taken', 'pgoutput')`);
      const taken = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, { cdc_management_mode: 'self_managed', cdc_publication_name: 'shop_pub', cdc_slot_name: 'taken' });
      expect([taken.status, taken.body]).toEqual([400, { message: "A replication slot named 'taken' already exists on your database." }]);

      const ok = await call(emulator, 'POST', `${SOURCES}${id}/enable_cdc/`, { cdc_management_mode: 'self_managed', cdc_publication_name: 'shop_pub', cdc_slot_name: 'mine' });
      expect([ok.status, ok.body]).toEqual([200, { success: true, schedules_ready: true }]);
      expect((await call(emulator, 'GET', `${SOURCES}${id}/cdc_status/`)).body).toMatchObject({
        management_mode: 'self_managed', slot_name: 'mine', publication_name: 'shop_pub', slot_exists: true, publication_exists: true, published_tables: ['public.orders'],
      });
      // Disabling drops only PostHog's slot; the customer's publication stays.
      expect((await call(emulator, 'POST', `${SOURCES}${id}/disable_cdc/`)).body).toEqual({ success: true });
      expect(await s.query(`SELECT slot_name FROM pg_replication_slots ORDER BY 1`)).toEqual([{ slot_name: 'taken' }]);
      expect(await s.query(`SELECT pubname FROM pg_publication`)).toEqual([{ pubname: 'shop_pub' }]);
    } finally {
      await s.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots`);
      await s.query(`DROP PUBLICATION IF EXISTS shop_pub`);
    }
  });
});
