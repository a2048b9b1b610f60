/**
 * `dwctl discover NAME` end to end: the summary PostHog's discovery gives for a declared source, and
 * `--add` writing recommended entries into the file while keeping its comments.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, STRIPE_KEY, type World, runChecked } from '../helpers/world.js';

const DENIED_KEY = 'rk_test_discover_denied_key_5151';

let world: World;

beforeAll(async () => {
  world = await startWorld({ stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [DENIED_KEY]: { deniedResources: ['Charge', 'Invoice'] } } });
  world.env.DENIED_KEY = DENIED_KEY;
  world.secrets.push(DENIED_KEY);
});
afterAll(async () => {
  await world.close();
});
afterEach(() => {
  world.emulator.reset();
});

const dwctl = (...argv: string[]) => runChecked(world, argv);

const YAML = `# The shop's warehouse sources.
version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_ # tables become shop_postgres_<table>
    config:
      host: \${DB_HOST}
      port: \${DB_PORT}
      database: postgres
      user: postgres
      password: \${SHOP_DB_PASSWORD}
      schema: public
    tables:
      # small and static
      countries:
        sync: full_refresh
        sync_frequency: 7day
  billing:
    type: Stripe
    prefix: billing_
    config:
      auth_method: { selection: api_key, stripe_secret_key: "\${STRIPE_SECRET_KEY}" }
    tables:
      Customer: { sync: webhook }
`;

describe('discover NAME', () => {
  it('summarises the Postgres tables: rows unknown, sync types, candidates, keys, recommendation', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop_db');
    expect(r.exitCode).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatchInlineSnapshot(`
      "shop_db (Postgres): 6 tables discovered

      TABLE         ROWS     SYNC TYPES                                    INCREMENTAL FIELDS                        PRIMARY KEY  RECOMMENDED                DECLARED
      audit_log     unknown  full_refresh, incremental, append, xmin       at (timestamp)                            -            append on at               -
      countries     unknown  full_refresh, cdc, xmin                       -                                         code         full_refresh               full_refresh
      events        unknown  full_refresh, incremental, append, cdc, xmin  id (integer), user_id (integer), occurr…  id           append on occurred_at      -
      order_totals  unknown  full_refresh, incremental, append             customer_id (integer), order_count (int…  -            full_refresh               -
      orders        unknown  full_refresh, incremental, append, cdc, xmin  id (integer), customer_id (integer), cr…  id           incremental on updated_at  -
      users         unknown  full_refresh, incremental, append, cdc, xmin  id (integer), signup_date (date), updat…  id           incremental on updated_at  -

      Why these recommendations:
        audit_log: no updated-at field: append on at imports only new rows (right for append-only tables)
        countries: no ordering column: a full refresh is the only correct choice; keep the frequency low
        events: no updated-at field: append on occurred_at imports only new rows (right for append-only tables)
        order_totals: no ordering column: a full refresh is the only correct choice; keep the frequency low
        orders: updated_at tracks updates, so only changed rows are imported
        users: updated_at tracks updates, so only changed rows are imported

      Rows unknown for 6 tables: PostHog does not count rows for this source type.

      Rows synced are billed: add only what you need, e.g. dwctl discover shop_db --add audit_log events
      "
    `);
    // Discovery only reads.
    expect(world.emulator.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['POST /api/projects/1/external_data_sources/database_schema/']);
  });

  it('prints the same in JSON', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop_db', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.out) as { format_version: number; tables: { table: string }[] };
    expect(doc.format_version).toBe(1);
    expect(doc.tables.find((t) => t.table === 'orders')).toMatchInlineSnapshot(`
      {
        "declared": null,
        "incremental_fields": [
          {
            "field": "id",
            "indexed": true,
            "type": "integer",
          },
          {
            "field": "customer_id",
            "indexed": false,
            "type": "integer",
          },
          {
            "field": "created_at",
            "indexed": false,
            "type": "timestamp",
          },
          {
            "field": "updated_at",
            "indexed": true,
            "type": "timestamp",
          },
        ],
        "primary_key": [
          "id",
        ],
        "problems": [],
        "recommended": {
          "incremental_field": "updated_at",
          "reason": "updated_at tracks updates, so only changed rows are imported",
          "sync": "incremental",
        },
        "rows": null,
        "sync_types": [
          "full_refresh",
          "incremental",
          "append",
          "cdc",
          "xmin",
        ],
        "table": "orders",
      }
    `);
    expect(doc.tables.map((t) => t.table)).toEqual(['audit_log', 'countries', 'events', 'order_totals', 'orders', 'users']);
  });

  it('summarises a Stripe source (webhook-only tables, permission problems none)', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'billing', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.out) as { tables: { table: string; sync_types: string[]; recommended: unknown; declared: string | null }[] };
    expect(doc.tables).toHaveLength(42);
    expect(doc.tables.find((t) => t.table === 'Discount')).toMatchObject({ sync_types: ['webhook'], recommended: { sync: 'webhook' } });
    expect(doc.tables.find((t) => t.table === 'Customer')).toMatchObject({ declared: 'webhook' });
  });
});

describe('discover NAME (Stripe, restricted key)', () => {
  it('lists the permission problems PostHog reports, masked, and recommends webhooks for webhook-only tables', async () => {
    await world.write(YAML.replace('${STRIPE_SECRET_KEY}', '${DENIED_KEY}'));
    const r = await dwctl('discover', 'billing');
    expect(r.exitCode).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "billing (Stripe): 42 tables discovered

      TABLE                            ROWS     SYNC TYPES                     INCREMENTAL FIELDS  PRIMARY KEY  RECOMMENDED        DECLARED
      ApplicationFee                   unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      BalanceTransaction               unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      BillingCreditBalanceSummary      unknown  full_refresh                   -                   -            full_refresh       -
      BillingCreditBalanceTransaction  unknown  full_refresh, webhook          -                   -            webhook            -
      BillingCreditGrant               unknown  full_refresh, webhook          -                   -            webhook            -
      BillingMeter                     unknown  full_refresh, webhook          -                   -            webhook            -
      Charge                           unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      CheckoutSession                  unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Coupon                           unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      CreditNote                       unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Customer                         unknown  full_refresh, append, webhook  created (integer)   -            append on created  webhook
      CustomerBalanceTransaction       unknown  full_refresh                   -                   -            full_refresh       -
      CustomerPaymentMethod            unknown  full_refresh, webhook          -                   -            webhook            -
      Discount                         unknown  webhook                        start (integer)     -            webhook            -
      Dispute                          unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      EarlyFraudWarning                unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      EntitlementsActiveEntitlement    unknown  full_refresh                   -                   -            full_refresh       -
      EntitlementsFeature              unknown  full_refresh                   -                   -            full_refresh       -
      Event                            unknown  full_refresh, append           created (integer)   -            append on created  -
      Invoice                          unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      InvoiceItem                      unknown  full_refresh, append, webhook  date (integer)      -            append on date     -
      InvoicePayment                   unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      PaymentIntent                    unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      PaymentLink                      unknown  full_refresh, webhook          -                   -            webhook            -
      Payout                           unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Plan                             unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Price                            unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Product                          unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      PromotionCode                    unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Quote                            unknown  full_refresh, webhook          -                   -            webhook            -
      Refund                           unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Review                           unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      SetupAttempt                     unknown  full_refresh                   -                   -            full_refresh       -
      SetupIntent                      unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      ShippingRate                     unknown  full_refresh, append           created (integer)   -            append on created  -
      Subscription                     unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      SubscriptionItem                 unknown  full_refresh                   -                   -            full_refresh       -
      SubscriptionSchedule             unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      TaxId                            unknown  full_refresh, webhook          -                   -            webhook            -
      TaxRate                          unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Topup                            unknown  full_refresh, append, webhook  created (integer)   -            append on created  -
      Transfer                         unknown  full_refresh, append, webhook  created (integer)   -            append on created  -

      Problems:
        Charge: The provided key 'rk_test_********************5151' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_charge_read' permission would allow this request to continue.
        Invoice: The provided key 'rk_test_********************5151' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_invoice_read' permission would allow this request to continue.

      Why these recommendations:
        ApplicationFee: no updated-at field: append on created imports only new rows (right for append-only tables)
        BalanceTransaction: no updated-at field: append on created imports only new rows (right for append-only tables)
        BillingCreditBalanceSummary: no ordering column: a full refresh is the only correct choice; keep the frequency low
        BillingCreditBalanceTransaction: no ordering field; webhooks deliver changes as they happen
        BillingCreditGrant: no ordering field; webhooks deliver changes as they happen
        BillingMeter: no ordering field; webhooks deliver changes as they happen
        Charge: no updated-at field: append on created imports only new rows (right for append-only tables)
        CheckoutSession: no updated-at field: append on created imports only new rows (right for append-only tables)
        Coupon: no updated-at field: append on created imports only new rows (right for append-only tables)
        CreditNote: no updated-at field: append on created imports only new rows (right for append-only tables)
        Customer: no updated-at field: append on created imports only new rows (right for append-only tables)
        CustomerBalanceTransaction: no ordering column: a full refresh is the only correct choice; keep the frequency low
        CustomerPaymentMethod: no ordering field; webhooks deliver changes as they happen
        Discount: PostHog can only sync this table by webhook
        Dispute: no updated-at field: append on created imports only new rows (right for append-only tables)
        EarlyFraudWarning: no updated-at field: append on created imports only new rows (right for append-only tables)
        EntitlementsActiveEntitlement: no ordering column: a full refresh is the only correct choice; keep the frequency low
        EntitlementsFeature: no ordering column: a full refresh is the only correct choice; keep the frequency low
        Event: no updated-at field: append on created imports only new rows (right for append-only tables)
        Invoice: no updated-at field: append on created imports only new rows (right for append-only tables)
        InvoiceItem: no updated-at field: append on date imports only new rows (right for append-only tables)
        InvoicePayment: no updated-at field: append on created imports only new rows (right for append-only tables)
        PaymentIntent: no updated-at field: append on created imports only new rows (right for append-only tables)
        PaymentLink: no ordering field; webhooks deliver changes as they happen
        Payout: no updated-at field: append on created imports only new rows (right for append-only tables)
        Plan: no updated-at field: append on created imports only new rows (right for append-only tables)
        Price: no updated-at field: append on created imports only new rows (right for append-only tables)
        Product: no updated-at field: append on created imports only new rows (right for append-only tables)
        PromotionCode: no updated-at field: append on created imports only new rows (right for append-only tables)
        Quote: no ordering field; webhooks deliver changes as they happen
        Refund: no updated-at field: append on created imports only new rows (right for append-only tables)
        Review: no updated-at field: append on created imports only new rows (right for append-only tables)
        SetupAttempt: no ordering column: a full refresh is the only correct choice; keep the frequency low
        SetupIntent: no updated-at field: append on created imports only new rows (right for append-only tables)
        ShippingRate: no updated-at field: append on created imports only new rows (right for append-only tables)
        Subscription: no updated-at field: append on created imports only new rows (right for append-only tables)
        SubscriptionItem: no ordering column: a full refresh is the only correct choice; keep the frequency low
        SubscriptionSchedule: no updated-at field: append on created imports only new rows (right for append-only tables)
        TaxId: no ordering field; webhooks deliver changes as they happen
        TaxRate: no updated-at field: append on created imports only new rows (right for append-only tables)
        Topup: no updated-at field: append on created imports only new rows (right for append-only tables)
        Transfer: no updated-at field: append on created imports only new rows (right for append-only tables)

      Rows unknown for 42 tables: PostHog does not count rows for this source type.

      Rows synced are billed: add only what you need, e.g. dwctl discover billing --add ApplicationFee BalanceTransaction
      "
    `);
  });
});

describe('discover NAME --add', () => {
  it('writes entries with the recommended settings, keeping comments, and the result lints and plans', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop_db', '--add', 'orders', 'users');
    expect(r.exitCode).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatchInlineSnapshot(`
      "Added orders: sync incremental on updated_at (updated_at tracks updates, so only changed rows are imported)
      Added users: sync incremental on updated_at (updated_at tracks updates, so only changed rows are imported)
      Next: dwctl plan
      "
    `);
    const written = await world.read('warehouse.yaml');
    expect(written).toMatchInlineSnapshot(`
      "# The shop's warehouse sources.
      version: 1
      sources:
        shop_db:
          type: Postgres
          prefix: shop_ # tables become shop_postgres_<table>
          config:
            host: \${DB_HOST}
            port: \${DB_PORT}
            database: postgres
            user: postgres
            password: \${SHOP_DB_PASSWORD}
            schema: public
          tables:
            # small and static
            countries:
              sync: full_refresh
              sync_frequency: 7day
            orders: { sync: incremental, incremental_field: updated_at }
            users: { sync: incremental, incremental_field: updated_at }
        billing:
          type: Stripe
          prefix: billing_
          config:
            auth_method: { selection: api_key, stripe_secret_key: "\${STRIPE_SECRET_KEY}" }
          tables:
            Customer: { sync: webhook }
      "
    `);
    expect(written).toContain('# The shop\'s warehouse sources.\n');
    expect(written).toContain('      # small and static\n');
    expect(written).toContain('prefix: shop_ # tables become shop_postgres_<table>\n');
    const lint = await dwctl('lint');
    expect(lint.exitCode).toBe(0);
    const plan = await dwctl('plan', '--format', 'json', '--source', 'shop_db');
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout).diagnostics).toEqual([]);
  });

  it('an unknown table is an error (exit 1) with a did-you-mean, and nothing is written', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop_db', '--add', 'order', 'users');
    expect(r.exitCode).toBe(1);
    expect(r.err).toMatchInlineSnapshot(`
      "error: PostHog found no table "order" in shop_db. Did you mean "orders"?
      "
    `);
    expect(await world.read('warehouse.yaml')).toBe(YAML);
  });

  it('never adds all tables: --add needs names', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop_db', '--add');
    expect(r.exitCode).toBe(3);
    expect(await world.read('warehouse.yaml')).toBe(YAML);
  });

  it('an unknown source is a usage error (exit 3) with a did-you-mean', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop');
    expect(r.exitCode).toBe(3);
    expect(r.err).toMatchInlineSnapshot(`
      "error: No source "shop" in warehouse.yaml. Declared: billing, shop_db.
      "
    `);
  });
});

describe('discover failures', () => {
  it('a missing secret is reported at its position (exit 1) before PostHog is asked', async () => {
    await world.write(YAML.replace('${SHOP_DB_PASSWORD}', '${NOT_SET_PASSWORD}'));
    const r = await dwctl('discover', 'shop_db');
    expect(r.exitCode).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('missing-secret');
    expect(r.err).toContain('NOT_SET_PASSWORD');
    expect(world.emulator.requests).toEqual([]);
  });

  it("rejected credentials: PostHog's message (exit 1), JSON error document", async () => {
    world.env.REVOKED_KEY = 'rk_test_revoked_for_discover_77';
    world.secrets.push(world.env.REVOKED_KEY);
    await world.write(YAML.replace('${STRIPE_SECRET_KEY}', '${REVOKED_KEY}'));
    const r = await dwctl('discover', 'billing', '--format', 'json');
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'credentials-rejected',
        message:
          'Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...) for the same Stripe account, with no extra whitespace, and that it has not been revoked.',
      },
    });
    expect(r.err).toMatchInlineSnapshot(`
      "error: PostHog could not connect to billing (Stripe): Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...) for the same Stripe account, with no extra whitespace, and that it has not been revoked.
      "
    `);
  });
});
