/**
 * The Postgres driver against PGlite served over its socket: discovery of the shop seed, host-format
 * checks, and the CDC wal_level failure (PGlite reports wal_level = replica). PGlite accepts any
 * user/password/database, so credential failures are covered by postgres-system.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPostgresDriver, RLS_WARNING_MESSAGE } from './drivers/postgres.js';
import { DriverError } from './drivers/types.js';
import { expectedShopTables, shopSeedSql } from './pg/expected-shop.js';
import { type PgServer, startPglite, sourceConfig } from './pg/harness.js';

const driver = createPostgresDriver({ connectTimeoutMs: 3_000 });
let server: PgServer;
let config: Record<string, unknown>;

beforeAll(async () => {
  server = await startPglite({ seedSql: shopSeedSql });
  config = sourceConfig(server);
});
afterAll(async () => {
  await server?.close();
});

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriverError);
  return (error as Error).message;
}

describe('Postgres driver on PGlite', () => {
  it('serves a PG13+ server over the wire', () => {
    expect(server.kind).toBe('pglite');
    expect(server.version).toBeGreaterThanOrEqual(13);
  });

  it('accepts the credentials', async () => {
    await expect(driver.validateCredentials(config)).resolves.toBeUndefined();
  });

  it('discovers the seed exactly (schema set: bare names, CDC flag off)', async () => {
    expect(await driver.discover(config, { cdcEnabledForTeam: false })).toEqual(expectedShopTables({ cdc: false }));
  });

  it('names tables schema.table when the schema is blank, and reports cdc_available with the flag on', async () => {
    expect(await driver.discover({ ...config, schema: '  ' }, { cdcEnabledForTeam: true })).toEqual(
      expectedShopTables({ cdc: true, prefix: 'public.' }),
    );
  });

  it('flags row-level security (PGlite sessions are the superuser, so only FORCE applies to it)', async () => {
    await server.query(`CREATE SCHEMA rls_demo; CREATE TABLE rls_demo.notes (id int PRIMARY KEY, body text);
      ALTER TABLE rls_demo.notes ENABLE ROW LEVEL SECURITY; ALTER TABLE rls_demo.notes FORCE ROW LEVEL SECURITY;`);
    const [notes] = await driver.discover({ ...config, schema: 'rls_demo' }, { cdcEnabledForTeam: false });
    // Superusers bypass RLS even when forced, so row_security_active is false here; the system-server suite covers the warning.
    expect(notes?.rls_warning).toBeNull();
    expect(RLS_WARNING_MESSAGE).toMatch(/^Row-level security is active on this table/);
  });

  it('applies PostHog host-format checks before connecting', async () => {
    expect(await rejection(driver.validateCredentials({ ...config, host: 'postgres://u:p@db.example.com/shop' }))).toMatch(
      /^Enter just the hostname in the host field \(for example, db\.example\.com\), not a full URL/,
    );
    expect(await rejection(driver.validateCredentials({ ...config, host: 'db.example.com:5432' }))).toBe(
      'Enter just the hostname in the host field (for example, db.example.com). Put the port number in the port field instead.',
    );
    expect(await rejection(driver.validateCredentials({ ...config, host: 'postgres.railway.internal' }))).toMatch(
      /^Railway's \.railway\.internal host only resolves inside Railway's private network\./,
    );
    for (const host of ['db.example.com.', 'a,b', 'db example.com', ' db.example.com']) {
      expect(await rejection(driver.validateCredentials({ ...config, host }))).toBe(
        'Enter a single hostname or IP address for the host, without a port, path, comma, space or trailing dot.',
      );
    }
  });

  it('validates SSH tunnel settings with PostHog texts, then refuses to tunnel', async () => {
    const tunnel = (t: Record<string, unknown>) => driver.validateCredentials({ ...config, ssh_tunnel: { enabled: true, host: 'bastion.example.com', port: 22, ...t } });
    expect(await rejection(tunnel({ auth: { selection: 'password', username: 'u' } }))).toBe('Username and password required');
    expect(await rejection(tunnel({ auth: { selection: 'keypair', username: 'u' } }))).toBe('Private key is required');
    expect(await rejection(tunnel({ auth: { selection: 'magic' } }))).toBe('Authentication type not recognised');
    const ok = { auth: { selection: 'password', username: 'u', password: 'p' } };
    expect(await rejection(tunnel({ ...ok, port: 'abc' }))).toBe('Port must be a number between 1 and 65535');
    expect(await rejection(tunnel({ ...ok, port: 70000 }))).toBe('Port must be between 1 and 65535');
    expect(await rejection(tunnel({ ...ok, port: 443 }))).toBe('Port 443 is not allowed');
    expect(await rejection(tunnel(ok))).toMatch(/^SSH tunnel host not allowed: /);
    // A Railway private host is fine behind a tunnel — the tunnel refusal is what remains.
    const railwayViaTunnel = driver.validateCredentials({ ...config, host: 'pg.railway.internal', ssh_tunnel: { enabled: true, host: 'bastion.example.com', port: 22, ...ok } });
    expect(await rejection(railwayViaTunnel)).toMatch(/^SSH tunnel host not allowed: /);
    // A disabled tunnel is ignored.
    await expect(driver.validateCredentials({ ...config, ssh_tunnel: { enabled: false } })).resolves.toBeUndefined();
  });

  it('reports wal_level=replica and the missing primary key in the CDC check', async () => {
    const result = await driver.checkCdcPrerequisites!(config, { managementMode: 'posthog', tables: ['orders', 'audit_log'], slotName: null, publicationName: null });
    expect(result).toEqual({
      valid: false,
      errors: [
        "wal_level must be set to 'logical' (currently 'replica'). This requires a PostgreSQL server restart after changing the configuration.",
        "Table 'public.audit_log' has no primary key. CDC requires a primary key on each table.",
      ],
    });
  });

  it('looks up primary keys for bare and qualified names', async () => {
    expect(await driver.primaryKeys!(config, ['orders', 'audit_log', 'countries'])).toEqual({ orders: ['id'], countries: ['code'] });
    expect(await driver.primaryKeys!({ ...config, schema: '' }, ['public.users', 'public.audit_log'])).toEqual({ 'public.users': ['id'] });
  });
});
