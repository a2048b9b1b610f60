/**
 * The Postgres driver against the machine's real PostgreSQL server (scram auth, wal_level=logical):
 * discovery incl. matviews / RLS / missing grants, credential error mapping from real server
 * failures, and the CDC prerequisite check.
 *
 * When the PostgreSQL binaries are missing the suite fails under CI (CI machines have them, .ci/run installs
 * them) and otherwise each test calls the runner's skip, so a missing pg_ctl shows as skipped, never as passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPostgresDriver, RLS_WARNING_MESSAGE } from './drivers/postgres.js';
import { DriverError } from './drivers/types.js';
import { expectedShopTables, shopSeedSql, XMIN } from './pg/expected-shop.js';
import { findPostgresBinDir, type PgServer, startSystemPostgres, sourceConfig } from './pg/harness.js';

const driver = createPostgresDriver({ connectTimeoutMs: 3_000 });
let server: PgServer | null = null;
let config: Record<string, unknown>;

beforeAll(async () => {
  server = await startSystemPostgres({ seedSql: shopSeedSql, walLevel: 'logical' });
  if (!server) {
    if (process.env.CI) throw new Error(`CI is set but no PostgreSQL binaries were found (pg_ctl on PATH or /usr/lib/postgresql/*/bin)`);
    return;
  }
  config = sourceConfig(server);
  // A read-only role without REPLICATION that owns nothing, plus objects the other tests need.
  await server.query(`
    CREATE ROLE reader LOGIN PASSWORD 'reader-pw';
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
    CREATE SCHEMA analytics AUTHORIZATION dwctl;
    SET ROLE dwctl;
    CREATE MATERIALIZED VIEW analytics.daily_revenue AS
      SELECT date_trunc('day', created_at) AS day, sum(total) AS revenue, count(*)::int AS orders FROM public.orders GROUP BY 1;
    RESET ROLE;
    CREATE SCHEMA restricted;
    GRANT USAGE ON SCHEMA restricted TO dwctl;
    CREATE TABLE restricted.tenant_notes (id int PRIMARY KEY, tenant text, body text);
    ALTER TABLE restricted.tenant_notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_only ON restricted.tenant_notes USING (tenant = current_user);
    GRANT SELECT ON restricted.tenant_notes TO dwctl;
    CREATE TABLE restricted.payroll (id int PRIMARY KEY, amount numeric);
    GRANT INSERT ON restricted.payroll TO dwctl;
  `);
});
afterAll(async () => {
  await server?.close();
});

/** The server, or the test is skipped (outside CI only: under CI a missing PostgreSQL fails). */
function requireServer(ctx: { skip(note?: string): never }): PgServer {
  if (server) return server;
  expect(process.env.CI, 'PostgreSQL is required under CI').toBeFalsy();
  expect(findPostgresBinDir()).toBeNull();
  return ctx.skip('no PostgreSQL server binaries (pg_ctl) on this machine');
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriverError);
  return (error as Error).message;
}

const noCdcRequest = { managementMode: 'posthog' as const, slotName: null, publicationName: null };

describe('Postgres driver on a real PostgreSQL server', () => {
  it('runs a real PostgreSQL 13+ server with scram auth and logical WAL', async (ctx) => {
    const s = requireServer(ctx);
    expect(s.kind).toBe('postgres');
    expect(s.version).toBeGreaterThanOrEqual(13);
    expect(await s.query(`SELECT current_setting('wal_level') AS wal, current_setting('password_encryption') AS enc`)).toEqual([
      { wal: 'logical', enc: 'scram-sha-256' },
    ]);
  });

  it('discovers the seed exactly, bare names and schema.table names', async (ctx) => {
    requireServer(ctx);
    await expect(driver.validateCredentials(config)).resolves.toBeUndefined();
    expect(await driver.discover(config, { cdcEnabledForTeam: true })).toEqual(expectedShopTables({ cdc: true }));
    const all = await driver.discover({ ...config, schema: '' }, { cdcEnabledForTeam: false });
    expect(all.map((t) => t.table)).toEqual([
      'analytics.daily_revenue',
      ...expectedShopTables({ cdc: false, prefix: 'public.' }).map((t) => t.table),
      'restricted.payroll',
      'restricted.tenant_notes',
    ]);
    expect(all.filter((t) => t.table.startsWith('public.'))).toEqual(expectedShopTables({ cdc: false, prefix: 'public.' }));
  });

  it('reads matview columns from pg_catalog and offers xmin on them', async (ctx) => {
    requireServer(ctx);
    const [mv] = await driver.discover({ ...config, schema: 'analytics' }, { cdcEnabledForTeam: true });
    expect(mv).toMatchObject({
      table: 'daily_revenue',
      available_columns: [
        { field: 'day', label: 'day', type: 'timestamp with time zone', nullable: true },
        { field: 'revenue', label: 'revenue', type: 'numeric', nullable: true },
        { field: 'orders', label: 'orders', type: 'integer', nullable: true },
      ],
      incremental_fields: [
        { label: 'day', type: 'timestamp', field: 'day', field_type: 'timestamp', nullable: true, is_indexed: false },
        { label: 'orders', type: 'integer', field: 'orders', field_type: 'integer', nullable: true, is_indexed: false },
        XMIN,
      ],
      xmin_available: true,
      detected_primary_keys: null,
      cdc_available: false,
      incremental_field: 'day',
    });
  });

  it('warns about row-level security and reports a missing SELECT grant', async (ctx) => {
    requireServer(ctx);
    const tables = await driver.discover({ ...config, schema: 'restricted' }, { cdcEnabledForTeam: false });
    const byName = Object.fromEntries(tables.map((t) => [t.table, t]));
    expect(byName.tenant_notes?.rls_warning).toBe(RLS_WARNING_MESSAGE);
    expect(byName.tenant_notes?.permission_error).toBeNull();
    expect(byName.payroll?.rls_warning).toBeNull();
    expect(byName.payroll?.permission_error).toBe(
      "No SELECT permission on table 'restricted.payroll'. Grant SELECT on it to the database user to sync it.",
    );
    // The table owner is exempt from (non-forced) RLS: no warning on the seed's own tables.
    expect((await driver.discover(config, { cdcEnabledForTeam: false })).every((t) => t.rls_warning === null)).toBe(true);
  });

  it('maps real connection failures to PostHog texts', async (ctx) => {
    requireServer(ctx);
    expect(await rejection(driver.validateCredentials({ ...config, password: 'not-the-password' }))).toBe(
      'The database rejected the username or password. Check the user and password for this source and try again.',
    );
    expect(await rejection(driver.validateCredentials({ ...config, user: 'nobody' }))).toBe(
      'The database rejected the username or password. Check the user and password for this source and try again.',
    );
    expect(await rejection(driver.validateCredentials({ ...config, database: 'no_such_db' }))).toBe(
      "The database named in your connection details doesn't exist on this server. Check the database name is correct and try again.",
    );
    expect(await rejection(driver.validateCredentials({ ...config, port: 1 }))).toBe('Could not connect to the host on the port given');
    expect(await rejection(driver.validateCredentials({ ...config, host: 'no-such-host.invalid' }))).toMatch(
      /^(Could not connect to the host|PostHog couldn't resolve your database host right now\. .*)$/,
    );
    // Loopback is allowed: the emulator behaves like self-hosted PostHog, which skips the private-IP policy.
    await expect(driver.validateCredentials({ ...config, host: 'localhost' })).resolves.toBeUndefined();
  });

  it('passes the CDC check for a replication-capable owner on PK tables', async (ctx) => {
    requireServer(ctx);
    expect(await driver.checkCdcPrerequisites!(config, { ...noCdcRequest, tables: ['orders', 'users', 'events'] })).toEqual({ valid: true, errors: [] });
    // Blank schema: tables arrive as schema.table.
    expect(await driver.checkCdcPrerequisites!({ ...config, schema: '' }, { ...noCdcRequest, tables: ['public.orders'] })).toEqual({ valid: true, errors: [] });
  });

  it('reports the missing primary key, missing tables and missing grants', async (ctx) => {
    requireServer(ctx);
    expect(await driver.checkCdcPrerequisites!(config, { ...noCdcRequest, tables: ['orders', 'audit_log'] })).toEqual({
      valid: false,
      errors: ["Table 'public.audit_log' has no primary key. CDC requires a primary key on each table."],
    });
    const restricted = await driver.checkCdcPrerequisites!({ ...config, schema: 'restricted' }, { ...noCdcRequest, tables: ['payroll', 'ghost'] });
    expect(restricted.errors).toEqual([
      "Table 'restricted.ghost' has no primary key. CDC requires a primary key on each table.",
      "No SELECT permission on table 'restricted.payroll'.",
      "Table 'restricted.ghost' does not exist.",
      expect.stringMatching(/^The database user does not own table 'restricted\.payroll'\. PostgreSQL only lets a table's owner publish it, .* ALTER TABLE "restricted"\."payroll" OWNER TO dwctl, .* Incremental needs only SELECT permission\.$/),
    ]);
  });

  it('reports a user without replication rights (and, in posthog mode, not owning the tables)', async (ctx) => {
    requireServer(ctx);
    const reader = { ...config, user: 'reader', password: 'reader-pw' };
    const replicationError =
      'The database user cannot create logical replication slots. Grant one of: REPLICATION attribute (ALTER USER <username> WITH REPLICATION), ' +
      "superuser, or membership in rds_replication / rds_superuser on RDS. If you can't grant replication access, switch these tables to " +
      'Incremental sync instead of CDC. Incremental needs only SELECT permission.';
    const posthogMode = await driver.checkCdcPrerequisites!(reader, { ...noCdcRequest, tables: ['orders'] });
    expect(posthogMode.valid).toBe(false);
    expect(posthogMode.errors[0]).toBe(replicationError);
    expect(posthogMode.errors[1]).toMatch(/^The database user does not own table 'public\.orders'\..* OWNER TO reader, /);
    expect(posthogMode.errors).toHaveLength(2);
    // Self-managed: no ownership check, but the publication must exist and replication is still required.
    const selfManaged = await driver.checkCdcPrerequisites!(reader, { managementMode: 'self_managed', tables: ['orders'], slotName: 'ph_slot', publicationName: 'ph_pub' });
    expect(selfManaged.errors).toEqual([replicationError, "Publication 'ph_pub' does not exist. Create it with: CREATE PUBLICATION ph_pub FOR TABLE ...;"]);
    await server!.query('CREATE PUBLICATION ph_pub FOR TABLE public.orders');
    const withPublication = await driver.checkCdcPrerequisites!(config, { managementMode: 'self_managed', tables: ['orders'], slotName: 'ph_slot', publicationName: 'ph_pub' });
    expect(withPublication).toEqual({ valid: true, errors: [] });
  });

  it('reports exhausted replication slot capacity from the live server', async (ctx) => {
    const s = requireServer(ctx);
    await s.query(`SELECT pg_create_physical_replication_slot('fill_' || i) FROM generate_series(1, 4) AS i`);
    try {
      expect(await driver.checkCdcPrerequisites!(config, { ...noCdcRequest, tables: ['orders'] })).toEqual({
        valid: false,
        errors: ['No replication slot capacity available (4/4 slots in use). Increase max_replication_slots in your PostgreSQL configuration.'],
      });
    } finally {
      await s.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'fill\\_%'`);
    }
  });

  it('wraps a failed connection in the CDC and PK-lookup texts', async (ctx) => {
    requireServer(ctx);
    expect(await rejection(driver.checkCdcPrerequisites!({ ...config, port: 1 }, { ...noCdcRequest, tables: ['orders'] }))).toBe(
      'Could not connect to Postgres to check prerequisites: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
    );
    expect(await rejection(driver.checkCdcPrerequisites!({ ...config, password: 'nope' }, { ...noCdcRequest, tables: ['orders'] }))).toBe(
      `Could not connect to Postgres to check prerequisites: connection to server at "127.0.0.1", port ${config.port} failed: FATAL:  password authentication failed for user "dwctl"`,
    );
    expect(await rejection(driver.primaryKeys!({ ...config, port: 1 }, ['orders']))).toMatch(
      /^Could not connect to your database to set up change data capture: connection to server at "127\.0\.0\.1", port 1 failed: Connection refused/,
    );
    expect(await driver.primaryKeys!(config, ['orders', 'audit_log'])).toEqual({ orders: ['id'] });
  });
});
