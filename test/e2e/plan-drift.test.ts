/**
 * More drift end to end: source description and config, frequencies and times of day, a disabled table
 * declared again, and a Stripe source whose webhook was disabled. Each plan is applied and must converge.
 */
import { describe, expect, it } from 'vitest';
import { useWorld, runChecked, SHOP_CONFIG } from '../helpers/world.js';
import { BILLING_STRIPE_FLOW } from '../helpers/yaml-fixtures.js';

const world = useWorld();

const dwctl = (...argv: string[]) => runChecked(world, argv);

async function converges(): Promise<void> {
  // --wait: the first syncs finish, so the plans that follow read each synced table's row count (rows per month) whatever the timing.
  const applied = await dwctl('apply', '--yes', '--wait', '--timeout', '60s');
  expect(applied.stderr).not.toMatch(/✘|failed/);
  expect(applied.exitCode).toBe(0);
  const after = await dwctl('plan', '--detailed-exitcode');
  expect(after.out).toMatch(/No changes\. PostHog matches the file\.\n$/);
  expect(after.exitCode).toBe(0);
}

const SHOP = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    description: Shop database
${SHOP_CONFIG}    tables:
      orders: { sync: incremental, incremental_field: updated_at, sync_frequency: 1hour }
      users: { sync: incremental, incremental_field: updated_at }
      countries: { sync: full_refresh, sync_frequency: 7day }
