/**
 * `dwctl discover NAME` end to end: the summary PostHog's discovery gives for a declared source, and
 * `--add` writing recommended entries into the file while keeping its comments.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useWorld, STRIPE_KEY, runChecked, SHOP_CONFIG } from '../helpers/world.js';
import { BILLING_STRIPE_FLOW } from '../helpers/yaml-fixtures.js';

const DENIED_KEY = 'rk_test_discover_denied_key_5151';

const world = useWorld({ stripeKeys: { [STRIPE_KEY]: { webhookWrite: true }, [DENIED_KEY]: { deniedResources: ['Charge', 'Invoice'] } } });
beforeAll(() => {
  world.env.DENIED_KEY = DENIED_KEY;
  world.secrets.push(DENIED_KEY);
});

const dwctl = (...argv: string[]) => runChecked(world, argv);

const YAML = `# The shop's warehouse sources.
version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_ # tables become shop_postgres_<table>
${SHOP_CONFIG}    tables:
      # small and static
      countries:
        sync: full_refresh
        sync_frequency: 7day
  billing:
${BILLING_STRIPE_FLOW}    tables:
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

      TABLE         WAREHOUSE TABLE             ROWS     SYNC TYPES                                    INCREMENTAL FIELDS                        PRIMARY KEY  RECOMMENDED   DECLARED
      audit_log     shop_postgres_audit_log     unknown  full_refresh, incremental, append, xmin       at (timestamp)                            -            xmin          -
      countries     shop_postgres_countries     unknown  full_refresh, cdc, xmin                       -                                         code         xmin          full_refresh
      events        shop_postgres_events        unknown  full_refresh, incremental, append, cdc, xmin  id (integer), user_id (integer), occurr…  id           append on id  -
      order_totals  shop_postgres_order_totals  unknown  full_refresh, incremental, append             customer_id (integer), order_count (int…  -            full_refresh  -
      orders        shop_postgres_orders        unknown  full_refresh, incremental, append, cdc, xmin  id (integer), customer_id (integer), cr…  id           xmin          -
      users         shop_postgres_users         unknown  full_refresh, incremental, append, cdc, xmin  id (integer), signup_date (date), updat…  id           xmin          -

      Why these recommendations (docs/recommendations.md):
        audit_log: looks append-only by its name (audit, log) and no column tracking changes, but no ordering field is always set; xmin (Postgres row versions) catches every insert and update
        countries: no field tracks updates: xmin (Postgres row versions) catches every insert and update
        events: append-only by its name (events) and no column tracking changes, so new rows are all there is to import; id is its indexed integer key
        order_totals: nothing tracks changes: only a full refresh does not lose updates; keep the frequency low
        orders, users: updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update

      Rows unknown for 6 tables: PostHog does not count rows for Postgres sources. Estimate them from the database with: dwctl discover shop_db --count-rows

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
            "nullable": false,
            "type": "integer",
          },
          {
            "field": "customer_id",
            "indexed": false,
            "nullable": true,
            "type": "integer",
          },
          {
            "field": "created_at",
            "indexed": false,
            "nullable": false,
            "type": "timestamp",
          },
          {
            "field": "updated_at",
            "indexed": true,
            "nullable": true,
            "type": "timestamp",
          },
        ],
        "primary_key": [
          "id",
        ],
        "problems": [],
        "recommended": {
          "imports": "every row inserted or updated since the last sync (deletions are not seen)",
          "incremental_field": null,
          "reason": "updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update",
          "rule": "xmin",
          "sync": "xmin",
        },
        "rows": null,
        "rows_estimated": false,
        "sync_types": [
          "full_refresh",
          "incremental",
          "append",
          "cdc",
          "xmin",
        ],
        "table": "orders",
        "warehouse_table": "shop_postgres_orders",
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

      TABLE                            WAREHOUSE TABLE                                 ROWS     SYNC TYPES                     INCREMENTAL FIELDS  PRIMARY KEY  RECOMMENDED        DECLARED
      ApplicationFee                   billing_stripe_applicationfee                   unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      BalanceTransaction               billing_stripe_balancetransaction               unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      BillingCreditBalanceSummary      billing_stripe_billingcreditbalancesummary      unknown  full_refresh                   -                   -            full_refresh       -
      BillingCreditBalanceTransaction  billing_stripe_billingcreditbalancetransaction  unknown  full_refresh, webhook          -                   -            webhook            -
      BillingCreditGrant               billing_stripe_billingcreditgrant               unknown  full_refresh, webhook          -                   -            webhook            -
      BillingMeter                     billing_stripe_billingmeter                     unknown  full_refresh, webhook          -                   -            webhook            -
      Charge                           billing_stripe_charge                           unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      CheckoutSession                  billing_stripe_checkoutsession                  unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Coupon                           billing_stripe_coupon                           unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      CreditNote                       billing_stripe_creditnote                       unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Customer                         billing_stripe_customer                         unknown  full_refresh, append, webhook  created (integer)   -            webhook            webhook
      CustomerBalanceTransaction       billing_stripe_customerbalancetransaction       unknown  full_refresh                   -                   -            full_refresh       -
      CustomerPaymentMethod            billing_stripe_customerpaymentmethod            unknown  full_refresh, webhook          -                   -            webhook            -
      Discount                         billing_stripe_discount                         unknown  webhook                        start (integer)     -            webhook            -
      Dispute                          billing_stripe_dispute                          unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      EarlyFraudWarning                billing_stripe_earlyfraudwarning                unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      EntitlementsActiveEntitlement    billing_stripe_entitlementsactiveentitlement    unknown  full_refresh                   -                   -            full_refresh       -
      EntitlementsFeature              billing_stripe_entitlementsfeature              unknown  full_refresh                   -                   -            full_refresh       -
      Event                            billing_stripe_event                            unknown  full_refresh, append           created (integer)   -            append on created  -
      Invoice                          billing_stripe_invoice                          unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      InvoiceItem                      billing_stripe_invoiceitem                      unknown  full_refresh, append, webhook  date (integer)      -            webhook            -
      InvoicePayment                   billing_stripe_invoicepayment                   unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      PaymentIntent                    billing_stripe_paymentintent                    unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      PaymentLink                      billing_stripe_paymentlink                      unknown  full_refresh, webhook          -                   -            webhook            -
      Payout                           billing_stripe_payout                           unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Plan                             billing_stripe_plan                             unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Price                            billing_stripe_price                            unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Product                          billing_stripe_product                          unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      PromotionCode                    billing_stripe_promotioncode                    unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Quote                            billing_stripe_quote                            unknown  full_refresh, webhook          -                   -            webhook            -
      Refund                           billing_stripe_refund                           unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Review                           billing_stripe_review                           unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      SetupAttempt                     billing_stripe_setupattempt                     unknown  full_refresh                   -                   -            full_refresh       -
      SetupIntent                      billing_stripe_setupintent                      unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      ShippingRate                     billing_stripe_shippingrate                     unknown  full_refresh, append           created (integer)   -            full_refresh       -
      Subscription                     billing_stripe_subscription                     unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      SubscriptionItem                 billing_stripe_subscriptionitem                 unknown  full_refresh                   -                   -            full_refresh       -
      SubscriptionSchedule             billing_stripe_subscriptionschedule             unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      TaxId                            billing_stripe_taxid                            unknown  full_refresh, webhook          -                   -            webhook            -
      TaxRate                          billing_stripe_taxrate                          unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Topup                            billing_stripe_topup                            unknown  full_refresh, append, webhook  created (integer)   -            webhook            -
      Transfer                         billing_stripe_transfer                         unknown  full_refresh, append, webhook  created (integer)   -            webhook            -

      Problems:
        Charge: The provided key 'rk_test_********************5151' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_charge_read' permission would allow this request to continue.
        Invoice: The provided key 'rk_test_********************5151' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_invoice_read' permission would allow this request to continue.

      Why these recommendations (docs/recommendations.md):
        ApplicationFee, BalanceTransaction, BillingCreditBalanceTransaction, BillingCreditGrant, BillingMeter, Charge, CheckoutSession, Coupon, CreditNote, Customer, CustomerPaymentMethod, Dispute, EarlyFraudWarning, Invoice, InvoiceItem, InvoicePayment, PaymentIntent, PaymentLink, Payout, Plan, Price, Product, PromotionCode, Quote, Refund, Review, SetupIntent, Subscription, SubscriptionSchedule, TaxId, TaxRate, Topup, Transfer: it offers webhooks: changes arrive as they happen, updates included (a periodic full sync backs them up)
        BillingCreditBalanceSummary, CustomerBalanceTransaction, EntitlementsActiveEntitlement, EntitlementsFeature, SetupAttempt, ShippingRate, SubscriptionItem: nothing tracks changes: only a full refresh does not lose updates; keep the frequency low
        Discount: PostHog can sync this table only by webhook
        Event: append-only by its name (event), so new rows are all there is to import; created orders rows by arrival

      Rows unknown for 42 tables: PostHog does not count rows for Stripe sources.

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
      "Added orders (shop_postgres_orders): sync xmin (updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update). It imports every row inserted or updated since the last sync (deletions are not seen).
      Added users (shop_postgres_users): sync xmin (updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update). It imports every row inserted or updated since the last sync (deletions are not seen).
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
            orders: { sync: xmin }
            users: { sync: xmin }
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
    // The added tables draw nothing; the hand-written full refresh of countries (rows unknown) draws the xmin hint.
    expect(JSON.parse(plan.stdout).diagnostics.map((d: { code: string; path: string }) => `${d.code} ${d.path}`)).toEqual(['recommended-sync /sources/shop_db/tables/countries/sync']);
  });

  it('accepts a bare name for the one schema-qualified table it names, and the names it suggests itself', async () => {
    await world.write(YAML.replace('      schema: public\n', ''));
    const listed = await dwctl('discover', 'shop_db');
    expect(listed.out).toMatch(/^public\.orders +shop_postgres_public__orders +unknown/m);
    const suggestion = /--add (\S+) (\S+)\n/.exec(listed.out)!;
    expect([suggestion[1], suggestion[2]]).toEqual(['public.audit_log', 'public.countries']);
    const r = await dwctl('discover', 'shop_db', '--add', 'orders', suggestion[1]!);
    expect(r.exitCode).toBe(0);
    expect(r.err).toMatch(/^Added public\.orders \(shop_postgres_public__orders\): sync xmin /m);
    expect(r.err).toMatch(/^Added public\.audit_log \(shop_postgres_public__audit_log\): sync xmin /m);
    const written = await world.read('warehouse.yaml');
    expect(written).toContain('      public.orders: { sync: xmin }\n');
    expect(written).toContain('      public.audit_log: { sync: xmin }\n');
  });

  it('refuses a bare name that two schemas share, naming both', async () => {
    await world.write(YAML.replace('      schema: public\n', ''));
    await world.database.query('CREATE SCHEMA archive; CREATE TABLE archive.orders (id int PRIMARY KEY)');
    try {
      const r = await dwctl('discover', 'shop_db', '--add', 'orders');
      expect(r.exitCode).toBe(1);
      expect(r.err).toBe('error: PostHog found no table "orders" in shop_db. It is ambiguous: archive.orders, public.orders.\n');
      expect(await world.read('warehouse.yaml')).not.toContain('orders:');
    } finally {
      await world.database.query('DROP SCHEMA archive CASCADE');
    }
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

describe('discover NAME --count-rows', () => {
  it('estimates rows from the database, labels them, and applies the small-table rule', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'shop_db', '--count-rows');
    expect(r.exitCode).toBe(0);
    expect(r.err).toBe('');
    const rows = Object.fromEntries(r.out.split('\n').filter((l) => l.includes(' shop_postgres_')).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)[2]]));
    // The seed never ran ANALYZE, so these are the counting fallback; order_totals is a view (no statistics).
    expect(rows).toEqual({ audit_log: '~24', countries: '~8', events: '~60', order_totals: 'unknown', orders: '~40', users: '~30' });
    expect(r.out).toContain("~ rows are estimates from the database's own statistics (--count-rows), not PostHog's count.");
    expect(r.out).toContain('Row estimates:\n  order_totals: rows not counted (a view has no row statistics)\n');
    expect(r.out).toContain('countries: about 8 rows (estimate): a full refresh is cheap and imports everything, deletions included');
    // Discovery only reads PostHog; the estimate reads the database itself.
    expect(world.emulator.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['POST /api/projects/1/external_data_sources/database_schema/']);
  });

  it('reports estimates in JSON with rows_estimated, and uses the planner statistics once analysed', async () => {
    await world.write(YAML);
    await world.database.query('ANALYZE events');
    const r = await dwctl('discover', 'shop_db', '--count-rows', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.out) as { tables: { table: string; rows: number | null; rows_estimated: boolean; recommended: { rule: string } }[]; row_estimate_warnings: string[] };
    expect(doc.tables.find((t) => t.table === 'events')).toMatchObject({ rows: 60, rows_estimated: true, recommended: { rule: 'append-only' } });
    expect(doc.tables.find((t) => t.table === 'countries')).toMatchObject({ rows: 8, rows_estimated: true, recommended: { rule: 'small-table' } });
    expect(doc.tables.find((t) => t.table === 'order_totals')).toMatchObject({ rows: null, rows_estimated: false });
    expect(doc.row_estimate_warnings).toEqual(['order_totals: rows not counted (a view has no row statistics)']);
  });

  it('a source type without an estimator says so and still lists its tables', async () => {
    await world.write(YAML);
    const r = await dwctl('discover', 'billing', '--count-rows');
    expect(r.exitCode).toBe(0);
    expect(r.out).toContain('Row estimates:\n  rows not counted: --count-rows estimates rows for Postgres sources only, not Stripe\n');
    expect(r.out).toContain('Rows unknown for 42 tables: PostHog does not count rows for Stripe sources.');
  });
});
