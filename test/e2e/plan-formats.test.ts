/**
 * `plan --format markdown` (pull-request comment) and `--format github` (annotations at YAML positions,
 * then the text plan), end to end.
 */
import { describe, expect, it } from 'vitest';
import { useWorld, runChecked, SHOP_CONFIG } from '../helpers/world.js';
import { planRenderers, MARKDOWN_LIMIT } from '../../src/render/plan.js';
import type { Change, Plan } from '../../src/plan/types.js';
import { BILLING_STRIPE_FLOW } from '../helpers/yaml-fixtures.js';

const world = useWorld();

const dwctl = (...argv: string[]) => runChecked(world, argv);

const YAML = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
${SHOP_CONFIG}    tables:
      orders: { sync: incremental, incremental_field: updated_at }
      "50%,off: <b>|": { sync: full_refresh }
      events: { sync: full_refresh, sync_frequency: 1hour }
  billing:
${BILLING_STRIPE_FLOW}    tables:
      Customer: { sync: webhook }
`;

describe('markdown', () => {
  it('a summary table first, errors and warnings, then collapsible details per source', async () => {
    await world.write(YAML);
    const r = await dwctl('plan', '--format', 'markdown');
    expect(r.exitCode).toBe(1);
    expect(r.out).toMatchInlineSnapshot(`
      "### dwctl plan: 6 to create, 0 to update, 0 to delete

      > [!CAUTION]
      > Plan blocked by 1 error: apply would not run.

      | Source | Create | Update | Delete | Unchanged | Rows/month (known) |
      | --- | ---: | ---: | ---: | ---: | ---: |
      | \`billing\` | 3 | 0 | 0 | 0 | 0 |
      | \`shop_db\` | 3 | 0 | 0 | 0 | 0 |

      <details><summary>Rows per month. Total: no estimate yet; 3 tables not estimated.</summary>

      | Table | Sync | Now | After apply |
      | --- | --- | ---: | --- |
      | \`billing_stripe_customer\` | \`webhook 24hour\` | 0 | not estimated: rows arrive by webhook as Stripe sends them |
      | \`shop_postgres_events\` | \`full_refresh 1hour\` | 0 | not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them) |
      | \`shop_postgres_orders\` | \`incremental 24hour\` | 0 | not estimated: billed by the rows incremental imports; needs a day of sync history |
      </details>

      **1 error, 2 warnings**

      - ❌ \`table-not-found\` PostHog found no table "50%,off: \\<b\\>\\|" in shop_db. Run \\\`dwctl discover shop_db\\\` to list the 6 tables it found. (warehouse.yaml:15:7)
      - ⚠️ \`incremental-field-nullable\` "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported. (warehouse.yaml:14:55)
      - ⚠️ \`costly-sync\` "events" is fully re-imported every 1hour (720 times a month, rows unknown); append on id would import only new rows (id above the last value seen); a changed row is never imported again. (warehouse.yaml:16:53)

      <details><summary><code>billing</code>: 3 changes</summary>

      \`\`\`diff
      + create source
      +     source_type = "Stripe"
      +     prefix = "billing_"
      +     config.auth_method.selection = "api_key"
      +     config.auth_method.stripe_secret_key = "(sensitive)"
      +     tables_off = 41 items: "ApplicationFee", "BalanceTransaction", "BillingCreditBalanceSummary", "BillingCreditBalanceTransaction", "BillingCreditGrant", …
      + create table Customer → billing_stripe_customer
      +     should_sync = true
      +     sync_type = "webhook"
      +     sync_frequency = "24hour"
      + create webhook
      +     tables = ["Customer"]
      \`\`\`
      </details>

      <details><summary><code>shop_db</code>: 3 changes</summary>

      \`\`\`diff
      + create source
      +     source_type = "Postgres"
      +     prefix = "shop_"
      +     config.host = "<db-host>"
      +     config.port = <db-port>
      +     config.database = "postgres"
      +     config.user = "postgres"
      +     config.password = "(sensitive)"
      +     config.schema = "public"
      +     tables_off = ["audit_log","countries","order_totals","users"]
      + create table events → shop_postgres_events
      +     should_sync = true
      +     sync_type = "full_refresh"
      +     sync_frequency = "1hour"
      + create table orders → shop_postgres_orders
      +     should_sync = true
      +     sync_type = "incremental"
      +     incremental_field = "updated_at"
      +     incremental_field_type = "timestamp"
      +     primary_key_columns = ["id"]
      +     sync_frequency = "24hour"
      \`\`\`
      </details>

      <sub>dwctl 0.1.0 · project 1 · fingerprint <hash12></sub>
      "
    `);
  });
});