`;

describe('drift on an existing Postgres source', () => {
  it('plans description, config, frequency and time-of-day updates; apply converges', async () => {
    await world.write(SHOP);
    await converges();
    await world.write(
      SHOP.replace('description: Shop database', 'description: The shop database')
        .replace('user: postgres', 'user: reader')
        .replace('sync_frequency: 1hour', 'sync_frequency: 6hour')
        .replace('users: { sync: incremental, incremental_field: updated_at }', 'users: { sync: incremental, incremental_field: updated_at, sync_time_of_day: "03:30:00" }'),
    );
    const r = await dwctl('plan', '--detailed-exitcode');
    expect(r.exitCode).toBe(2);
    expect(r.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        ~ update source  # the file's description and config differ from PostHog's; credentials are re-sent with the update
            ~ description = "Shop database" → "The shop database"
            ~ config.user = "postgres" → "reader"
        ~ update table orders → shop_postgres_orders  # settings differ: sync_frequency
            ~ sync_frequency = "1hour" → "6hour"
        ~ update table users → shop_postgres_users  # settings differ: sync_time_of_day
            ~ sync_time_of_day = null → "03:30:00"
        = 1 table unchanged: countries

      Warnings and notes:
        warehouse.yaml:15:55 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:16:54 warning incremental-field-nullable "users" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:16:54 warning incremental-field-unindexed "users" syncs by incremental on updated_at, which has no index: every sync scans the whole table in the database. Add an index on updated_at.

      Rows per month (PostHog bills the rows it syncs):
        shop_postgres_countries  about 32 rows a month (8 rows × 4 full refreshes)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; needs a day of sync history
        shop_postgres_users      not estimated: billed by the rows incremental imports; needs a day of sync history
      Total: about 32 rows a month after apply (now about 32); 2 tables not estimated.

      Plan: 0 to create, 3 to update, 0 to delete.
      "
    `);
    await converges();
  });

  it('a table dropped from the file and declared again is re-enabled; apply converges', async () => {
    await world.write(SHOP);
    await converges();
    await world.write(SHOP.replace('      countries: { sync: full_refresh, sync_frequency: 7day }\n', ''));
    await converges();
    await world.write(SHOP);
    const r = await dwctl('plan', '--detailed-exitcode');
    expect(r.exitCode).toBe(2);
    expect(r.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        = unchanged source
        ~ update table countries → shop_postgres_countries  # settings differ: should_sync
            ~ should_sync = false → true
            ~ sync_type = "full_refresh" (unchanged, sent with the update)
        = 2 tables unchanged: orders, users

      Warnings and notes:
        warehouse.yaml:15:55 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:16:54 warning incremental-field-nullable "users" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:16:54 warning incremental-field-unindexed "users" syncs by incremental on updated_at, which has no index: every sync scans the whole table in the database. Add an index on updated_at.

      Rows per month (PostHog bills the rows it syncs):
        shop_postgres_countries  about 32 rows a month (8 rows × 4 full refreshes)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; needs a day of sync history
        shop_postgres_users      not estimated: billed by the rows incremental imports; needs a day of sync history
      Total: about 32 rows a month after apply (now about 0); 2 tables not estimated.

      Plan: 0 to create, 1 to update, 0 to delete.
      "
    `);
    await converges();
  });
});

/** A Stripe source with a webhook table and an append table (the two webhook tests add a third). */
const BILLING_WEBHOOK_YAML = `version: 1
sources:
  billing:
${BILLING_STRIPE_FLOW}    tables:
      Customer: { sync: webhook }
      Charge: { sync: append, incremental_field: created }
`;

describe('drift on an existing Stripe source', () => {
  it('a new webhook table after apply; apply converges', async () => {
    const yaml = `${BILLING_WEBHOOK_YAML}    webhook:
      signing_secret: \${STRIPE_WEBHOOK_SECRET}
`;
    await world.write(yaml);
    await converges();
    await world.write(yaml.replace('      Charge:', '      Subscription: { sync: webhook }\n      Charge:'));
    const r = await dwctl('plan', '--detailed-exitcode');
    expect(r.exitCode).toBe(2);
    expect(r.out).toMatchInlineSnapshot(`
      "source billing (Stripe)
        = unchanged source
        ~ update table Subscription → billing_stripe_subscription  # settings differ: should_sync, sync_type, sync_frequency
            ~ should_sync = false → true
            ~ sync_type = null → "webhook"
            ~ sync_frequency = "6hour" → "24hour"
        ~ update webhook  # the schema update of Subscription replaces the webhook's inputs: the signing secret is stored again afterwards
            ~ signing_secret = "(sensitive)" (unchanged, sent with the update)
        = 2 tables unchanged: Charge, Customer
        webhook: healthy: enabled, every event subscribed, no input pending

      Rows per month (PostHog bills the rows it syncs):
        billing_stripe_charge        not estimated: billed by the rows append imports; needs a day of sync history
        billing_stripe_customer      not estimated: rows arrive by webhook as Stripe sends them
        billing_stripe_subscription  not estimated: rows arrive by webhook as Stripe sends them
      Total: no estimate yet; 3 tables not estimated.

      Plan: 0 to create, 2 to update, 0 to delete.
      "
    `);
    await converges();
  });
});

describe('a webhook PostHog registered, without a declared signing secret', () => {
  it('a new webhook table is a plan error (the PATCH would drop the secret, API.md §12); declaring the secret applies and converges', async () => {
    const yaml = BILLING_WEBHOOK_YAML;
    await world.write(yaml);
    await converges();
    const [billing] = world.emulator.state.liveSources();
    expect(billing!.hogFunction?.inputs.signing_secret).toMatch(/^whsec_/);
    await world.write(yaml.replace('      Charge:', '      Subscription: { sync: webhook }\n      Charge:'));
    const r = await dwctl('plan', '--format', 'json');
    expect(r.exitCode).toBe(1);
    const plan = JSON.parse(r.stdout) as { applyable: boolean; diagnostics: { code: string; severity: string; message: string }[] };
    expect(plan.applyable).toBe(false);
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['error webhook-secret-dropped']);
    expect(plan.diagnostics[0]!.message).toContain('Setting Subscription to webhook sync');
    // Nothing was sent: PostHog still holds the secret it registered.
    expect((await dwctl('apply', '--yes')).exitCode).toBe(1);
    expect(billing!.hogFunction?.inputs.signing_secret).toMatch(/^whsec_/);
    await world.write(yaml.replace('      Charge:', '      Subscription: { sync: webhook }\n      Charge:') + '    webhook:\n      signing_secret: \${STRIPE_WEBHOOK_SECRET}\n');
    await converges();
    expect(billing!.endpoints.filter((e) => !e.deleted)).toHaveLength(1);
  });
});

describe('xmin', () => {
  it('a table synced by xmin plans, applies and converges', async () => {
    await world.write(SHOP.replace('countries: { sync: full_refresh, sync_frequency: 7day }', 'countries: { sync: xmin, sync_frequency: 12hour }'));
    const r = await dwctl('plan', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.out) as { diagnostics: { code: string; path: string }[]; changes: { address: string; after: unknown }[] };
    // Only the nullable/unindexed updated_at of orders and users (declared incremental) draw warnings; xmin draws none.
    expect(plan.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([
      'incremental-field-nullable /sources/shop_db/tables/orders/incremental_field',
      'incremental-field-nullable /sources/shop_db/tables/users/incremental_field',
      'incremental-field-unindexed /sources/shop_db/tables/users/incremental_field',
    ]);
    expect(plan.changes.find((c) => c.address === 'source.shop_db.table.countries')!.after).toMatchInlineSnapshot(`
      {
        "incremental_field": null,
        "incremental_field_type": null,
        "primary_key_columns": null,
        "should_sync": true,
        "sync_frequency": "12hour",
        "sync_time_of_day": null,
        "sync_type": "xmin",
      }
    `);
    await converges();
  });
});
