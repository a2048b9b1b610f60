/**
 * Every plan diagnostic code, end to end against the emulator, PGlite and (for a real password check)
 * the system PostgreSQL server. Whole normalised outputs are compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinDir, startSystemPostgres, type PgServer } from '../emulator/pg/harness.js';
import { leakedSecrets, READ_ONLY_API_KEY, useWorld, STRIPE_KEY, STRIPE_READONLY_KEY, runChecked, SHOP_CONFIG } from '../helpers/world.js';
import { ALL_CODES, CODES } from '../../src/diagnostics/codes.js';
import { extraEmulator } from './apply-helpers.js';
import { BILLING_STRIPE } from '../helpers/yaml-fixtures.js';

const DENIED_KEY = 'rk_test_denied_charge_key_4242';
const BAD_KEY = 'rk_test_revoked_key_9999';

const world = useWorld({
  stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [STRIPE_READONLY_KEY]: { webhookWrite: false }, [DENIED_KEY]: { deniedResources: ['Charge'] } },
});
/** Codes the plans in this file reported, to check that every plan code was seen. */
const seen = new Set<string>();

beforeAll(() => {
  world.env.DENIED_STRIPE_KEY = DENIED_KEY;
  world.env.BAD_STRIPE_KEY = BAD_KEY;
  world.secrets.push(DENIED_KEY, BAD_KEY);
});

async function dwctl(...argv: string[]) {
  const result = await runChecked(world, argv);
  if (argv.includes('json')) for (const d of (JSON.parse(result.stdout) as { diagnostics?: { code: string }[] }).diagnostics ?? []) seen.add(d.code);
  return result;
}

const PG_CONFIG = SHOP_CONFIG;

const EVERYTHING = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
${PG_CONFIG}    tables:
      order: { sync: full_refresh }                                   # table-not-found
      countries: { sync: incremental, incremental_field: code }       # sync-type-unavailable
      users: { sync: incremental, incremental_field: updatedat }      # incremental-field-invalid
      orders: { sync: cdc }                                           # cdc-prerequisites (wal_level replica)
      events: { sync: full_refresh, sync_frequency: 1hour }           # costly-sync
      audit_log: { sync: full_refresh }
  warehouse_db:
    type: Postgres
    prefix: wh_
${SHOP_CONFIG}    tables:
      orders: { sync: incremental, incremental_field: created_at }    # prefer-updated-at
  archive_db:
    type: Postgres
    prefix: archive_
    config:
      host: \${DB_HOST}
      port: \${DB_PORT}
      database: postgres
      user: postgres
      password: \${ARCHIVE_DB_PASSWORD}                               # missing-secret
      schema: public
    tables:
      orders: { sync: incremental, incremental_field: updated_at }
  billing:
    type: Stripe
    prefix: billing_
    config:
      auth_method: { selection: api_key, stripe_secret_key: "\${DENIED_STRIPE_KEY}" }
    tables:
      Charge: { sync: append, incremental_field: created }            # table-permission-error
      Discount: { sync: append, incremental_field: start }            # webhook-only-table
      Invoice: { sync: full_refresh, sync_frequency: 6hour }          # costly-sync
  old_billing:
    type: Stripe
    prefix: old_
    config:
      auth_method: { selection: api_key, stripe_secret_key: "\${BAD_STRIPE_KEY}" }   # credentials-rejected
    tables:
      Customer: { sync: append, incremental_field: created }