describe('github', () => {
  it('annotations at the YAML positions, escaped, then the text plan', async () => {
    await world.write(YAML);
    const r = await dwctl('plan', '--format', 'github');
    expect(r.exitCode).toBe(1);
    expect(r.out).toMatchInlineSnapshot(`
      "::warning file=warehouse.yaml,line=14,endLine=14,col=55,endColumn=65,title=dwctl incremental-field-nullable::"orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
      ::error file=warehouse.yaml,line=15,endLine=15,col=7,endColumn=22,title=dwctl table-not-found::PostHog found no table "50%25,off: <b>|" in shop_db. Run \`dwctl discover shop_db\` to list the 6 tables it found.
      ::warning file=warehouse.yaml,line=16,endLine=16,col=53,endColumn=58,title=dwctl costly-sync::"events" is fully re-imported every 1hour (720 times a month, rows unknown); append on id would import only new rows (id above the last value seen); a changed row is never imported again.
      ::notice file=warehouse.yaml,line=17,endLine=17,col=3,endColumn=10,title=dwctl plan%3A create source::source.billing: create. no Stripe source with prefix "billing_" exists in project 1
      ::notice file=warehouse.yaml,line=23,endLine=23,col=7,endColumn=15,title=dwctl plan%3A create table::source.billing.table.Customer: create (billing_stripe_customer). declared in the file; created with the source
      ::notice file=warehouse.yaml,line=22,endLine=22,col=5,endColumn=11,title=dwctl plan%3A create webhook::source.billing.webhook: create. tables sync by webhook: register the webhook with the source, then verify it
      ::notice file=warehouse.yaml,line=3,endLine=3,col=3,endColumn=10,title=dwctl plan%3A create source::source.shop_db: create. no Postgres source with prefix "shop_" exists in project 1
      ::notice file=warehouse.yaml,line=16,endLine=16,col=7,endColumn=13,title=dwctl plan%3A create table::source.shop_db.table.events: create (shop_postgres_events). declared in the file; created with the source
      ::notice file=warehouse.yaml,line=14,endLine=14,col=7,endColumn=13,title=dwctl plan%3A create table::source.shop_db.table.orders: create (shop_postgres_orders). declared in the file; created with the source
      source billing (Stripe)
        + create source  # no Stripe source with prefix "billing_" exists in project 1
            + source_type = "Stripe"
            + prefix = "billing_"
            + config.auth_method.selection = "api_key"
            + config.auth_method.stripe_secret_key = "(sensitive)"
            + tables_off = 41 items: "ApplicationFee", "BalanceTransaction", "BillingCreditBalanceSummary", "BillingCreditBalanceTransaction", "BillingCreditGrant", …
        + create table Customer → billing_stripe_customer  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "webhook"
            + sync_frequency = "24hour"
        + create webhook  # tables sync by webhook: register the webhook with the source, then verify it
            + tables = ["Customer"]

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
            + tables_off = ["audit_log","countries","order_totals","users"]
        + create table events → shop_postgres_events  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "1hour"
        + create table orders → shop_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "updated_at"
            + incremental_field_type = "timestamp"
            + primary_key_columns = ["id"]
            + sync_frequency = "24hour"

      Warnings and notes:
        warehouse.yaml:14:55 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:16:53 warning costly-sync "events" is fully re-imported every 1hour (720 times a month, rows unknown); append on id would import only new rows (id above the last value seen); a changed row is never imported again.

      Rows per month (PostHog bills the rows it syncs):
        billing_stripe_customer  not estimated: rows arrive by webhook as Stripe sends them
        shop_postgres_events     not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
      Total: no estimate yet; 3 tables not estimated.

      Plan blocked by 1 error:
        warehouse.yaml:15:7 error table-not-found PostHog found no table "50%,off: <b>|" in shop_db. Run \`dwctl discover shop_db\` to list the 6 tables it found.

      Plan: 6 to create, 0 to update, 0 to delete.
      "
    `);
    const text = await dwctl('plan');
    const annotations = r.out.split('\n').filter((l) => l.startsWith('::'));
    expect(r.out).toBe(`${annotations.join('\n')}\n${text.out}`);
  });
});

