/**
 * `dwctl plan` end to end: the CLI in-process, the PostHog emulator and PGlite over real sockets.
 * Whole normalised outputs are compared against the expected text kept here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHOP_SOURCE, yaml } from './apply-helpers.js';
import { leakedSecrets, useWorld, runChecked, SHOP_CONFIG } from '../helpers/world.js';
import { BILLING_STRIPE } from '../helpers/yaml-fixtures.js';

const world = useWorld();

const dwctl = (...argv: string[]) => runChecked(world, argv);

const SHOP_YAML = yaml(SHOP_SOURCE);

const STRIPE_YAML = `version: 1
sources:
  billing:
${BILLING_STRIPE}    tables:
      Customer: { sync: webhook }
      Charge: { sync: append, incremental_field: created }
    webhook:
      signing_secret: \${STRIPE_WEBHOOK_SECRET}
`;

describe('a new Postgres source', () => {
  it('plans the source and its declared tables (text)', async () => {
    await world.write(SHOP_YAML);
    const r = await dwctl('plan');
    expect(r.exitCode).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        + create source  # no Postgres source with prefix "shop_" exists in project 1
            + source_type = "Postgres"
            + prefix = "shop_"
            + description = "Shop database"
            + config.host = "<db-host>"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.password = "(sensitive)"
            + config.schema = "public"
            + tables_off = ["audit_log","events","order_totals"]
        + create table countries → shop_postgres_countries  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "7day"
        + create table orders → shop_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "updated_at"
            + incremental_field_type = "timestamp"
            + primary_key_columns = ["id"]
            + sync_frequency = "1hour"
        + create table users → shop_postgres_users  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "24hour"

      Warnings and notes:
        warehouse.yaml:17:28 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:20:15 info recommended-sync "users": consider sync: xmin (updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update).
        warehouse.yaml:22:15 info recommended-sync "countries": consider sync: xmin (no field tracks updates: xmin (Postgres row versions) catches every insert and update).

      Rows per month (PostHog bills the rows it syncs):
        shop_postgres_countries  not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
        shop_postgres_users      not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
      Total: no estimate yet; 3 tables not estimated.

      Plan: 4 to create, 0 to update, 0 to delete.
      "
    `);
  });

  it('plans the same in JSON, byte for byte the document --out writes', async () => {
    await world.write(SHOP_YAML);
    const r = await dwctl('plan', '--format', 'json', '--out', 'plan.json');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(r.planText);
    expect(r.out).toMatchInlineSnapshot(`
      "{
        "format_version": 1,
        "applyable": true,
        "summary": {
          "create": 4,
          "update": 0,
          "delete": 0,
          "no_op": 0
        },
        "changes": [
          {
            "address": "source.shop_db",
            "kind": "source",
            "source_type": "Postgres",
            "action": "create",
            "remote_id": null,
            "source": "shop_db",
            "before": null,
            "after": {
              "source_type": "Postgres",
              "prefix": "shop_",
              "description": "Shop database",
              "config": {
                "host": "<db-host>",
                "port": "<db-port>",
                "database": "postgres",
                "user": "postgres",
                "password": "(sensitive)",
                "schema": "public"
              },
              "tables_off": [
                "audit_log",
                "events",
                "order_totals"
              ]
            },
            "reason": "no Postgres source with prefix \\"shop_\\" exists in project 1",
            "path": "/sources/shop_db",
            "position": {
              "line": 3,
              "column": 3,
              "end_line": 3,
              "end_column": 10
            },
            "target": {
              "source": "shop_db",
              "kind": "source"
            },
            "requests": [
              {
                "op": "create_source",
                "method": "POST",
                "path": "external_data_sources/",
                "body": {
                  "source_type": "Postgres",
                  "prefix": "shop_",
                  "description": "Shop database",
                  "payload": {
                    "host": "<db-host>",
                    "port": "<db-port>",
                    "database": "postgres",
                    "user": "postgres",
                    "password": {
                      "$secret": "config.password"
                    },
                    "schema": "public",
                    "schemas": [
                      {
                        "name": "countries",
                        "should_sync": true,
                        "sync_type": "full_refresh",
                        "sync_time_of_day": null
                      },
                      {
                        "name": "orders",
                        "should_sync": true,
                        "sync_type": "incremental",
                        "incremental_field": "updated_at",
                        "incremental_field_type": "timestamp",
                        "primary_key_columns": [
                          "id"
                        ],
                        "sync_time_of_day": null
                      },
                      {
                        "name": "users",
                        "should_sync": true,
                        "sync_type": "full_refresh",
                        "sync_time_of_day": null
                      },
                      {
                        "name": "audit_log",
                        "should_sync": false
                      },
                      {
                        "name": "events",
                        "should_sync": false
                      },
                      {
                        "name": "order_totals",
                        "should_sync": false
                      }
                    ]
                  }
                },
                "phase": 0
              }
            ]
          },
          {
            "address": "source.shop_db.table.countries",
            "kind": "table",
            "action": "create",
            "remote_id": null,
            "source": "shop_db",
            "warehouse_table": "shop_postgres_countries",
            "before": null,
            "after": {
              "should_sync": true,
              "sync_type": "full_refresh",
              "incremental_field": null,
              "incremental_field_type": null,
              "primary_key_columns": null,
              "sync_frequency": "7day",
              "sync_time_of_day": null
            },
            "reason": "declared in the file; created with the source",
            "path": "/sources/shop_db/tables/countries",
            "position": {
              "line": 21,
              "column": 7,
              "end_line": 21,
              "end_column": 16
            },
            "target": {
              "source": "shop_db",
              "kind": "table",
              "table": "countries"
            },
            "requests": [
              {
                "op": "update_schema",
                "method": "PATCH",
                "path": "external_data_schemas/{schema_id}/",
                "body": {
                  "sync_frequency": "7day"
                },
                "phase": 4,
                "schema_of": "countries"
              }
            ]
          },
          {
            "address": "source.shop_db.table.orders",
            "kind": "table",
            "action": "create",
            "remote_id": null,
            "source": "shop_db",
            "warehouse_table": "shop_postgres_orders",
            "before": null,
            "after": {
              "should_sync": true,
              "sync_type": "incremental",
              "incremental_field": "updated_at",
              "incremental_field_type": "timestamp",
              "primary_key_columns": [
                "id"
              ],
              "sync_frequency": "1hour",
              "sync_time_of_day": null
            },
            "reason": "declared in the file; created with the source",
            "path": "/sources/shop_db/tables/orders",
            "position": {
              "line": 15,
              "column": 7,
              "end_line": 15,
              "end_column": 13
            },
            "target": {
              "source": "shop_db",
              "kind": "table",
              "table": "orders"
            },
            "requests": [
              {
                "op": "update_schema",
                "method": "PATCH",
                "path": "external_data_schemas/{schema_id}/",
                "body": {
                  "sync_frequency": "1hour"
                },
                "phase": 4,
                "schema_of": "orders"
              }
            ]
          },
          {
            "address": "source.shop_db.table.users",
            "kind": "table",
            "action": "create",
            "remote_id": null,
            "source": "shop_db",
            "warehouse_table": "shop_postgres_users",
            "before": null,
            "after": {
              "should_sync": true,
              "sync_type": "full_refresh",
              "incremental_field": null,
              "incremental_field_type": null,
              "primary_key_columns": null,
              "sync_frequency": "24hour",
              "sync_time_of_day": null
            },
            "reason": "declared in the file; created with the source",
            "path": "/sources/shop_db/tables/users",
            "position": {
              "line": 19,
              "column": 7,
              "end_line": 19,
              "end_column": 12
            },
            "target": {
              "source": "shop_db",
              "kind": "table",
              "table": "users"
            },
            "requests": [
              {
                "op": "update_schema",
                "method": "PATCH",
                "path": "external_data_schemas/{schema_id}/",
                "body": {
                  "sync_frequency": "24hour"
                },
                "phase": 4,
                "schema_of": "users"
              }
            ]
          }
        ],
        "diagnostics": [
          {
            "code": "incremental-field-nullable",
            "severity": "warning",
            "message": "\\"orders\\" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.",
            "file": "warehouse.yaml",
            "line": 17,
            "column": 28,
            "end_line": 17,
            "end_column": 38,
            "path": "/sources/shop_db/tables/orders/incremental_field"
          },
          {
            "code": "recommended-sync",
            "severity": "info",
            "message": "\\"users\\": consider sync: xmin (updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update).",
            "file": "warehouse.yaml",
            "line": 20,
            "column": 15,
            "end_line": 20,
            "end_column": 27,
            "path": "/sources/shop_db/tables/users/sync"
          },
          {
            "code": "recommended-sync",
            "severity": "info",
            "message": "\\"countries\\": consider sync: xmin (no field tracks updates: xmin (Postgres row versions) catches every insert and update).",
            "file": "warehouse.yaml",
            "line": 22,
            "column": 15,
            "end_line": 22,
            "end_column": 27,
            "path": "/sources/shop_db/tables/countries/sync"
          }
        ],
        "dwctl_version": "0.1.0",
        "file": {
          "path": "warehouse.yaml",
          "sha256": "<sha256>"
        },
        "remote": {
          "host": "http://EMULATOR",
          "project_id": "1",
          "fingerprint": "<sha256>"
        },
        "options": {
          "prune": false,
          "sources": null
        },
        "cost": {
          "tables": [
            {
              "address": "source.shop_db.table.countries",
              "warehouse_table": "shop_postgres_countries",
              "source_type": "Postgres",
              "sync_type": "full_refresh",
              "sync_frequency": "7day",
              "rows": null,
              "rows_origin": null,
              "syncs_per_month": 4,
              "rows_per_month": null,
              "rows_per_month_basis": null,
              "current_rows_per_month": 0,
              "observed_rows_per_month": null,
              "unestimated_reason": "rows-unknown"
            },
            {
              "address": "source.shop_db.table.orders",
              "warehouse_table": "shop_postgres_orders",
              "source_type": "Postgres",
              "sync_type": "incremental",
              "sync_frequency": "1hour",
              "rows": null,
              "rows_origin": null,
              "syncs_per_month": 720,
              "rows_per_month": null,
              "rows_per_month_basis": null,
              "current_rows_per_month": 0,
              "observed_rows_per_month": null,
              "unestimated_reason": "no-history"
            },
            {
              "address": "source.shop_db.table.users",
              "warehouse_table": "shop_postgres_users",
              "source_type": "Postgres",
              "sync_type": "full_refresh",
              "sync_frequency": "24hour",
              "rows": null,
              "rows_origin": null,
              "syncs_per_month": 30,
              "rows_per_month": null,
              "rows_per_month_basis": null,
              "current_rows_per_month": 0,
              "observed_rows_per_month": null,
              "unestimated_reason": "rows-unknown"
            }
          ],
          "known_rows_per_month": 0,
          "unestimated_tables": 3,
          "current_known_rows_per_month": 0,
          "includes_estimates": false,
          "max_rows_per_month": null,
          "over_budget": false
        },
        "blocked": [],
        "digest": "<sha256>"
      }
      "
    `);
  });
});

describe('a new Stripe source with webhook tables', () => {
  it('plans the source, its tables and the webhook (text)', async () => {
    await world.write(STRIPE_YAML);
    const r = await dwctl('plan');
    expect(r.exitCode).toBe(0);
    expect(r.out).toMatchInlineSnapshot(`
      "source billing (Stripe)
        + create source  # no Stripe source with prefix "billing_" exists in project 1
            + source_type = "Stripe"
            + prefix = "billing_"
            + config.auth_method.selection = "api_key"
            + config.auth_method.stripe_secret_key = "(sensitive)"
            + tables_off = 40 items: "ApplicationFee", "BalanceTransaction", "BillingCreditBalanceSummary", "BillingCreditBalanceTransaction", "BillingCreditGrant", …
        + create table Charge → billing_stripe_charge  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "append"
            + incremental_field = "created"
            + incremental_field_type = "integer"
            + sync_frequency = "24hour"
        + create table Customer → billing_stripe_customer  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "webhook"
            + sync_frequency = "24hour"
        + create webhook  # tables sync by webhook: register the webhook with the source, then verify it
            + tables = ["Customer"]
            + signing_secret = "(sensitive)"

      Rows per month (PostHog bills the rows it syncs):
        billing_stripe_charge    not estimated: billed by the rows append imports; no sync history yet (the first sync imports the whole table once)
        billing_stripe_customer  not estimated: rows arrive by webhook as Stripe sends them
      Total: no estimate yet; 2 tables not estimated.

      Plan: 4 to create, 0 to update, 0 to delete.
      "
    `);
  });

  it('plans the same in JSON', async () => {
    await world.write(STRIPE_YAML);
    const r = await dwctl('plan', '--format', 'json', '--out', 'plan.json');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(r.planText);
    const plan = JSON.parse(r.stdout) as { changes: { address: string; action: string; after: unknown }[] };
    expect(plan.changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      'create source.billing',
      'create source.billing.table.Charge',
      'create source.billing.table.Customer',
      'create source.billing.webhook',
    ]);
    expect(plan.changes[3]!.after).toEqual({ tables: ['Customer'], signing_secret: '(sensitive)' });
    expect(r.out).toMatchInlineSnapshot(`
      "{
        "format_version": 1,
        "applyable": true,
        "summary": {
          "create": 4,
          "update": 0,
          "delete": 0,
          "no_op": 0
        },
        "changes": [
          {
            "address": "source.billing",
            "kind": "source",
            "source_type": "Stripe",
            "action": "create",
            "remote_id": null,
            "source": "billing",
            "before": null,
            "after": {
              "source_type": "Stripe",
              "prefix": "billing_",
              "description": null,
              "config": {
                "auth_method": {
                  "selection": "api_key",
                  "stripe_secret_key": "(sensitive)"
                }
              },
              "tables_off": [
                "ApplicationFee",
                "BalanceTransaction",
                "BillingCreditBalanceSummary",
                "BillingCreditBalanceTransaction",
                "BillingCreditGrant",
                "BillingMeter",
                "CheckoutSession",
                "Coupon",
                "CreditNote",
                "CustomerBalanceTransaction",
                "CustomerPaymentMethod",
                "Discount",
                "Dispute",
                "EarlyFraudWarning",
                "EntitlementsActiveEntitlement",
                "EntitlementsFeature",
                "Event",
                "Invoice",
                "InvoiceItem",
                "InvoicePayment",
                "PaymentIntent",
                "PaymentLink",
                "Payout",
                "Plan",
                "Price",
                "Product",
                "PromotionCode",
                "Quote",
                "Refund",
                "Review",
                "SetupAttempt",
                "SetupIntent",
                "ShippingRate",
                "Subscription",
                "SubscriptionItem",
                "SubscriptionSchedule",
                "TaxId",
                "TaxRate",
                "Topup",
                "Transfer"
              ]
            },
            "reason": "no Stripe source with prefix \\"billing_\\" exists in project 1",
            "path": "/sources/billing",
            "position": {
              "line": 3,
              "column": 3,
              "end_line": 3,
              "end_column": 10
            },
            "target": {
              "source": "billing",
              "kind": "source"
            },
            "requests": [
              {
                "op": "create_source",
                "method": "POST",
                "path": "external_data_sources/",
                "body": {
                  "source_type": "Stripe",
                  "prefix": "billing_",
                  "description": null,
                  "payload": {
                    "auth_method": {
                      "selection": "api_key",
                      "stripe_secret_key": {
                        "$secret": "config.auth_method.stripe_secret_key"
                      }
                    },
                    "schemas": [
                      {
                        "name": "Charge",
                        "should_sync": true,
                        "sync_type": "append",
                        "incremental_field": "created",
                        "incremental_field_type": "integer",
                        "sync_time_of_day": null
                      },
                      {
                        "name": "Customer",
                        "should_sync": true,
                        "sync_type": "webhook",
                        "sync_time_of_day": null
                      },
                      {
                        "name": "ApplicationFee",
                        "should_sync": false
                      },
                      {
                        "name": "BalanceTransaction",
                        "should_sync": false
                      },
                      {
                        "name": "BillingCreditBalanceSummary",
                        "should_sync": false
                      },
                      {
                        "name": "BillingCreditBalanceTransaction",
                        "should_sync": false
                      },
                      {
                        "name": "BillingCreditGrant",
                        "should_sync": false
                      },
                      {
                        "name": "BillingMeter",
                        "should_sync": false
                      },
                      {
                        "name": "CheckoutSession",
                        "should_sync": false
                      },
                      {
                        "name": "Coupon",
                        "should_sync": false
                      },
                      {
                        "name": "CreditNote",
                        "should_sync": false
                      },
                      {
                        "name": "CustomerBalanceTransaction",
                        "should_sync": false
                      },
                      {
                        "name": "CustomerPaymentMethod",
                        "should_sync": false
                      },
                      {
                        "name": "Discount",
                        "should_sync": false
                      },
                      {
                        "name": "Dispute",
                        "should_sync": false
                      },
                      {
                        "name": "EarlyFraudWarning",
                        "should_sync": false
                      },
                      {
                        "name": "EntitlementsActiveEntitlement",
                        "should_sync": false
                      },
                      {
                        "name": "EntitlementsFeature",
                        "should_sync": false
                      },
                      {
                        "name": "Event",
                        "should_sync": false
                      },
                      {
                        "name": "Invoice",
                        "should_sync": false
                      },
                      {
                        "name": "InvoiceItem",
                        "should_sync": false
                      },
                      {
                        "name": "InvoicePayment",
                        "should_sync": false
                      },
                      {
                        "name": "PaymentIntent",
                        "should_sync": false
                      },
                      {
                        "name": "PaymentLink",
                        "should_sync": false
                      },
                      {
                        "name": "Payout",
                        "should_sync": false
                      },
                      {
                        "name": "Plan",
                        "should_sync": false
                      },
                      {
                        "name": "Price",
                        "should_sync": false
                      },
                      {
                        "name": "Product",
                        "should_sync": false
                      },
                      {
                        "name": "PromotionCode",
                        "should_sync": false
                      },
                      {
                        "name": "Quote",
                        "should_sync": false
                      },
                      {
                        "name": "Refund",
                        "should_sync": false
                      },
                      {
                        "name": "Review",
                        "should_sync": false
                      },
                      {
                        "name": "SetupAttempt",
                        "should_sync": false
                      },
                      {
                        "name": "SetupIntent",
                        "should_sync": false
                      },
                      {
                        "name": "ShippingRate",
                        "should_sync": false
                      },
                      {
                        "name": "Subscription",
                        "should_sync": false
                      },
                      {
                        "name": "SubscriptionItem",
                        "should_sync": false
                      },
                      {
                        "name": "SubscriptionSchedule",
                        "should_sync": false
                      },
                      {
                        "name": "TaxId",
                        "should_sync": false
                      },
                      {
                        "name": "TaxRate",
                        "should_sync": false
                      },
                      {
                        "name": "Topup",
                        "should_sync": false
                      },
                      {
                        "name": "Transfer",
                        "should_sync": false
                      }
                    ]
                  }
                },
                "phase": 0
              }
            ]
          },
          {
            "address": "source.billing.table.Charge",
            "kind": "table",
            "action": "create",
            "remote_id": null,
            "source": "billing",
            "warehouse_table": "billing_stripe_charge",
            "before": null,
            "after": {
              "should_sync": true,
              "sync_type": "append",
              "incremental_field": "created",
              "incremental_field_type": "integer",
              "primary_key_columns": null,
              "sync_frequency": "24hour",
              "sync_time_of_day": null
            },
            "reason": "declared in the file; created with the source",
            "path": "/sources/billing/tables/Charge",
            "position": {
              "line": 12,
              "column": 7,
              "end_line": 12,
              "end_column": 13
            },
            "target": {
              "source": "billing",
              "kind": "table",
              "table": "Charge"
            },
            "requests": [
              {
                "op": "update_schema",
                "method": "PATCH",
                "path": "external_data_schemas/{schema_id}/",
                "body": {
                  "sync_frequency": "24hour"
                },
                "phase": 4,
                "schema_of": "Charge"
              }
            ]
          },
          {
            "address": "source.billing.table.Customer",
            "kind": "table",
            "action": "create",
            "remote_id": null,
            "source": "billing",
            "warehouse_table": "billing_stripe_customer",
            "before": null,
            "after": {
              "should_sync": true,
              "sync_type": "webhook",
              "incremental_field": null,
              "incremental_field_type": null,
              "primary_key_columns": null,
              "sync_frequency": "24hour",
              "sync_time_of_day": null
            },
            "reason": "declared in the file; created with the source",
            "path": "/sources/billing/tables/Customer",
            "position": {
              "line": 11,
              "column": 7,
              "end_line": 11,
              "end_column": 15
            },
            "target": {
              "source": "billing",
              "kind": "table",
              "table": "Customer"
            },
            "requests": [
              {
                "op": "update_schema",
                "method": "PATCH",
                "path": "external_data_schemas/{schema_id}/",
                "body": {
                  "sync_frequency": "24hour"
                },
                "phase": 4,
                "schema_of": "Customer"
              }
            ]
          },
          {
            "address": "source.billing.webhook",
            "kind": "webhook",
            "action": "create",
            "remote_id": null,
            "source": "billing",
            "before": null,
            "after": {
              "tables": [
                "Customer"
              ],
              "signing_secret": "(sensitive)"
            },
            "reason": "tables sync by webhook: register the webhook with the source, then verify it",
            "path": "/sources/billing/tables",
            "position": {
              "line": 10,
              "column": 5,
              "end_line": 10,
              "end_column": 11
            },
            "target": {
              "source": "billing",
              "kind": "webhook"
            },
            "requests": [
              {
                "op": "create_webhook",
                "method": "POST",
                "path": "external_data_sources/{source_id}/create_webhook/",
                "body": {},
                "phase": 5
              },
              {
                "op": "update_webhook_inputs",
                "method": "POST",
                "path": "external_data_sources/{source_id}/update_webhook_inputs/",
                "body": {
                  "inputs": {
                    "signing_secret": {
                      "$secret": "webhook.signing_secret"
                    }
                  }
                },
                "phase": 5,
                "when": "webhook-not-registered"
              },
              {
                "op": "check_webhook",
                "method": "GET",
                "path": "external_data_sources/{source_id}/webhook_info/",
                "body": null,
                "phase": 5
              }
            ]
          }
        ],
        "diagnostics": [],
        "dwctl_version": "0.1.0",
        "file": {
          "path": "warehouse.yaml",
          "sha256": "<sha256>"
        },
        "remote": {
          "host": "http://EMULATOR",
          "project_id": "1",
          "fingerprint": "<sha256>"
        },
        "options": {
          "prune": false,
          "sources": null
        },
        "cost": {
          "tables": [
            {
              "address": "source.billing.table.Charge",
              "warehouse_table": "billing_stripe_charge",
              "source_type": "Stripe",
              "sync_type": "append",
              "sync_frequency": "24hour",
              "rows": null,
              "rows_origin": null,
              "syncs_per_month": 30,
              "rows_per_month": null,
              "rows_per_month_basis": null,
              "current_rows_per_month": 0,
              "observed_rows_per_month": null,
              "unestimated_reason": "no-history"
            },
            {
              "address": "source.billing.table.Customer",
              "warehouse_table": "billing_stripe_customer",
              "source_type": "Stripe",
              "sync_type": "webhook",
              "sync_frequency": "24hour",
              "rows": null,
              "rows_origin": null,
              "syncs_per_month": 30,
              "rows_per_month": null,
              "rows_per_month_basis": null,
              "current_rows_per_month": 0,
              "observed_rows_per_month": null,
              "unestimated_reason": "webhook"
            }
          ],
          "known_rows_per_month": 0,
          "unestimated_tables": 2,
          "current_known_rows_per_month": 0,
          "includes_estimates": false,
          "max_rows_per_month": null,
          "over_budget": false
        },
        "blocked": [],
        "digest": "<sha256>"
      }
      "
    `);
  });
});

describe('an existing source with drift', () => {
  it('shows a changed sync type, a dropped table and a new upstream table', async () => {
    await world.write(SHOP_YAML);
    // --wait: the plans below read the synced row counts (rows per month) whatever the timing.
    const applied = await dwctl('apply', '--yes', '--wait', '--timeout', '60s');
    expect(applied.exitCode).toBe(0);
    const clean = await dwctl('plan', '--detailed-exitcode');
    expect(clean.exitCode).toBe(0);
    expect(clean.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        = unchanged source
        = 3 tables unchanged: countries, orders, users

      Warnings and notes:
        warehouse.yaml:17:28 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.

      Rows per month (PostHog bills the rows it syncs):
        shop_postgres_countries  about 32 rows a month (8 rows × 4 full refreshes)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; needs a day of sync history
        shop_postgres_users      about 900 rows a month (30 rows × 30 full refreshes)
      Total: about 932 rows a month after apply (now about 932); 1 table not estimated.

      No changes. PostHog matches the file.
      "
    `);

    // users: full_refresh → incremental; countries dropped from the file; a new upstream table declared.
    await world.database.query('CREATE TABLE invoices (id bigint PRIMARY KEY, amount numeric, updated_at timestamptz)');
    try {
      await world.write(
        SHOP_YAML.replace('      users:\n        sync: full_refresh\n', '      users:\n        sync: incremental\n        incremental_field: updated_at\n')
          .replace('      countries:\n        sync: full_refresh\n        sync_frequency: 7day\n', '      invoices:\n        sync: incremental\n        incremental_field: updated_at\n'),
      );
      world.emulator.requests.length = 0;
      const drift = await dwctl('plan', '--detailed-exitcode');
      expect(drift.exitCode).toBe(2);
      expect(drift.out).toMatchInlineSnapshot(`
        "source shop_db (Postgres)
          = unchanged source
          ~ update table countries → shop_postgres_countries  # syncing in PostHog but not declared in the file: disabled (its synced data is kept)
              ~ should_sync = true → false
          + create table invoices → shop_postgres_invoices  # PostHog has no schema row for this table yet: schemas are refreshed, then it is enabled
              + should_sync = true
              + sync_type = "incremental"
              + incremental_field = "updated_at"
              + incremental_field_type = "timestamp"
              + primary_key_columns = ["id"]
              + sync_frequency = "24hour"
          ~ update table users → shop_postgres_users  # settings differ: sync_type, incremental_field, incremental_field_type
              ~ sync_type = "full_refresh" → "incremental"
              ~ incremental_field = null → "updated_at"
              ~ incremental_field_type = null → "timestamp"
          = 1 table unchanged: orders

        Warnings and notes:
          warehouse.yaml:17:28 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
          warehouse.yaml:21:28 warning incremental-field-nullable "users" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
          warehouse.yaml:21:28 warning incremental-field-unindexed "users" syncs by incremental on updated_at, which has no index: every sync scans the whole table in the database. Add an index on updated_at.
          warehouse.yaml:24:28 warning incremental-field-nullable "invoices" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
          warehouse.yaml:24:28 warning incremental-field-unindexed "invoices" syncs by incremental on updated_at, which has no index: every sync scans the whole table in the database. Add an index on updated_at.

        Rows per month (PostHog bills the rows it syncs):
          shop_postgres_countries  0 rows a month (not synced); now 32
          shop_postgres_invoices   not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
          shop_postgres_orders     not estimated: billed by the rows incremental imports; needs a day of sync history
          shop_postgres_users      not estimated: billed by the rows incremental imports; no sync history with it yet
        Total: about 0 rows a month after apply (now about 932); 3 tables not estimated.

        Plan: 1 to create, 2 to update, 0 to delete.
        "
      `);
      const json = await dwctl('plan', '--format', 'json');
      expect(json.out).toMatchInlineSnapshot(`
        "{
          "format_version": 1,
          "applyable": true,
          "summary": {
            "create": 1,
            "update": 2,
            "delete": 0,
            "no_op": 2
          },
          "changes": [
            {
              "address": "source.shop_db",
              "kind": "source",
              "source_type": "Postgres",
              "action": "no-op",
              "remote_id": "<uuid>",
              "source": "shop_db",
              "before": null,
              "after": null,
              "reason": "in sync",
              "path": "/sources/shop_db",
              "position": {
                "line": 3,
                "column": 3,
                "end_line": 3,
                "end_column": 10
              },
              "target": {
                "source": "shop_db",
                "kind": "source"
              },
              "requests": []
            },
            {
              "address": "source.shop_db.table.countries",
              "kind": "table",
              "action": "update",
              "remote_id": "<uuid>",
              "source": "shop_db",
              "warehouse_table": "shop_postgres_countries",
              "before": {
                "should_sync": true
              },
              "after": {
                "should_sync": false
              },
              "reason": "syncing in PostHog but not declared in the file: disabled (its synced data is kept)",
              "path": "/sources/shop_db/tables",
              "position": {
                "line": 14,
                "column": 5,
                "end_line": 14,
                "end_column": 11
              },
              "target": {
                "source": "shop_db",
                "kind": "table",
                "table": "countries"
              },
              "requests": [
                {
                  "op": "update_schema",
                  "method": "PATCH",
                  "path": "external_data_schemas/<uuid>/",
                  "body": {
                    "should_sync": false
                  },
                  "phase": 4
                }
              ]
            },
            {
              "address": "source.shop_db.table.invoices",
              "kind": "table",
              "action": "create",
              "remote_id": null,
              "source": "shop_db",
              "warehouse_table": "shop_postgres_invoices",
              "before": null,
              "after": {
                "should_sync": true,
                "sync_type": "incremental",
                "incremental_field": "updated_at",
                "incremental_field_type": "timestamp",
                "primary_key_columns": [
                  "id"
                ],
                "sync_frequency": "24hour",
                "sync_time_of_day": null
              },
              "reason": "PostHog has no schema row for this table yet: schemas are refreshed, then it is enabled",
              "path": "/sources/shop_db/tables/invoices",
              "position": {
                "line": 22,
                "column": 7,
                "end_line": 22,
                "end_column": 15
              },
              "target": {
                "source": "shop_db",
                "kind": "table",
                "table": "invoices"
              },
              "requests": [
                {
                  "op": "refresh_schemas",
                  "method": "POST",
                  "path": "external_data_sources/<uuid>/refresh_schemas/",
                  "body": {},
                  "phase": 3
                },
                {
                  "op": "update_schema",
                  "method": "PATCH",
                  "path": "external_data_schemas/{schema_id}/",
                  "body": {
                    "should_sync": true,
                    "sync_type": "incremental",
                    "incremental_field": "updated_at",
                    "incremental_field_type": "timestamp",
                    "primary_key_columns": [
                      "id"
                    ],
                    "sync_time_of_day": null,
                    "sync_frequency": "24hour"
                  },
                  "phase": 4,
                  "schema_of": "invoices"
                }
              ]
            },
            {
              "address": "source.shop_db.table.orders",
              "kind": "table",
              "action": "no-op",
              "remote_id": "<uuid>",
              "source": "shop_db",
              "warehouse_table": "shop_postgres_orders",
              "before": null,
              "after": null,
              "reason": "in sync",
              "path": "/sources/shop_db/tables/orders",
              "position": {
                "line": 15,
                "column": 7,
                "end_line": 15,
                "end_column": 13
              },
              "target": {
                "source": "shop_db",
                "kind": "table",
                "table": "orders"
              },
              "requests": []
            },
            {
              "address": "source.shop_db.table.users",
              "kind": "table",
              "action": "update",
              "remote_id": "<uuid>",
              "source": "shop_db",
              "warehouse_table": "shop_postgres_users",
              "before": {
                "sync_type": "full_refresh",
                "incremental_field": null,
                "incremental_field_type": null
              },
              "after": {
                "sync_type": "incremental",
                "incremental_field": "updated_at",
                "incremental_field_type": "timestamp"
              },
              "reason": "settings differ: sync_type, incremental_field, incremental_field_type",
              "path": "/sources/shop_db/tables/users",
              "position": {
                "line": 19,
                "column": 7,
                "end_line": 19,
                "end_column": 12
              },
              "target": {
                "source": "shop_db",
                "kind": "table",
                "table": "users"
              },
              "requests": [
                {
                  "op": "update_schema",
                  "method": "PATCH",
                  "path": "external_data_schemas/<uuid>/",
                  "body": {
                    "sync_type": "incremental",
                    "incremental_field": "updated_at",
                    "incremental_field_type": "timestamp"
                  },
                  "phase": 4
                }
              ]
            }
          ],
          "diagnostics": [
            {
              "code": "incremental-field-nullable",
              "severity": "warning",
              "message": "\\"orders\\" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.",
              "file": "warehouse.yaml",
              "line": 17,
              "column": 28,
              "end_line": 17,
              "end_column": 38,
              "path": "/sources/shop_db/tables/orders/incremental_field"
            },
            {
              "code": "incremental-field-nullable",
              "severity": "warning",
              "message": "\\"users\\" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.",
              "file": "warehouse.yaml",
              "line": 21,
              "column": 28,
              "end_line": 21,
              "end_column": 38,
              "path": "/sources/shop_db/tables/users/incremental_field"
            },
            {
              "code": "incremental-field-unindexed",
              "severity": "warning",
              "message": "\\"users\\" syncs by incremental on updated_at, which has no index: every sync scans the whole table in the database. Add an index on updated_at.",
              "file": "warehouse.yaml",
              "line": 21,
              "column": 28,
              "end_line": 21,
              "end_column": 38,
              "path": "/sources/shop_db/tables/users/incremental_field"
            },
            {
              "code": "incremental-field-nullable",
              "severity": "warning",
              "message": "\\"invoices\\" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.",
              "file": "warehouse.yaml",
              "line": 24,
              "column": 28,
              "end_line": 24,
              "end_column": 38,
              "path": "/sources/shop_db/tables/invoices/incremental_field"
            },
            {
              "code": "incremental-field-unindexed",
              "severity": "warning",
              "message": "\\"invoices\\" syncs by incremental on updated_at, which has no index: every sync scans the whole table in the database. Add an index on updated_at.",
              "file": "warehouse.yaml",
              "line": 24,
              "column": 28,
              "end_line": 24,
              "end_column": 38,
              "path": "/sources/shop_db/tables/invoices/incremental_field"
            }
          ],
          "dwctl_version": "0.1.0",
          "file": {
            "path": "warehouse.yaml",
            "sha256": "<sha256>"
          },
          "remote": {
            "host": "http://EMULATOR",
            "project_id": "1",
            "fingerprint": "<sha256>"
          },
          "options": {
            "prune": false,
            "sources": null
          },
          "cost": {
            "tables": [
              {
                "address": "source.shop_db.table.countries",
                "warehouse_table": "shop_postgres_countries",
                "source_type": "Postgres",
                "sync_type": "full_refresh",
                "sync_frequency": "7day",
                "rows": 8,
                "rows_origin": "synced",
                "syncs_per_month": 0,
                "rows_per_month": 0,
                "rows_per_month_basis": "not-syncing",
                "current_rows_per_month": 32,
                "observed_rows_per_month": null,
                "unestimated_reason": null
              },
              {
                "address": "source.shop_db.table.invoices",
                "warehouse_table": "shop_postgres_invoices",
                "source_type": "Postgres",
                "sync_type": "incremental",
                "sync_frequency": "24hour",
                "rows": null,
                "rows_origin": null,
                "syncs_per_month": 30,
                "rows_per_month": null,
                "rows_per_month_basis": null,
                "current_rows_per_month": 0,
                "observed_rows_per_month": null,
                "unestimated_reason": "no-history"
              },
              {
                "address": "source.shop_db.table.orders",
                "warehouse_table": "shop_postgres_orders",
                "source_type": "Postgres",
                "sync_type": "incremental",
                "sync_frequency": "1hour",
                "rows": 40,
                "rows_origin": "synced",
                "syncs_per_month": 720,
                "rows_per_month": null,
                "rows_per_month_basis": null,
                "current_rows_per_month": null,
                "observed_rows_per_month": null,
                "unestimated_reason": "no-history"
              },
              {
                "address": "source.shop_db.table.users",
                "warehouse_table": "shop_postgres_users",
                "source_type": "Postgres",
                "sync_type": "incremental",
                "sync_frequency": "24hour",
                "rows": 30,
                "rows_origin": "synced",
                "syncs_per_month": 30,
                "rows_per_month": null,
                "rows_per_month_basis": null,
                "current_rows_per_month": 900,
                "observed_rows_per_month": null,
                "unestimated_reason": "new-method"
              }
            ],
            "known_rows_per_month": 0,
            "unestimated_tables": 3,
            "current_known_rows_per_month": 932,
            "includes_estimates": false,
            "max_rows_per_month": null,
            "over_budget": false
          },
          "blocked": [],
          "digest": "<sha256>"
        }
        "
      `);
      const plan = JSON.parse(json.stdout) as { summary: unknown; changes: { address: string; action: string; before: unknown; after: unknown }[] };
      expect(plan.summary).toEqual({ create: 1, update: 2, delete: 0, no_op: 2 });
      expect(plan.changes.find((c) => c.address === 'source.shop_db.table.users')).toMatchObject({
        action: 'update',
        before: { sync_type: 'full_refresh', incremental_field: null, incremental_field_type: null },
        after: { sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp' },
      });
      expect(plan.changes.find((c) => c.address === 'source.shop_db.table.countries')).toMatchObject({ action: 'update', before: { should_sync: true }, after: { should_sync: false } });
      expect(plan.changes.find((c) => c.address === 'source.shop_db.table.invoices')).toMatchObject({ action: 'create', before: null });
      // plan never writes
      expect(world.emulator.requests.filter((q) => q.method !== 'GET' && !q.path.includes('database_schema'))).toEqual([]);
      // Applying the drift plan converges: a plan right after has no changes.
      expect((await dwctl('apply', '--yes')).exitCode).toBe(0);
      const converged = await dwctl('plan', '--detailed-exitcode');
      expect(converged.out).toMatch(/No changes\. PostHog matches the file\.\n$/);
      expect(converged.exitCode).toBe(0);
    } finally {
      await world.database.query('DROP TABLE invoices');
    }
  });
});

describe('an unmanaged remote source', () => {
  it('is reported without --prune, and planned for deletion with it', async () => {
    await world.write(STRIPE_YAML);
    expect((await dwctl('apply', '--yes')).exitCode).toBe(0);
    await world.write(SHOP_YAML);
    const plain = await dwctl('plan', '--detailed-exitcode');
    expect(plain.exitCode).toBe(2);
    expect(plain.out).toMatchInlineSnapshot(`
      "source shop_db (Postgres)
        + create source  # no Postgres source with prefix "shop_" exists in project 1
            + source_type = "Postgres"
            + prefix = "shop_"
            + description = "Shop database"
            + config.host = "<db-host>"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.password = "(sensitive)"
            + config.schema = "public"
            + tables_off = ["audit_log","events","order_totals"]
        + create table countries → shop_postgres_countries  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "7day"
        + create table orders → shop_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "updated_at"
            + incremental_field_type = "timestamp"
            + primary_key_columns = ["id"]
            + sync_frequency = "1hour"
        + create table users → shop_postgres_users  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "24hour"

      Warnings and notes:
        warehouse.yaml:2:1 info unmanaged-source PostHog has a Stripe "billing_" source (id <uuid>) that the file does not declare. Declare it (dwctl import writes it for you), or run with --prune to delete it.
        warehouse.yaml:17:28 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:20:15 info recommended-sync "users": consider sync: xmin (updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update).
        warehouse.yaml:22:15 info recommended-sync "countries": consider sync: xmin (no field tracks updates: xmin (Postgres row versions) catches every insert and update).

      Rows per month (PostHog bills the rows it syncs):
        shop_postgres_countries  not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
        shop_postgres_users      not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
      Total: no estimate yet; 3 tables not estimated.

      Plan: 4 to create, 0 to update, 0 to delete.
      "
    `);

    const pruned = await dwctl('plan', '--prune', '--detailed-exitcode', '--out', 'prune.json');
    expect(pruned.exitCode).toBe(2);
    expect(pruned.out).toMatchInlineSnapshot(`
      "source Stripe:billing_ (Stripe)
        - delete source Stripe "billing_" (id <uuid>)  # not declared in the file, and --prune was given: the source, all its tables and their synced data are deleted
            - source_type = "Stripe"
            - prefix = "billing_"
            - tables = ["Charge","Customer"]
            - warehouse_tables = ["billing_stripe_charge","billing_stripe_customer"]

      source shop_db (Postgres)
        + create source  # no Postgres source with prefix "shop_" exists in project 1
            + source_type = "Postgres"
            + prefix = "shop_"
            + description = "Shop database"
            + config.host = "<db-host>"
            + config.port = <db-port>
            + config.database = "postgres"
            + config.user = "postgres"
            + config.password = "(sensitive)"
            + config.schema = "public"
            + tables_off = ["audit_log","events","order_totals"]
        + create table countries → shop_postgres_countries  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "7day"
        + create table orders → shop_postgres_orders  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "incremental"
            + incremental_field = "updated_at"
            + incremental_field_type = "timestamp"
            + primary_key_columns = ["id"]
            + sync_frequency = "1hour"
        + create table users → shop_postgres_users  # declared in the file; created with the source
            + should_sync = true
            + sync_type = "full_refresh"
            + sync_frequency = "24hour"

      Warnings and notes:
        warehouse.yaml:2:1 info unmanaged-source PostHog has a Stripe "billing_" source (id <uuid>) that the file does not declare: it will be deleted (--prune).
        warehouse.yaml:17:28 warning incremental-field-nullable "orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.
        warehouse.yaml:20:15 info recommended-sync "users": consider sync: xmin (updated_at can be NULL, so incremental on it would miss rows written without it; xmin (Postgres row versions) catches every insert and update).
        warehouse.yaml:22:15 info recommended-sync "countries": consider sync: xmin (no field tracks updates: xmin (Postgres row versions) catches every insert and update).

      Rows per month (PostHog bills the rows it syncs):
        shop_postgres_countries  not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
        shop_postgres_orders     not estimated: billed by the rows incremental imports; no sync history yet (the first sync imports the whole table once)
        shop_postgres_users      not estimated: rows unknown: PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)
      Total: no estimate yet; 3 tables not estimated.

      Plan: 4 to create, 0 to update, 1 to delete.
      "
    `);
    // --prune adds the delete and nothing else: every other change is the one the plan without it makes.
    const prunedPlan = JSON.parse(pruned.planNorm) as { summary: unknown; options: { prune: boolean }; changes: { action: string }[] };
    const withoutPrune = await dwctl('plan', '--out', 'no-prune.json');
    const unprunedPlan = JSON.parse(withoutPrune.planNorm) as { changes: unknown[] };
    expect(prunedPlan.summary).toEqual({ create: 4, update: 0, delete: 1, no_op: 0 });
    expect(prunedPlan.options.prune).toBe(true);
    expect(prunedPlan.changes.filter((c) => c.action !== 'delete')).toEqual(unprunedPlan.changes);
    expect(JSON.stringify(prunedPlan.changes.filter((c) => c.action === 'delete'), null, 2)).toMatchInlineSnapshot(`
      "[
        {
          "address": "remote.Stripe.billing_",
          "kind": "source",
          "source_type": "Stripe",
          "action": "delete",
          "remote_id": "<uuid>",
          "source": "Stripe:billing_",
          "before": {
            "source_type": "Stripe",
            "prefix": "billing_",
            "description": null,
            "tables": [
              "Charge",
              "Customer"
            ],
            "warehouse_tables": [
              "billing_stripe_charge",
              "billing_stripe_customer"
            ]
          },
          "after": null,
          "reason": "not declared in the file, and --prune was given: the source, all its tables and their synced data are deleted",
          "path": "",
          "position": null,
          "target": {
            "source": "Stripe:billing_",
            "kind": "source",
            "undeclared": {
              "source_type": "Stripe",
              "prefix": "billing_"
            }
          },
          "requests": [
            {
              "op": "delete_source",
              "method": "DELETE",
              "path": "external_data_sources/<uuid>/",
              "body": null,
              "phase": 0
            }
          ]
        }
      ]"
    `);
    const plan = JSON.parse(pruned.planText) as { summary: unknown; changes: { action: string; kind: string; before: unknown }[] };
    expect(plan.summary).toEqual({ create: 4, update: 0, delete: 1, no_op: 0 });
    expect(plan.changes.find((c) => c.action === 'delete')).toMatchObject({ kind: 'source', before: { source_type: 'Stripe', prefix: 'billing_', tables: ['Charge', 'Customer'] } });
    // Nothing was deleted by planning.
    expect(world.emulator.requests.filter((q) => q.method === 'DELETE')).toEqual([]);
    // Applying the saved prune plan deletes it; afterwards a pruning plan has nothing left to do.
    expect((await dwctl('apply', 'prune.json', '--yes')).exitCode).toBe(0);
    const after = await dwctl('plan', '--prune', '--detailed-exitcode');
    expect(after.out).toMatch(/No changes\. PostHog matches the file\.\n$/);
    expect(after.out).not.toContain('unmanaged-source');
  });
});

describe('show PLANFILE', () => {
  it('renders a saved plan in every format; text equals plan text, json equals the file', async () => {
    await world.write(STRIPE_YAML + SHOP_YAML.replace('version: 1\nsources:\n', ''));
    const saved = await dwctl('plan', '--out', 'plan.json');
    expect(saved.exitCode).toBe(0);
    const planFile = await readFile(join(world.dir, 'plan.json'), 'utf8');
    for (const format of ['text', 'json', 'markdown', 'github']) {
      const fromPlan = await dwctl('plan', '--format', format);
      const shown = await dwctl('show', 'plan.json', '--format', format);
      expect(shown.exitCode).toBe(0);
      expect(leakedSecrets(world, shown.stdout, planFile)).toEqual([]);
      if (format === 'json') expect(shown.stdout).toBe(planFile);
      // Each run reads the same state, so the rendering of a fresh plan is the same document.
      expect(shown.out).toBe(fromPlan.out);
    }
    const text = await dwctl('show', 'plan.json');
    expect(text.stdout).toBe(saved.stdout);
  });

  it('refuses a file that is not a plan (exit 3)', async () => {
    await world.write('{"hello": 1}', 'nope.json');
    const r = await dwctl('show', 'nope.json');
    expect(r.exitCode).toBe(3);
    expect(r.err).toMatchInlineSnapshot(`
      "error: nope.json: not a dwctl plan (expected format_version 1 with changes, diagnostics, file, remote and options)
      "
    `);
    const missing = await dwctl('show', 'absent.json', '--format', 'json');
    expect(missing.exitCode).toBe(3);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'file-not-found' } });
  });
});