`;

describe('plan diagnostics', () => {
  it('reports each code at its YAML position, blocks the plan and exits 1 (text)', async () => {
    await world.write(EVERYTHING);
    const r = await dwctl('plan', '--detailed-exitcode');
    expect(r.exitCode).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toMatchInlineSnapshot(`
      "source billing (Stripe)
        + create source  # no Stripe source with prefix "billing_" exists in project 1
            + source_type = "Stripe"
            + prefix = "billing_"
            + config.auth_method.selection = "api_key"
            + config.auth_method.stripe_secret_key = "(sensitive)"
            + tables_off = 39 items: "ApplicationFee", "BalanceTransaction", "BillingCreditBalanceSummary", "BillingCreditBalanceTransaction", "BillingCreditGrant", …
        + create table Invoice → billing_stripe_invoice  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "6hour"

      source shop_db (Postgres)
        + create source  # no Postgres source with prefix "shop_" exists in project 1
            + source_type = "Postgres"
            + prefix = "shop_"
            + config.host = "<db-host>"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.password = "(sensitive)"
            + config.schema = "public"
            + tables_off = ["order_totals"]
            + cdc.management = "posthog"
        + create table audit_log → shop_postgres_audit_log  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "24hour"
        + create table events → shop_postgres_events  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "1hour"
        + create table orders → shop_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "cdc"
            + primary_key_columns = ["id"]
            + sync_frequency = "5min"
            + cdc_table_mode = "consolidated"

      source warehouse_db (Postgres)
        + create source  # no Postgres source with prefix "wh_" exists in project 1
            + source_type = "Postgres"
            + prefix = "wh_"
            + config.host = "<db-host>"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.password = "(sensitive)"
            + config.schema = "public"
            + tables_off = ["audit_log","countries","events","order_totals","users"]
        + create table orders → wh_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "created_at"
            + incremental_field_type = "timestamp"
            + primary_key_columns = ["id"]
            + sync_frequency = "24hour"

      source archive_db (Postgres)
        ✖ blocked (missing-secret): \${ARCHIVE_DB_PASSWORD}: environment variable ARCHIVE_DB_PASSWORD is not set. Set it where dwctl runs (never in the file).
            not planned: orders

      source old_billing (Stripe)
        ✖ blocked (credentials-rejected): PostHog could not connect to old_billing (Stripe): Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...) for the same Stripe account, with no extra whitespace, and that it has not been revoked.
            not planned: Customer

      Warnings and notes:
        warehouse.yaml:18:53 warning costly-sync "events" is fully re-imported every 1hour (720 times a month, rows unknown); append on id would import only new rows (id above the last value seen); a changed row is never imported again.
        warehouse.yaml:19:26 info recommended-sync "audit_log": consider sync: xmin (looks append-only by its name (audit, log) and no column tracking changes, but no ordering field is always set; xmin (Postgres row versions) catches every insert and update).
        warehouse.yaml:31:55 warning incremental-field-unindexed "orders" syncs by incremental on created_at, which has no index: every sync scans the whole table in the database. Add an index on created_at.
        warehouse.yaml:31:55 warning prefer-updated-at "orders" syncs incrementally on created_at, which misses updated rows; updated_at catches them.
        warehouse.yaml:52:54 warning costly-sync "Invoice" is fully re-imported every 6hour (120 times a month, rows unknown); webhook would import each change as the source sends it, plus a periodic full sync as a safety net.

      Rows per month (PostHog bills the rows it syncs):
        billing_stripe_charge    not estimated: billed by the rows append imports; no sync history yet (the first sync imports the whole table once)
        billing_stripe_invoice   not estimated: rows unknown: PostHog does not count Stripe rows before the table syncs
        shop_postgres_audit_log  not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
        shop_postgres_events     not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
        shop_postgres_orders     not estimated: billed by the rows cdc imports; no sync history yet (the first sync imports the whole table once)
        wh_postgres_orders       not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
      Total: no estimate yet; 6 tables not estimated.

      Plan blocked by 8 errors:
        warehouse.yaml:14:7 error table-not-found PostHog found no table "order" in shop_db. Did you mean "orders"? Run \`dwctl discover shop_db\` to list the 6 tables it found.
        warehouse.yaml:15:26 error sync-type-unavailable "countries" does not offer sync: incremental (it has no incremental field). It offers: full_refresh, cdc, xmin.
        warehouse.yaml:16:54 error incremental-field-invalid "updatedat" is not an incremental field of "users". Did you mean "updated_at"? Candidates: id, signup_date, updated_at.
        warehouse.yaml:17:23 error cdc-prerequisites CDC prerequisite not met for shop_db: wal_level must be set to 'logical' (currently 'replica'). This requires a PostgreSQL server restart after changing the configuration.
        warehouse.yaml:40:17 error missing-secret \${ARCHIVE_DB_PASSWORD}: environment variable ARCHIVE_DB_PASSWORD is not set. Set it where dwctl runs (never in the file).
        warehouse.yaml:50:7 error table-permission-error The credentials of billing cannot read "Charge": The provided key 'rk_test_******************4242' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_charge_read' permission would allow this request to continue.
        warehouse.yaml:51:25 error webhook-only-table "Discount" can only be synced via webhooks: set "sync: webhook".
        warehouse.yaml:56:5 error credentials-rejected PostHog could not connect to old_billing (Stripe): Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...) for the same Stripe account, with no extra whitespace, and that it has not been revoked.

      Plan: 8 to create, 0 to update, 0 to delete.
      "
    `);
  });

  it('reports the same diagnostics in JSON, with positions and paths', async () => {
    await world.write(EVERYTHING);
    const r = await dwctl('plan', '--format', 'json', '--out', 'plan.json');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(r.planText);
    const plan = JSON.parse(r.out) as { applyable: boolean; diagnostics: unknown[] };
    expect(plan.applyable).toBe(false);
    expect(plan.diagnostics).toMatchInlineSnapshot(`
      [
        {
          "code": "table-not-found",
          "column": 7,
          "end_column": 12,
          "end_line": 14,
          "file": "warehouse.yaml",
          "line": 14,
          "message": "PostHog found no table "order" in shop_db. Did you mean "orders"? Run \`dwctl discover shop_db\` to list the 6 tables it found.",
          "path": "/sources/shop_db/tables/order",
          "severity": "error",
        },
        {
          "code": "sync-type-unavailable",
          "column": 26,
          "end_column": 37,
          "end_line": 15,
          "file": "warehouse.yaml",
          "line": 15,
          "message": ""countries" does not offer sync: incremental (it has no incremental field). It offers: full_refresh, cdc, xmin.",
          "path": "/sources/shop_db/tables/countries/sync",
          "severity": "error",
        },
        {
          "code": "incremental-field-invalid",
          "column": 54,
          "end_column": 63,
          "end_line": 16,
          "file": "warehouse.yaml",
          "line": 16,
          "message": ""updatedat" is not an incremental field of "users". Did you mean "updated_at"? Candidates: id, signup_date, updated_at.",
          "path": "/sources/shop_db/tables/users/incremental_field",
          "severity": "error",
        },
        {
          "code": "cdc-prerequisites",
          "column": 23,
          "end_column": 26,
          "end_line": 17,
          "file": "warehouse.yaml",
          "line": 17,
          "message": "CDC prerequisite not met for shop_db: wal_level must be set to 'logical' (currently 'replica'). This requires a PostgreSQL server restart after changing the configuration.",
          "path": "/sources/shop_db/tables/orders/sync",
          "severity": "error",
        },
        {
          "code": "costly-sync",
          "column": 53,
          "end_column": 58,
          "end_line": 18,
          "file": "warehouse.yaml",
          "line": 18,
          "message": ""events" is fully re-imported every 1hour (720 times a month, rows unknown); append on id would import only new rows (id above the last value seen); a changed row is never imported again.",
          "path": "/sources/shop_db/tables/events/sync_frequency",
          "severity": "warning",
        },
        {
          "code": "recommended-sync",
          "column": 26,
          "end_column": 38,
          "end_line": 19,
          "file": "warehouse.yaml",
          "line": 19,
          "message": ""audit_log": consider sync: xmin (looks append-only by its name (audit, log) and no column tracking changes, but no ordering field is always set; xmin (Postgres row versions) catches every insert and update).",
          "path": "/sources/shop_db/tables/audit_log/sync",
          "severity": "info",
        },
        {
          "code": "incremental-field-unindexed",
          "column": 55,
          "end_column": 65,
          "end_line": 31,
          "file": "warehouse.yaml",
          "line": 31,
          "message": ""orders" syncs by incremental on created_at, which has no index: every sync scans the whole table in the database. Add an index on created_at.",
          "path": "/sources/warehouse_db/tables/orders/incremental_field",
          "severity": "warning",
        },
        {
          "code": "prefer-updated-at",
          "column": 55,
          "end_column": 65,
          "end_line": 31,
          "file": "warehouse.yaml",
          "line": 31,
          "message": ""orders" syncs incrementally on created_at, which misses updated rows; updated_at catches them.",
          "path": "/sources/warehouse_db/tables/orders/incremental_field",
          "severity": "warning",
        },
        {
          "code": "missing-secret",
          "column": 17,
          "end_column": 39,
          "end_line": 40,
          "file": "warehouse.yaml",
          "line": 40,
          "message": "\${ARCHIVE_DB_PASSWORD}: environment variable ARCHIVE_DB_PASSWORD is not set. Set it where dwctl runs (never in the file).",
          "path": "/sources/archive_db/config/password",
          "severity": "error",
        },
        {
          "code": "table-permission-error",
          "column": 7,
          "end_column": 13,
          "end_line": 50,
          "file": "warehouse.yaml",
          "line": 50,
          "message": "The credentials of billing cannot read "Charge": The provided key 'rk_test_******************4242' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_charge_read' permission would allow this request to continue.",
          "path": "/sources/billing/tables/Charge",
          "severity": "error",
        },
        {
          "code": "webhook-only-table",
          "column": 25,
          "end_column": 31,
          "end_line": 51,
          "file": "warehouse.yaml",
          "line": 51,
          "message": ""Discount" can only be synced via webhooks: set "sync: webhook".",
          "path": "/sources/billing/tables/Discount/sync",
          "severity": "error",
        },
        {
          "code": "costly-sync",
          "column": 54,
          "end_column": 59,
          "end_line": 52,
          "file": "warehouse.yaml",
          "line": 52,
          "message": ""Invoice" is fully re-imported every 6hour (120 times a month, rows unknown); webhook would import each change as the source sends it, plus a periodic full sync as a safety net.",
          "path": "/sources/billing/tables/Invoice/sync_frequency",
          "severity": "warning",
        },
        {
          "code": "credentials-rejected",
          "column": 5,
          "end_column": 11,
          "end_line": 56,
          "file": "warehouse.yaml",
          "line": 56,
          "message": "PostHog could not connect to old_billing (Stripe): Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...) for the same Stripe account, with no extra whitespace, and that it has not been revoked.",
          "path": "/sources/old_billing/config",
          "severity": "error",
        },
      ]
    `);
  });

  it('reports a prefix change as a new source next to the old, undeclared one', async () => {
    const yaml = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
${PG_CONFIG}    tables:
      orders: { sync: incremental, incremental_field: updated_at }
`;
    await world.write(yaml);
    expect((await dwctl('apply', '--yes')).exitCode).toBe(0);
    await world.write(yaml.replace('prefix: shop_', 'prefix: store_'));
    expect((await dwctl('plan', '--format', 'json')).exitCode).toBe(0);
    const r = await dwctl('plan');
    expect(r.exitCode).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        + create source  # no Postgres source with prefix "store_" exists in project 1
            + source_type = "Postgres"
            + prefix = "store_"
            + config.host = "<db-host>"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.password = "(sensitive)"
            + config.schema = "public"
            + tables_off = ["audit_log","countries","events","order_totals","users"]
        + create table orders → store_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "updated_at"
            + incremental_field_type = "timestamp"
            + primary_key_columns = ["id"]
            + sync_frequency = "24hour"

      Warnings and notes:
        warehouse.yaml:2:1 info unmanaged-source PostHog has a Postgres "shop_" source (id <uuid>) that the file does not declare. Declare it (dwctl import writes it for you), or run with --prune to delete it.
        warehouse.yaml:5:13 warning prefix-change No Postgres source has prefix "store_", but one with prefix "shop_" is not declared. If you renamed the prefix: PostHog cannot rename it in place, so apply creates a second source (tables store_postgres_…) and the old one keeps syncing the same data under its old table names, billed twice, until it is deleted. Add \`moved_from: "shop_"\` to this source to create the new one and delete the old one in the same apply, or delete it later with --prune.
        warehouse.yaml:14:55 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.

      Rows per month (PostHog bills the rows it syncs):
        store_postgres_orders  not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
      Total: no estimate yet; 1 table not estimated.

      Plan: 2 to create, 0 to update, 0 to delete.
      "
    `);
  });

  it('warns short-secret for a secret too short to mask reliably', async () => {
    await world.write(`version: 1\nsources:\n  shop_db:\n    type: Postgres\n    prefix: shop_\n${PG_CONFIG}    tables:\n      orders: { sync: full_refresh }\n`);
    const result = await runChecked(world, ['plan', '--format', 'json'], { SHOP_DB_PASSWORD: 'pw1234' });
    for (const d of (JSON.parse(result.stdout) as { diagnostics: { code: string }[] }).diagnostics) seen.add(d.code);
    expect((JSON.parse(result.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toContain('short-secret');
  });

  it('day-2 codes: incremental-without-key, primary-key-locked, webhook-secret-dropped (details in plan-keys, plan-drift)', async () => {
    const shop = (tables: string) => `version: 1\nsources:\n  shop_db:\n    type: Postgres\n    prefix: shop_\n${PG_CONFIG}    tables:\n${tables}`;
    const codes = async () => (JSON.parse((await dwctl('plan', '--format', 'json')).stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
    await world.write(shop('      audit_log: { sync: incremental, incremental_field: at }\n'));
    expect(await codes()).toContain('incremental-without-key');

    await world.write(shop('      orders: { sync: incremental, incremental_field: updated_at, primary_key: [id] }\n'));
    expect((await runChecked(world, ['apply', '--yes', '--wait', '--timeout', '30s'])).exitCode).toBe(0);
    await world.write(shop('      orders: { sync: incremental, incremental_field: updated_at, primary_key: [id, customer_id] }\n'));
    expect(await codes()).toContain('primary-key-locked');

    world.emulator.reset();
    const billing = (tables: string) => `version: 1\nsources:\n  billing:\n    type: Stripe\n    prefix: billing_\n    config:\n      auth_method: { selection: api_key, stripe_secret_key: "\${STRIPE_SECRET_KEY}" }\n    tables:\n${tables}`;
    await world.write(billing('      Customer: { sync: webhook }\n'));
    expect((await runChecked(world, ['apply', '--yes'])).exitCode).toBe(0);
    await world.write(billing('      Customer: { sync: webhook }\n      Subscription: { sync: webhook }\n'));
    expect(await codes()).toContain('webhook-secret-dropped');
  });

  it('day-2 codes: webhook-missing-events when the endpoint lacks events (a warning, not a change; details in day2-scenarios)', async () => {
    const billing = `version: 1\nsources:\n  billing:\n    type: Stripe\n    prefix: billing_\n    config:\n      auth_method: { selection: api_key, stripe_secret_key: "\${STRIPE_SECRET_KEY}" }\n    tables:\n      Customer: { sync: webhook }\n`;
    await world.write(billing);
    expect((await runChecked(world, ['apply', '--yes'])).exitCode).toBe(0);
    // Someone trimmed the endpoint in Stripe's dashboard.
    const endpoint = world.emulator.state.liveSources()[0]!.endpoints.find((e) => !e.deleted)!;
    endpoint.enabledEvents = endpoint.enabledEvents.filter((e) => e !== 'customer.updated');
    const plan = JSON.parse((await dwctl('plan', '--format', 'json')).stdout) as { diagnostics: { code: string; severity: string }[]; summary: { update: number } };
    expect(plan.diagnostics.find((d) => d.code === 'webhook-missing-events')).toMatchObject({ severity: 'warning' });
    expect(plan.summary.update).toBe(0);
  });

  it('day-2 codes: stored-credentials-failing when PostHog\'s syncs fail to authenticate (details in rotation)', async () => {
    const failing = await extraEmulator({ failingSyncs: { shop_postgres_countries: 'connection to server at "db" failed: FATAL:  password authentication failed for user "postgres"' } });
    try {
      const env = { POSTHOG_HOST: failing.url, POSTHOG_PROJECT_ID: String(failing.projectId) };
      await world.write(`version: 1\nsources:\n  shop_db:\n    type: Postgres\n    prefix: shop_\n${PG_CONFIG}    tables:\n      countries: { sync: full_refresh }\n`);
      expect((await runChecked(world, ['apply', '--yes', '--wait', '--timeout', '30s'], env)).exitCode).toBe(1);
      const plan = JSON.parse((await runChecked(world, ['plan', '--format', 'json'], env)).stdout) as { diagnostics: { code: string; message: string }[] };
      for (const d of plan.diagnostics) seen.add(d.code);
      const warning = plan.diagnostics.find((d) => d.code === 'stored-credentials-failing')!;
      expect(warning.message).toContain('--update-credentials shop_db');
    } finally {
      await failing.close();
    }
  });

  it('notes read-only-plan when PostHog refuses the key the credential check (no write scope)', async () => {
    await world.write(`version: 1\nsources:\n  shop_db:\n    type: Postgres\n    prefix: shop_\n${PG_CONFIG}    tables:\n      orders: { sync: full_refresh }\n`);
    const result = await runChecked(world, ['plan', '--format', 'json'], { POSTHOG_PERSONAL_API_KEY: READ_ONLY_API_KEY });
    const codes = (JSON.parse(result.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
    for (const code of codes) seen.add(code);
    expect(codes).toEqual(['read-only-plan']);
  });

  it('rows-budget-exceeded and row-estimate-failed: --count-rows estimates the new Postgres tables, not the Stripe ones, and the total is over a budget of 0', async () => {
    await world.write(`version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
${PG_CONFIG}    tables:
      countries: { sync: full_refresh, sync_frequency: 7day }
  billing:
${BILLING_STRIPE}    tables:
      Product: { sync: full_refresh }
`);
    const result = await dwctl('plan', '--count-rows', '--max-rows-per-month', '0', '--format', 'json');
    expect(result.exitCode).toBe(1);
    const plan = JSON.parse(result.stdout) as { diagnostics: { code: string; severity: string; message: string; path: string }[]; cost: { tables: { warehouse_table: string; rows: number | null; rows_origin: string | null; rows_per_month: number | null }[] } };
    expect(plan.diagnostics.filter((d) => d.code === 'rows-budget-exceeded' || d.code === 'row-estimate-failed').map((d) => [d.code, d.severity, d.path, d.message])).toEqual([
      ['rows-budget-exceeded', 'error', '/sources/shop_db/tables/countries', 'The plan syncs about 32 rows a month, over the budget of 0 (--max-rows-per-month). Largest: shop_postgres_countries 32. 1 more table could not be estimated and is not counted.'],
      ['row-estimate-failed', 'warning', '/sources/billing', 'billing: rows not counted: --count-rows estimates rows for Postgres sources only, not Stripe'],
    ]);
    expect(plan.cost.tables.map((t) => [t.warehouse_table, t.rows, t.rows_origin, t.rows_per_month])).toEqual([
      ['billing_stripe_product', null, null, null],
      ['shop_postgres_countries', 8, 'estimate', 32],
    ]);
  });

  it('between them, these plans reported every plan code', () => {
    const planCodes = ALL_CODES.filter((c) => CODES[c].owner === 'plan');
    expect(planCodes.length).toBe(24);
    expect([...seen].filter((c) => CODES[c as keyof typeof CODES]?.owner === 'plan').sort()).toEqual([...planCodes].sort());
  });
});

describe('credentials-rejected from a real PostgreSQL server', () => {
  let server: PgServer | null = null;

  beforeAll(async () => {
    server = await startSystemPostgres({ seedSql: 'CREATE TABLE orders (id bigint PRIMARY KEY, updated_at timestamptz);' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("shows PostHog's message verbatim, with no password anywhere", async () => {
    if (!server) {
      expect(process.env.CI, 'PostgreSQL is required under CI').toBeFalsy();
      expect(findPostgresBinDir()).toBeNull();
      return;
    }
    world.env.REAL_DB_PORT = String(server.port);
    world.env.REAL_DB_USER = server.user;
    world.env.REAL_DB_PASSWORD = 'wrong-password-for-the-real-server';
    world.secrets.push(world.env.REAL_DB_PASSWORD, server.password);
    await world.write(`version: 1
sources:
  real_db:
    type: Postgres
    prefix: real_
    config:
      host: 127.0.0.1
      port: \${REAL_DB_PORT}
      database: ${server.database}
      user: \${REAL_DB_USER}
      password: \${REAL_DB_PASSWORD}
      schema: public
    tables:
      orders: { sync: incremental, incremental_field: updated_at }
`);
    const r = await dwctl('plan', '--out', 'plan.json');
    expect(r.exitCode).toBe(1);
    expect(r.out).toMatchInlineSnapshot(`
      "source real_db (Postgres)
        ✖ blocked (credentials-rejected): PostHog could not connect to real_db (Postgres): The database rejected the username or password. Check the user and password for this source and try again.
            not planned: orders

      Plan blocked by 1 error:
        warehouse.yaml:6:5 error credentials-rejected PostHog could not connect to real_db (Postgres): The database rejected the username or password. Check the user and password for this source and try again.

      Plan: 0 to create, 0 to update, 0 to delete.
      "
    `);
    const json = await dwctl('plan', '--format', 'json');
    expect(leakedSecrets(world, json.stdout)).toEqual([]);
    expect((JSON.parse(json.stdout) as { diagnostics: unknown[] }).diagnostics).toMatchInlineSnapshot(`
      [
        {
          "code": "credentials-rejected",
          "column": 5,
          "end_column": 11,
          "end_line": 6,
          "file": "warehouse.yaml",
          "line": 6,
          "message": "PostHog could not connect to real_db (Postgres): The database rejected the username or password. Check the user and password for this source and try again.",
          "path": "/sources/real_db/config",
          "severity": "error",
        },
      ]
    `);
    // With the right password, the same source plans cleanly.
    world.env.REAL_DB_PASSWORD = server.password;
    const ok = await dwctl('plan', '--detailed-exitcode');
    expect(ok.exitCode).toBe(2);
  });
});
