/**
 * `dwctl apply` end to end: the CLI in-process against the PostHog emulator and the shop database
 * (PGlite, or the system PostgreSQL for CDC) over real sockets. After every successful apply,
 * `plan --detailed-exitcode` must exit 0; no output may carry a secret (verbose log included).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSystemPostgres, findPostgresBinDir } from '../emulator/pg/harness.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { runCli } from '../helpers/run-cli.js';
import { leakedSecrets, useWorld } from '../helpers/world.js';
import { BILLING_SOURCE, bodies, expectConverged, extraEmulator, run, SHOP_SOURCE, yaml } from './apply-helpers.js';

const world = useWorld({ syncDurationMs: 50 });

const SHOP_TABLES = ['audit_log', 'countries', 'events', 'order_totals', 'orders', 'users'];

interface JsonResult {
  format_version: number;
  ok: boolean;
  results: { address: string; action: string; status: string; remote_id: string | null; error: string | null; note?: string }[];
}

describe('a new Postgres source and a new Stripe source (PostHog registers the webhook)', () => {
  it('creates both, sets frequencies after create, registers one webhook, and converges', async () => {
    await world.write(yaml(SHOP_SOURCE, BILLING_SOURCE));
    const r = await run(world, ['apply', '--yes', '--format', 'json', '--verbose']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(Object.keys(result)).toEqual(['format_version', 'ok', 'results']);
    expect(result.format_version).toBe(1);
    expect(result.ok).toBe(true);
    for (const entry of result.results) {
      expect(Object.keys(entry).slice(0, 5)).toEqual(['address', 'action', 'status', 'remote_id', 'error']);
      expect(entry.status).toBe('applied');
      expect(entry.error).toBeNull();
      // Every created thing reports its PostHog id: the source's, the schema's, the source's for its webhook.
      expect(entry.remote_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(result.results.map((e) => e.address).sort()).toEqual([
      'source.billing',
      'source.billing.table.Charge',
      'source.billing.table.Customer',
      'source.billing.webhook',
      'source.shop_db',
      'source.shop_db.table.countries',
      'source.shop_db.table.orders',
      'source.shop_db.table.users',
    ]);
    // The verbose log went to stderr, masked.
    expect(r.stderr).toMatch(/POST \/api\/projects\/1\/external_data_sources\/ 201/);

    // Create payloads: every discovered table listed, declared ones on, the rest off.
    const creates = bodies(world.emulator, 'POST', /\/external_data_sources\/?$/);
    expect(creates).toHaveLength(2);
    const shop = creates.find((b) => b.source_type === 'Postgres')!;
    const shopSchemas = (shop.payload as { schemas: { name: string; should_sync: boolean; sync_type?: string }[] }).schemas;
    expect(shopSchemas.map((s) => s.name).sort()).toEqual(SHOP_TABLES);
    expect(shopSchemas.filter((s) => s.should_sync).map((s) => `${s.name}:${s.sync_type}`).sort()).toEqual(['countries:full_refresh', 'orders:incremental', 'users:full_refresh']);
    const stripe = creates.find((b) => b.source_type === 'Stripe')!;
    const stripeSchemas = (stripe.payload as { schemas: { name: string; should_sync: boolean }[] }).schemas;
    expect(stripeSchemas.length).toBeGreaterThan(30);
    expect(stripeSchemas.filter((s) => s.should_sync).map((s) => s.name).sort()).toEqual(['Charge', 'Customer']);

    // Frequencies are set after create (create ignores them, API.md §2.3), by whichever path PostHog accepts:
    // bulk_update_schemas, or per-schema PATCH where it refuses the bulk call to personal keys (API.md §12).
    const accepted = world.emulator.requests.filter((q) => q.method === 'PATCH' && q.status === 200);
    const frequencies = accepted
      .flatMap((q) => {
        const body = (q.body ?? {}) as { schemas?: { sync_frequency?: string }[]; sync_frequency?: string };
        return /bulk_update_schemas\/?$/.test(q.path.split('?')[0]!) ? (body.schemas ?? []) : [body];
      })
      .map((update) => update.sync_frequency)
      .filter((frequency) => frequency !== undefined)
      .sort();
    expect(frequencies).toEqual(['12hour', '1hour', '24hour', '24hour', '7day']);
    // And PostHog holds them.
    const held = world.emulator.state
      .liveSources()
      .flatMap((source) => world.emulator.state.liveSchemasOf(source.id).filter((schema) => schema.shouldSync))
      .map((schema) => schema.syncFrequency)
      .sort();
    expect(held).toEqual(['12hour', '1hour', '24hour', '24hour', '7day']);

    // One webhook endpoint, registered by PostHog; no signing secret sent.
    const [billing] = world.emulator.state.liveSources().filter((s) => s.sourceType === 'Stripe');
    const orders = result.results.find((e) => e.address === 'source.shop_db.table.orders')!;
    expect(world.emulator.state.schemas.get(orders.remote_id!)?.name).toBe('orders');
    expect(billing!.endpoints).toHaveLength(1);
    expect(bodies(world.emulator, 'POST', /update_webhook_inputs\/?$/)).toHaveLength(0);
    expect(billing!.hogFunction?.enabled).toBe(true);

    await expectConverged(world);
    // A second apply has nothing to do, and registers nothing more.
    const again = await run(world, ['apply', '--yes']);
    expect(again.exitCode).toBe(0);
    expect(world.emulator.state.liveSources()).toHaveLength(2);
    expect(billing!.endpoints).toHaveLength(1);
  });

  it('sets frequencies with one PATCH per schema on a PostHog without bulk_update_schemas', async () => {
    const old = await extraEmulator({ bulkUpdateSchemas: false });
    try {
      await world.write(yaml(SHOP_SOURCE));
      const r = await run(world, ['apply', '--yes'], { emulator: old });
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      const patches = bodies(old, 'PATCH', /external_data_schemas\/[^/]+\/?$/);
      expect(patches.map((p) => p.sync_frequency).sort()).toEqual(['1hour', '24hour', '7day']);
      await expectConverged(world, { emulator: old });
    } finally {
      await old.close();
    }
  });
});

describe('a Stripe source whose key may not register webhooks', () => {
  const readonlyBilling = (withSecret: boolean) =>
    BILLING_SOURCE.replace('${STRIPE_SECRET_KEY}', '${STRIPE_READONLY_KEY}').replace(withSecret ? /$^/ : /    webhook:\n      signing_secret: .*\n/, '');

  it('stores the configured signing secret and says which URL to register', async () => {
    await world.write(yaml(readonlyBilling(true)));
    const r = await run(world, ['apply', '--yes', '--verbose']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const inputs = bodies(world.emulator, 'POST', /update_webhook_inputs\/?$/);
    expect(inputs).toHaveLength(1);
    const [billing] = world.emulator.state.liveSources();
    expect(billing!.endpoints).toHaveLength(0);
    expect(billing!.hogFunction?.enabled).toBe(true);
    expect(r.stdout).toContain('Action needed:');
    expect(r.stdout).toContain(`https://webhooks.us.posthog.com/public/webhooks/dwh/${billing!.hogFunction!.id}`);
    await expectConverged(world);

    const json = await run(world, ['apply', '--yes', '--format', 'json']);
    expect(json.exitCode).toBe(0);
    expect((JSON.parse(json.stdout) as JsonResult).results).toEqual([]);
  });

  it('fails the webhook change with instructions when there is no signing secret (exit 1)', async () => {
    await world.write(yaml(readonlyBilling(false)));
    const r = await run(world, ['apply', '--yes', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result.ok).toBe(false);
    const webhook = result.results.find((e) => e.address === 'source.billing.webhook')!;
    expect(webhook.status).toBe('failed');
    expect(webhook.error).toContain('webhook.signing_secret');
    expect(webhook.error).toMatch(/https:\/\/webhooks\.us\.posthog\.com\/public\/webhooks\/dwh\//);
    // The source and its tables were created all the same.
    expect(result.results.filter((e) => e.status === 'applied').map((e) => e.address)).toContain('source.billing');
    // Running again without the secret still fails with instructions, and never registers twice.
    const again = await run(world, ['apply', '--yes']);
    expect(again.exitCode).toBe(1);
    expect(again.stdout + again.stderr).toContain('signing_secret');
    expect(world.emulator.state.liveSources()).toHaveLength(1);
  });
});

describe('drift on an existing source', () => {
  for (const readonlyKey of [false, true]) {
    it(`adds a webhook table to an existing Stripe source (${readonlyKey ? 'signing secret used' : 'PostHog registers'})`, async () => {
      const key = readonlyKey ? '${STRIPE_READONLY_KEY}' : '${STRIPE_SECRET_KEY}';
      const withWebhook = BILLING_SOURCE.replace('${STRIPE_SECRET_KEY}', key);
      await world.write(yaml(withWebhook.replace('      Customer: { sync: webhook }\n', '').replace(/    webhook:\n.*\n/, '')));
      expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
      await world.write(yaml(withWebhook));
      const r = await run(world, ['apply', '--yes', '--format', 'json']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const [billing] = world.emulator.state.liveSources();
      expect(billing!.endpoints).toHaveLength(readonlyKey ? 0 : 1);
      expect(billing!.hogFunction?.enabled).toBe(true);
      const customer = [...world.emulator.state.schemas.values()].find((s) => s.name === 'Customer' && !s.deleted)!;
      expect(billing!.hogFunction?.schemaMapping).toEqual({ customer: customer.id });
      await expectConverged(world);
    });
  }

  it('updates changed tables, disables dropped ones, refreshes schemas for a new upstream table, and converges', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.database.query('CREATE TABLE IF NOT EXISTS refunds (id integer PRIMARY KEY, amount numeric, updated_at timestamptz)');
    try {
      const drifted = SHOP_SOURCE.replace('sync_frequency: 1hour', 'sync_frequency: 6hour')
        .replace('      countries:\n        sync: full_refresh\n        sync_frequency: 7day\n', '')
        .replace('      users:\n        sync: full_refresh\n', '      users:\n        sync: incremental\n        incremental_field: updated_at\n      refunds:\n        sync: full_refresh\n');
      await world.write(yaml(drifted));
      const plan = await run(world, ['plan', '--detailed-exitcode']);
      expect(plan.exitCode, plan.stdout + plan.stderr).toBe(2);
      const r = await run(world, ['apply', '--yes', '--format', 'json', '--verbose']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as JsonResult;
      expect(result.results.map((e) => `${e.action} ${e.address} ${e.status}`).sort()).toEqual([
        'create source.shop_db.table.refunds applied',
        'update source.shop_db.table.countries applied',
        'update source.shop_db.table.orders applied',
        'update source.shop_db.table.users applied',
      ]);
      // refresh_schemas before enabling the table PostHog had no schema row for.
      const order = world.emulator.requests.map((q) => `${q.method} ${q.path.split('?')[0]}`);
      const refresh = order.findIndex((p) => /refresh_schemas/.test(p));
      // The last bulk update (the first apply made one too, for the schedules).
      const bulk = order.findLastIndex((p) => /bulk_update_schemas/.test(p));
      expect(refresh).toBeGreaterThanOrEqual(0);
      expect(bulk).toBeGreaterThan(refresh);
      const countries = [...world.emulator.state.schemas.values()].find((s) => s.name === 'countries' && !s.deleted)!;
      expect(countries.shouldSync).toBe(false);
      await expectConverged(world);
    } finally {
      await world.database.query('DROP TABLE IF EXISTS refunds');
    }
  });

  it('re-sends the secrets with a host change', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    world.emulator.requests.length = 0;
    const r = await run(world, ['apply', '--yes'], { env: { DB_HOST: 'localhost' } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const [patch] = bodies(world.emulator, 'PATCH', /external_data_sources\/[^/]+\/?$/);
    const jobInputs = patch!.job_inputs as Record<string, unknown>;
    expect(jobInputs.host).toBe('localhost');
    expect(jobInputs.password).toBe(world.env.SHOP_DB_PASSWORD);
    await expectConverged(world, { env: { DB_HOST: 'localhost' } });
  });
});

describe('undeclared sources', () => {
  it('deletes an undeclared source only through a plan made with --prune; --source applies one source', async () => {
    await world.write(yaml(SHOP_SOURCE, BILLING_SOURCE));
    const only = await run(world, ['apply', '--yes', '--source', 'shop_db']);
    expect(only.exitCode, only.stderr).toBe(0);
    expect(world.emulator.state.liveSources().map((s) => s.sourceType)).toEqual(['Postgres']);
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(yaml(SHOP_SOURCE));
    // A fresh apply never deletes.
    const kept = await run(world, ['apply', '--yes']);
    expect(kept.exitCode).toBe(0);
    expect(world.emulator.state.liveSources()).toHaveLength(2);
    expect((await run(world, ['plan', '--prune', '--out', 'prune.json'])).exitCode).toBe(0);
    const r = await run(world, ['apply', 'prune.json', '--yes', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as JsonResult).results.map((e) => `${e.action} ${e.address} ${e.status}`)).toEqual(['delete remote.Stripe.billing_ applied']);
    expect(world.emulator.state.liveSources().map((s) => s.sourceType)).toEqual(['Postgres']);
    await expectConverged(world);
  });
});

describe('apply safety', () => {
  it('refuses a saved plan when the file changed (stale plan, exit 1)', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['plan', '--out', 'plan.json'])).exitCode).toBe(0);
    await world.write(yaml(SHOP_SOURCE) + '# edited\n');
    const r = await run(world, ['apply', 'plan.json', '--yes']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('stale plan');
    expect(world.emulator.state.liveSources()).toHaveLength(0);
  });

  it('refuses a saved plan when PostHog changed (stale plan, exit 1), and applies a fresh one', async () => {
    await world.write(yaml(SHOP_SOURCE));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(yaml(SHOP_SOURCE.replace('sync_frequency: 7day', 'sync_frequency: 30day')));
    expect((await run(world, ['plan', '--out', 'plan.json'])).exitCode).toBe(0);
    const orders = [...world.emulator.state.schemas.values()].find((s) => s.name === 'orders' && !s.deleted)!;
    orders.syncFrequency = '12hour';
    const r = await run(world, ['apply', 'plan.json', '--yes', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('stale plan');
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'stale-plan' } });
    expect((await run(world, ['plan', '--out', 'plan.json'])).exitCode).toBe(0);
    expect((await run(world, ['apply', 'plan.json', '--yes'])).exitCode).toBe(0);
    await expectConverged(world);
  });

  it('never applies a plan with errors (exit 1)', async () => {
    await world.write(yaml(SHOP_SOURCE.replace('      users:\n', '      userz:\n')));
    const r = await run(world, ['apply', '--yes', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ format_version: 1, ok: false, results: [] });
    expect(JSON.parse(r.stdout).diagnostics.length).toBeGreaterThan(0);
    expect(world.emulator.requests.filter((q) => q.method !== 'GET' && !/database_schema|check_cdc/.test(q.path))).toEqual([]);
    // A saved plan with errors is refused too.
    await run(world, ['plan', '--out', 'bad.json']);
    const saved = await run(world, ['apply', 'bad.json', '--yes']);
    expect(saved.exitCode).toBe(1);
    expect(world.emulator.state.liveSources()).toHaveLength(0);
  });

  it('without --yes and without a terminal refuses (exit 3); on a terminal it asks, and "no" is an answer (exit 1)', async () => {
    await world.write(yaml(SHOP_SOURCE));
    const r = await run(world, ['apply']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('--yes');
    const no = await run(world, ['apply'], { tty: true, stdin: 'no\n' });
    expect(no.exitCode).toBe(1);
    expect(no.stderr).toContain('Apply these changes?');
    expect(world.emulator.state.liveSources()).toHaveLength(0);
    const yes = await run(world, ['apply'], { tty: true, stdin: 'yes\n' });
    expect(yes.exitCode, yes.stderr).toBe(0);
    expect(world.emulator.state.liveSources()).toHaveLength(1);
    await expectConverged(world);
  });

  it('a failed change skips the rest of its source, the other source finishes (exit 1); the next apply converges', async () => {
    const start = yaml(SHOP_SOURCE, BILLING_SOURCE.replace('      Customer: { sync: webhook }\n', '').replace(/    webhook:\n.*\n/, ''));
    await world.write(start);
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const billing = world.emulator.state.liveSources().find((s) => s.sourceType === 'Stripe')!;
    await world.write(yaml(SHOP_SOURCE.replace('sync_frequency: 1hour', 'sync_frequency: 30min'), BILLING_SOURCE));
    world.emulator.faults.add({ method: 'POST', path: `/external_data_sources/${billing.id}/create_webhook`, status: 400 });
    const r = await run(world, ['apply', '--yes', '--format', 'json', '--verbose']);
    expect(r.exitCode).toBe(1);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result.ok).toBe(false);
    expect(result.results.map((e) => `${e.address} ${e.status}`).sort(), r.stderr).toEqual([
      'source.billing.table.Customer skipped',
      'source.billing.webhook failed',
      'source.shop_db.table.orders applied',
    ]);
    expect(world.emulator.state.schemas.get(result.results.find((e) => e.address === 'source.billing.table.Customer')!.remote_id!)?.shouldSync).toBe(false);
    expect(result.results.find((e) => e.status === 'failed')!.error).toBeTruthy();
    world.emulator.faults.clear();
    const again = await run(world, ['apply', '--yes']);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    await expectConverged(world);
    expect(billing.endpoints).toHaveLength(1);
  });

  it('--wait follows the tables that applied even when another change failed (exit 1)', async () => {
    await world.write(yaml(BILLING_SOURCE.replace('      Customer: { sync: webhook }\n', '').replace(/    webhook:\n.*\n/, '')));
    expect((await run(world, ['apply', '--yes'])).exitCode).toBe(0);
    const billing = world.emulator.state.liveSources().find((s) => s.sourceType === 'Stripe')!;
    await world.write(yaml(SHOP_SOURCE, BILLING_SOURCE));
    world.emulator.faults.add({ method: 'POST', path: `/external_data_sources/${billing.id}/create_webhook`, status: 400 });
    const r = await run(world, ['apply', '--yes', '--wait', '--timeout', '30s']);
    world.emulator.faults.clear();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Waiting for the first syncs of \d+ table\(s\)/);
    expect(r.stdout).toMatch(/✔ shop_postgres_orders: Completed/);
    expect(r.stdout).toContain('Apply incomplete');
  });

  it('--wait follows the first syncs and exits 1 with PostHog\'s error when one fails', async () => {
    const failing = await extraEmulator({ failingSyncs: { shop_postgres_orders: 'relation "orders" is locked by another session' } });
    try {
      await world.write(yaml(SHOP_SOURCE));
      const r = await run(world, ['apply', '--yes', '--wait', '--timeout', '30s'], { emulator: failing });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('shop_postgres_orders: Failed: relation "orders" is locked by another session');
      expect(r.stdout).toContain('shop_postgres_users: Completed');
    } finally {
      await failing.close();
    }
  });
});

describe('a Postgres source with CDC (system PostgreSQL, wal_level logical)', () => {
  it('creates the source with CDC enabled and its table mode, converges, then changes the mode by schema PATCH', async (ctx) => {
    const seedSql = await readFile(join(REPO_ROOT, 'test', 'emulator', 'pg', 'shop-seed.sql'), 'utf8');
    const pg = await startSystemPostgres({ seedSql, walLevel: 'logical' });
    if (!pg) {
      // No PostgreSQL on this machine: only acceptable outside CI (.ci/run installs it).
      expect(process.env.CI ?? '').toBe('');
      expect(findPostgresBinDir()).toBeNull();
      ctx.skip('no PostgreSQL server binaries (pg_ctl) on this machine');
      return;
    }
    try {
      const env = { ...world.env, CDC_DB_HOST: pg.host, CDC_DB_PORT: String(pg.port), CDC_DB_PASSWORD: pg.password };
      const secrets = { secrets: [...world.secrets, pg.password] };
      const file = yaml(`  cdc_db:
    type: Postgres
    prefix: cdc_
    config:
      host: \${CDC_DB_HOST}
      port: \${CDC_DB_PORT}
      database: ${pg.database}
      user: ${pg.user}
      password: \${CDC_DB_PASSWORD}
      schema: public
    tables:
      orders:
        sync: cdc
      events:
        sync: incremental
        incremental_field: occurred_at
      countries:
        sync: full_refresh
    cdc:
      management: posthog
      table_mode: cdc_only
`);
      await world.write(file);
      const r = await runCli(['apply', '--yes', '--verbose'], { cwd: world.dir, env });
      expect(leakedSecrets(secrets, r.stdout, r.stderr)).toEqual([]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const [create] = bodies(world.emulator, 'POST', /\/external_data_sources\/?$/);
      const payload = create!.payload as { cdc_enabled?: boolean; cdc_management_mode?: string; schemas: { name: string; should_sync: boolean; sync_type?: string; primary_key_columns?: string[] }[] };
      expect(payload.cdc_enabled).toBe(true);
      expect(payload.cdc_management_mode).toBe('posthog');
      expect(payload.schemas.find((s) => s.name === 'orders')).toMatchObject({ should_sync: true, sync_type: 'cdc', primary_key_columns: ['id'], cdc_table_mode: 'cdc_only' });
      // Only CDC tables carry a table mode.
      expect(payload.schemas.find((s) => s.name === 'events')).not.toHaveProperty('cdc_table_mode');
      const orders = [...world.emulator.state.schemas.values()].find((s) => s.name === 'orders' && !s.deleted)!;
      expect(orders.syncType).toBe('cdc');
      expect(orders.cdcTableMode).toBe('cdc_only');
      const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: world.dir, env });
      expect(leakedSecrets(secrets, plan.stdout, plan.stderr)).toEqual([]);
      expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);

      // A new mode in the file is a table update whose request carries cdc_table_mode.
      await world.write(file.replace('table_mode: cdc_only', 'table_mode: both'));
      const changed = await runCli(['plan', '--detailed-exitcode'], { cwd: world.dir, env });
      expect(changed.exitCode, changed.stdout + changed.stderr).toBe(2);
      expect(changed.stdout).toContain('cdc_table_mode');
      const update = await runCli(['apply', '--yes'], { cwd: world.dir, env });
      expect(update.exitCode, update.stdout + update.stderr).toBe(0);
      const bulk = bodies(world.emulator, 'PATCH', /bulk_update_schemas\/?$/).at(-1);
      expect((bulk!.schemas as Record<string, unknown>[]).find((u) => u.id === orders.id)).toMatchObject({ cdc_table_mode: 'both' });
      expect(orders.cdcTableMode).toBe('both');
      const again = await runCli(['plan', '--detailed-exitcode'], { cwd: world.dir, env });
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    } finally {
      await pg.close();
    }
  });
});
