/**
 * `dwctl plan` exit codes (contract §4) and `--source`, against the emulator over real sockets.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { API_KEY, useWorld, runChecked, SHOP_CONFIG } from '../helpers/world.js';
import { BILLING_STRIPE_FLOW } from '../helpers/yaml-fixtures.js';

const world = useWorld();

const dwctl = (argv: string[], env: Record<string, string> = {}) => runChecked(world, argv, env);

const TWO_SOURCES = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
${SHOP_CONFIG}    tables:
      orders: { sync: incremental, incremental_field: updated_at }
  billing:
${BILLING_STRIPE_FLOW}    tables:
      Charge: { sync: append, incremental_field: created }
`;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('exit codes', () => {
  it('0 with changes pending but no --detailed-exitcode; 2 with it; 0 with it when nothing changes', async () => {
    await world.write(TWO_SOURCES);
    expect((await dwctl(['plan'])).exitCode).toBe(0);
    expect((await dwctl(['plan', '--detailed-exitcode'])).exitCode).toBe(2);
    expect((await dwctl(['apply', '--yes'])).exitCode).toBe(0);
    const after = await dwctl(['plan', '--detailed-exitcode']);
    expect(after.exitCode).toBe(0);
    expect(after.out).toMatch(/No changes\. PostHog matches the file\.\n$/);
  });

  it('1 when errors block the plan, with or without --detailed-exitcode; warnings never change it', async () => {
    await world.write(TWO_SOURCES.replace('incremental_field: updated_at', 'incremental_field: updatedat'));
    expect((await dwctl(['plan'])).exitCode).toBe(1);
    expect((await dwctl(['plan', '--detailed-exitcode'])).exitCode).toBe(1);
    // A lint error blocks before PostHog is asked anything.
    await world.write(TWO_SOURCES.replace('sync: append', 'sync: sometimes'));
    world.emulator.requests.length = 0;
    const lint = await dwctl(['plan', '--format', 'json']);
    expect(lint.exitCode).toBe(1);
    expect(JSON.parse(lint.stdout)).toMatchObject({ applyable: false, changes: [], diagnostics: [{ code: 'invalid-value' }] });
    expect(world.emulator.requests).toEqual([]);
    // Only warnings (costly-sync): exit 0, or 2 with --detailed-exitcode.
    await world.write(TWO_SOURCES.replace('{ sync: incremental, incremental_field: updated_at }', '{ sync: full_refresh, sync_frequency: 1hour }'));
    const warned = await dwctl(['plan', '--format', 'json']);
    expect(JSON.parse(warned.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual(['costly-sync']);
    expect(warned.exitCode).toBe(0);
    expect((await dwctl(['plan', '--detailed-exitcode'])).exitCode).toBe(2);
  });

  it('3 when PostHog is unreachable', async () => {
    await world.write(TWO_SOURCES);
    const port = await closedPort();
    const r = await dwctl(['plan', '--format', 'json'], { POSTHOG_HOST: `http://127.0.0.1:${port}` });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'posthog-unreachable' } });
    const lines = r.err.split(String(port)).join('<port>').split('\n');
    // Backoff has full jitter: the 4th retry waits a random time below 4 s, and a wait of 3 s or more is
    // announced first. So there is at most one such notice, in this exact form; the error is the same each run.
    const notices = lines.filter((line) => line.startsWith('Waiting '));
    expect(notices.length).toBeLessThanOrEqual(1);
    for (const notice of notices) {
      expect(notice).toMatch(/^Waiting [34]s before retrying GET \/api\/projects\/1\/external_data_sources\/\?limit=100&offset=0: the connection failed \(ECONNREFUSED\)\.$/);
    }
    expect(lines.filter((line) => !line.startsWith('Waiting ')).join('\n')).toMatchInlineSnapshot(`
      "error: Could not reach PostHog at http://127.0.0.1:<port> (ECONNREFUSED) after 5 attempts for GET /api/projects/1/external_data_sources/?limit=100&offset=0.
      Check the host setting (--host, POSTHOG_HOST or posthog.host; now http://127.0.0.1:<port>), your network and proxy (HTTPS_PROXY, NO_PROXY), and https://status.posthog.com.
      "
    `);
  });

  it('3 for a key PostHog does not accept (401)', async () => {
    await world.write(TWO_SOURCES);
    const r = await dwctl(['plan'], { POSTHOG_PERSONAL_API_KEY: 'phx_not_a_real_key_123' });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.err).not.toContain('phx_not_a_real_key_123');
    expect(r.err).toMatchInlineSnapshot(`
      "error: Personal API key found in request Authorization header is invalid. PostHog did not accept the personal API key. Create a personal API key with the external_data_source:read and external_data_source:write scopes at http://EMULATOR/settings/user-api-keys and set POSTHOG_PERSONAL_API_KEY to it (a project key, phc_…, does not work here).
      PostHog answered 401 to GET /api/projects/1/external_data_sources/?limit=100&offset=0.
      "
    `);
  });

  it('3 for apply with a key without the write scope that database_schema needs (403); plan makes a read-only plan instead', async () => {
    const emulator: Emulator = await startEmulator({ keys: { [API_KEY]: { scopes: ['external_data_source:read'] } } });
    try {
      await world.write(TWO_SOURCES);
      const plan = await dwctl(['plan', '--format', 'json'], { POSTHOG_HOST: emulator.url });
      expect(plan.exitCode).toBe(0);
      expect(JSON.parse(plan.stdout)).toMatchObject({ applyable: false, read_only: { reason: 'key-without-write-scope' } });
      emulator.requests.length = 0;
      const r = await dwctl(['apply', '--yes', '--format', 'json'], { POSTHOG_HOST: emulator.url });
      expect(r.exitCode).toBe(3);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'posthog-forbidden' } });
      expect(r.err.split(emulator.url).join('http://EMULATOR')).toMatchInlineSnapshot(`
        "error: API key missing required scope 'external_data_source:write'. POST /api/projects/1/external_data_sources/database_schema/ needs the external_data_source:write scope and access to project 1. Create a personal API key with the external_data_source:read and external_data_source:write scopes for this project at http://EMULATOR/settings/user-api-keys (or add them to your key there) and set POSTHOG_PERSONAL_API_KEY.
        PostHog answered 403 to POST /api/projects/1/external_data_sources/database_schema/.
        "
      `);
      // It listed sources (read), then was refused at discovery; it never tried to write.
      expect(emulator.requests.map((q) => `${q.method} ${q.path.replace(/\?.*$/, '')} ${q.status}`)).toContain('POST /api/projects/1/external_data_sources/database_schema/ 403');
    } finally {
      await emulator.close();
    }
  });

  it('3 for plain http to a host that is not loopback, before any request', async () => {
    await world.write(TWO_SOURCES);
    const r = await dwctl(['plan', '--format', 'json'], { POSTHOG_HOST: 'http://posthog.example.com' });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'connection-settings' } });
    expect(r.err).toMatchInlineSnapshot(`
      "error: POSTHOG_HOST: "http://posthog.example.com" uses plain http, which would send the API key unencrypted. Use https://posthog.example.com; plain http is only allowed for loopback hosts (localhost, 127.0.0.0/8, ::1).
      "
    `);
    expect(world.emulator.requests).toEqual([]);
  });
});

describe('--source', () => {
  it('limits the plan (and its requests) to the named sources', async () => {
    await world.write(TWO_SOURCES);
    const r = await dwctl(['plan', '--source', 'billing', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as { changes: { address: string }[]; options: unknown };
    expect(plan.changes.map((c) => c.address)).toEqual(['source.billing', 'source.billing.table.Charge']);
    expect(plan.options).toEqual({ prune: false, sources: ['billing'] });
    const discoveries = world.emulator.requests.filter((q) => q.path.includes('database_schema'));
    expect(discoveries.map((q) => (q.body as { source_type: string }).source_type)).toEqual(['Stripe']);
  });

  it('an unknown name is a usage error (exit 3) with the declared names', async () => {
    await world.write(TWO_SOURCES);
    const r = await dwctl(['plan', '--source', 'shop_bd']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.err).toMatchInlineSnapshot(`
      "error: --source shop_bd: no such source in warehouse.yaml (declared: billing, shop_db). Did you mean "shop_db"?
      "
    `);
    expect(world.emulator.requests).toEqual([]);
  });
});