describe('markdown renderer limit', () => {
  it('never exceeds 60,000 characters, even when a single source is bigger than that', () => {
    const change = (source: string, i: number): Change => ({
      address: `source.${source}.table.t${i}`,
      target: { source, kind: 'table', table: `t${i}` },
      requests: [],
      kind: 'table',
      action: 'create',
      remote_id: null,
      source,
      warehouse_table: `${source}_postgres_t${i}`,
      before: null,
      after: { should_sync: true, sync_type: 'incremental', incremental_field: 'updated_at', sync_frequency: '1hour' },
      reason: 'declared in the file; created with the source',
      path: `/sources/${source}/tables/t${i}`,
      position: null,
    });
    const sources = Array.from({ length: 40 }, (_, s) => `source_with_a_rather_long_name_${s}`);
    const changes = sources.flatMap((s) => Array.from({ length: 2000 }, (_, i) => change(s, i)));
    const diagnostics = sources.flatMap((s) =>
      Array.from({ length: 50 }, (_, i) => ({
        code: 'costly-sync' as const,
        severity: 'warning' as const,
        message: `"t${i}" of ${s} is fully re-imported every 5min (8640 times a month, rows unknown); append on id would import only new or changed rows.`,
        file: 'warehouse.yaml',
        line: i + 1,
        column: 7,
        end_line: i + 1,
        end_column: 9,
        path: `/sources/${s}/tables/t${i}/sync`,
      })),
    );
    const plan: Plan = {
      format_version: 1,
      applyable: true,
      summary: { create: changes.length, update: 0, delete: 0, no_op: 0 },
      changes,
      diagnostics,
      dwctl_version: '0.1.0',
      file: { path: 'warehouse.yaml', sha256: 'x'.repeat(64) },
      remote: { host: 'https://us.posthog.com', project_id: '1', fingerprint: 'f'.repeat(64) },
      options: { prune: false, sources: null },
      cost: { tables: [], known_rows_per_month: 0, unestimated_tables: 0, current_known_rows_per_month: 0, includes_estimates: false, max_rows_per_month: null, over_budget: false },
      blocked: [],
      digest: 'd'.repeat(64),
    };
    const markdown = planRenderers.markdown(plan, { color: false });
    expect(markdown.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(markdown.startsWith('### dwctl plan: 80000 to create, 0 to update, 0 to delete\n')).toBe(true);
    expect(markdown).toContain('| `source_with_a_rather_long_name_39` | 2000 | 0 | 0 | 0 | 0 |');
    expect(markdown).toMatch(/\n- _…and \d+ more: see the full plan in the job log \(`dwctl show`\)\._\n/);
    expect(markdown).toContain("40 sources omitted to stay within GitHub's comment limit");

    // So many sources that even the summary table must be cut short.
    const many = Array.from({ length: 5000 }, (_, s) => `s${s}`);
    const wide: Plan = { ...plan, changes: many.map((s) => change(s, 0)), diagnostics: [], summary: { create: 5000, update: 0, delete: 0, no_op: 0 } };
    const cut = planRenderers.markdown(wide, { color: false });
    expect(cut.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(cut).toMatch(/\n\| _\d+ more sources_ \| \| \| \| \| \|\n/);
  });
});
