/**
 * Row estimates from Postgres statistics (`--count-rows`), against real servers: PGlite over its socket
 * (always) and the machine's PostgreSQL (skipped when it is not installed), plus the pure decisions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePostgresRows, printable, tableLocations, verdictFromStats, COUNT_FALLBACK_MAX_BYTES } from '../../src/estimate/postgres-rows.js';
import { estimateRows, hasRowEstimator } from '../../src/estimate/index.js';
import { shopSeedSql } from '../emulator/pg/expected-shop.js';
import { type PgServer, startPglite, startSystemPostgres, sourceConfig } from '../emulator/pg/harness.js';

describe('pure parts', () => {
  it('locates tables: bare names in the configured schema, schema.table when the schema is blank', () => {
    expect(tableLocations(['orders'], 'sales')).toEqual([{ table: 'orders', schema: 'sales', name: 'orders' }]);
    expect(tableLocations(['public.orders', 'a.b.c'], '  ')).toEqual([
      { table: 'public.orders', schema: 'public', name: 'orders' },
      { table: 'a.b.c', schema: 'a', name: 'b.c' },
    ]);
    expect(tableLocations(['orders'], undefined)).toEqual([{ table: 'orders', schema: 'public', name: 'orders' }]);
  });

  it.each([
    ['analysed table: reltuples', { kind: 'r', reltuples: 1234.6, relpages: 10 }, 0, { rows: 1235 }],
    ['analysed empty table', { kind: 'r', reltuples: 0, relpages: 1 }, 8192, { rows: 0 }],
    ['never analysed (PG 14+: -1), small: count', { kind: 'r', reltuples: -1, relpages: 0 }, 8192, { count: true }],
    ['never analysed (before PG 14: 0 on 0 pages), small: count', { kind: 'r', reltuples: 0, relpages: 0 }, 0, { count: true }],
    ['never analysed and large: unknown, with advice', { kind: 'r', reltuples: -1, relpages: 0 }, COUNT_FALLBACK_MAX_BYTES + 1, { unknown: 'never analysed and too large to count (run ANALYZE on it)' }],
    ['materialized view with statistics', { kind: 'm', reltuples: 50, relpages: 1 }, 8192, { rows: 50 }],
    ['view: no statistics', { kind: 'v', reltuples: -1, relpages: 0 }, 0, { unknown: 'a view has no row statistics' }],
    ['never analysed partitioned table: not counted', { kind: 'p', reltuples: -1, relpages: 0 }, 0, { unknown: 'the partitioned table was never analysed (run ANALYZE on it)' }],
  ])('%s', (_name, stats, bytes, verdict) => {
    expect(verdictFromStats({ schema: 'public', name: 't', ...stats }, bytes)).toEqual(verdict);
  });

  it('shows control characters from other systems as "?"', () => {
    expect(printable('evil\u001b[2Jname\u0007\u009b')).toBe('evil?[2Jname??');
  });

  it('only Postgres has an estimator; others answer null without loading a driver', async () => {
    expect(hasRowEstimator('Postgres')).toBe(true);
    expect(hasRowEstimator('Stripe')).toBe(false);
    expect(await estimateRows('Stripe', {}, ['Customer'])).toBeNull();
  });
});

describe('on PGlite', () => {
  let server: PgServer;
  let config: Record<string, unknown>;
  beforeAll(async () => {
    server = await startPglite({ seedSql: shopSeedSql });
    config = sourceConfig(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('counts never-analysed small tables, reads reltuples once analysed, and warns for views and unknown tables', async () => {
    await server.query('CREATE TABLE big_log (id bigint PRIMARY KEY); INSERT INTO big_log SELECT generate_series(1, 500); ANALYZE big_log; INSERT INTO big_log SELECT generate_series(501, 700);');
    const result = await estimatePostgresRows(config, ['orders', 'countries', 'big_log', 'order_totals', 'nope'], { ssl: 'prefer' });
    expect(Object.fromEntries(result.rows)).toEqual({
      orders: { value: 40, estimate: true },
      countries: { value: 8, estimate: true },
      // The statistics, not a count: 200 rows arrived after ANALYZE.
      big_log: { value: 500, estimate: true },
    });
    expect(result.warnings).toEqual(['order_totals: rows not counted (a view has no row statistics)', 'nope: rows not counted (not found in the database\'s catalog)']);
  });

  it('reads schema-qualified names when the schema is blank, quoting odd names safely', async () => {
    await server.query(`CREATE SCHEMA "we""ird"; CREATE TABLE "we""ird"."a; DROP TABLE orders" (x int); INSERT INTO "we""ird"."a; DROP TABLE orders" VALUES (1), (2);`);
    const result = await estimatePostgresRows({ ...config, schema: '' }, ['we"ird.a; DROP TABLE orders', 'public.users'], { ssl: 'disable' });
    expect(Object.fromEntries(result.rows)).toEqual({ 'we"ird.a; DROP TABLE orders': { value: 2, estimate: true }, 'public.users': { value: 30, estimate: true } });
    expect(await server.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 40 }]);
  });

  it('reads only: one READ ONLY transaction of SELECTs, rolled back', async () => {
    const statements: string[] = [];
    const result = await estimatePostgresRows(config, ['orders', 'users'], { ssl: 'disable', log: (sql) => statements.push(/^(BEGIN|ROLLBACK)/.test(sql) ? sql : sql.trim().split(/\s+/)[0]!) });
    expect(result.warnings).toEqual([]);
    expect(statements).toEqual(['BEGIN READ ONLY', 'SELECT', 'SELECT', 'SELECT', 'ROLLBACK']);
  });

  it('an unreachable database is a warning, never a throw', async () => {
    const result = await estimatePostgresRows({ ...config, port: 1 }, ['orders'], { timeoutMs: 2_000, ssl: 'disable' });
    expect(result.rows.size).toBe(0);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^rows not counted: cannot connect to the database from here \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/);
  });

  it('an SSH tunnel or a missing host is a warning without connecting', async () => {
    expect((await estimatePostgresRows({ ...config, ssh_tunnel: { enabled: true } }, ['orders'])).warnings).toEqual(['rows not counted: the source connects through an SSH tunnel, which dwctl does not open']);
    expect((await estimatePostgresRows({ ...config, host: ' ' }, ['orders'])).warnings).toEqual(['rows not counted: the source has no host']);
  });
});

describe('on the system PostgreSQL', () => {
  let server: PgServer | null = null;
  beforeAll(async () => {
    server = await startSystemPostgres({ seedSql: shopSeedSql });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('estimates with password authentication as the table owner (TLS preferred, plain fallback)', async (ctx) => {
    if (!server) return ctx.skip();
    await server.query('ANALYZE orders');
    const config = sourceConfig(server);
    const result = await estimatePostgresRows(config, ['orders', 'users'], { ssl: 'prefer' });
    expect(Object.fromEntries(result.rows)).toEqual({ orders: { value: 40, estimate: true }, users: { value: 30, estimate: true } });
    expect(result.warnings).toEqual([]);
  });

  it('a wrong password is a warning that does not echo the password', async (ctx) => {
    if (!server) return ctx.skip();
    const config = sourceConfig(server, { password: 'wrong-password-1234' });
    const result = await estimatePostgresRows(config, ['orders'], { ssl: 'prefer' });
    expect(result.rows.size).toBe(0);
    expect(result.warnings).toEqual([`rows not counted: cannot connect to the database from here (password authentication failed for user "${server.user}")`]);
    expect(result.warnings.join('')).not.toContain('wrong-password-1234');
  });
});
