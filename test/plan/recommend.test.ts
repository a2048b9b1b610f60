/**
 * The recommendation engine, table-driven: one row per rule (and per way a rule must NOT fire), with the
 * evidence the reason has to name. Facts follow PostHog's database_schema entries (API.md §5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiscoveredTableInfo, IncrementalFieldInfo } from '../../src/plan/observed.js';
import {
  appendOnlyEvidence,
  cheaperAlternative,
  incrementalFieldRisks,
  RECOMMENDATION_RULES,
  recommend,
  type RecommendOptions,
  type RuleId,
  type SourceTraits,
  whatItImports,
} from '../../src/plan/recommend.js';
import { table } from '../helpers/plan-fixtures.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';

const POSTGRES: SourceTraits = { syncTypes: ['full_refresh', 'incremental', 'append', 'cdc', 'xmin'], countsRows: false };
const STRIPE: SourceTraits = { syncTypes: ['full_refresh', 'incremental', 'append', 'webhook'], countsRows: false };

function field(name: string, type: string, extra: Partial<IncrementalFieldInfo> = {}): IncrementalFieldInfo {
  return { label: name, type, field: name, field_type: type, ...extra };
}
const XMIN = field('xmin', 'xid', { is_indexed: false });

/** A Postgres table as PostHog discovers it: candidates from its columns, xmin offered, CDC flag off. */
function pgTable(name: string, columns: { name: string; type: string; nullable?: boolean; indexed?: boolean }[], extra: Partial<DiscoveredTableInfo> = {}): DiscoveredTableInfo {
  const candidates = columns
    .filter((c) => ['integer', 'timestamp', 'date'].includes(c.type))
    .map((c) => field(c.name, c.type, { nullable: c.nullable ?? false, is_indexed: c.indexed ?? false }));
  return table(name, {
    incremental_fields: [...candidates, XMIN],
    incremental_available: candidates.length > 0,
    append_available: candidates.length > 0,
    cdc_available: null,
    available_columns: columns.map((c) => ({ field: c.name, type: c.type, nullable: c.nullable ?? false })),
    ...extra,
  });
}

/** A Stripe resource as PostHog lists it (static catalog: append on `created`, no columns, no keys). */
function stripeTable(name: string, flags: { webhooks: boolean; append: boolean; webhookOnly?: boolean }): DiscoveredTableInfo {
  return {
    table: name,
    incremental_fields: flags.append ? [{ label: 'created_at', type: 'datetime', field: 'created', field_type: 'integer' }] : [],
    incremental_available: false,
    append_available: flags.append,
    cdc_available: null,
    rows: null,
    supports_webhooks: flags.webhooks,
    webhook_only: flags.webhookOnly ?? false,
    detected_primary_keys: null,
    permission_error: null,
  };
}

const id = { name: 'id', type: 'integer', indexed: true };

interface Case {
  name: string;
  table: DiscoveredTableInfo;
  options?: RecommendOptions;
  rule: RuleId;
  sync: string;
  field?: string | null;
  reason?: RegExp;
}

const cases: Case[] = [
  // Stripe: webhook where offered, else full refresh; never append on created for mutable resources.
  ...['Customer', 'Subscription', 'Invoice', 'Charge', 'Payout', 'Product'].map(
    (name): Case => ({ name: `Stripe ${name} (webhooks offered) → webhook, not append on created`, table: stripeTable(name, { webhooks: true, append: true }), options: { traits: STRIPE }, rule: 'webhook', sync: 'webhook', field: null }),
  ),
  { name: 'Stripe Discount (webhook only) → webhook', table: stripeTable('Discount', { webhooks: true, append: true, webhookOnly: true }), options: { traits: STRIPE }, rule: 'webhook-only', sync: 'webhook' },
  { name: 'Stripe ShippingRate (append offered, no webhooks, mutable) → full refresh', table: stripeTable('ShippingRate', { webhooks: false, append: true }), options: { traits: STRIPE }, rule: 'full-refresh', sync: 'full_refresh', reason: /only a full refresh does not lose updates/ },
  { name: 'Stripe Event (immutable by name) → append on created', table: stripeTable('Event', { webhooks: false, append: true }), options: { traits: STRIPE }, rule: 'append-only', sync: 'append', field: 'created', reason: /append-only by its name \(event\)/ },
  { name: 'Stripe CustomerBalanceTransaction (nothing offered) → full refresh', table: stripeTable('CustomerBalanceTransaction', { webhooks: false, append: false }), options: { traits: STRIPE }, rule: 'full-refresh', sync: 'full_refresh' },
  { name: 'a type without webhooks ignores a table flag claiming them', table: { ...stripeTable('Customer', { webhooks: true, append: false }) }, options: { traits: { syncTypes: ['full_refresh'] } }, rule: 'full-refresh', sync: 'full_refresh' },
  { name: 'immutable by the source type’s own list', table: stripeTable('BalanceEntry', { webhooks: false, append: true }), options: { traits: { ...STRIPE, appendOnlyTables: ['BalanceEntry'] } }, rule: 'append-only', sync: 'append', reason: /the source documents it as immutable/ },

  // Postgres: updated-at first, non-null only, indexed preferred.
  {
    name: 'non-null indexed updated_at → incremental on it',
    table: pgTable('orders', [id, { name: 'created_at', type: 'timestamp' }, { name: 'updated_at', type: 'timestamp', indexed: true }]),
    options: { traits: POSTGRES },
    rule: 'updated-at', sync: 'incremental', field: 'updated_at', reason: /^updated_at is never NULL/,
  },
  {
    name: 'two updated-at fields: the indexed one wins',
    table: pgTable('orders', [id, { name: 'modified_at', type: 'timestamp' }, { name: 'updated_at', type: 'timestamp', indexed: true }]),
    rule: 'updated-at', sync: 'incremental', field: 'updated_at',
  },
  {
    name: 'non-null unindexed updated_at → incremental, saying it is not indexed',
    table: pgTable('orders', [id, { name: 'updated_at', type: 'timestamp' }]),
    rule: 'updated-at', sync: 'incremental', field: 'updated_at', reason: /not indexed/,
  },
  {
    name: 'nullable updated_at → not incremental: xmin, saying why',
    table: pgTable('orders', [id, { name: 'created_at', type: 'timestamp' }, { name: 'updated_at', type: 'timestamp', nullable: true, indexed: true }]),
    rule: 'xmin', sync: 'xmin', field: null, reason: /updated_at can be NULL/,
  },
  {
    name: 'users without updated-at (mutable) → xmin, never append on created_at',
    table: pgTable('users', [id, { name: 'email', type: 'text' }, { name: 'created_at', type: 'timestamp' }]),
    rule: 'xmin', sync: 'xmin', reason: /^no field tracks updates: xmin/,
  },
  {
    name: 'mutable, no xmin, CDC enabled → cdc',
    table: pgTable('users', [id, { name: 'created_at', type: 'timestamp' }], { xmin_available: false, incremental_fields: [field('created_at', 'timestamp')], cdc_available: true }),
    rule: 'cdc', sync: 'cdc',
  },
  {
    name: 'mutable, no xmin, CDC not enabled for the project (null) → full refresh',
    table: pgTable('users', [id, { name: 'created_at', type: 'timestamp' }], { xmin_available: false, incremental_fields: [field('created_at', 'timestamp')], cdc_available: null }),
    rule: 'full-refresh', sync: 'full_refresh',
  },
  {
    name: 'a view with only arbitrary integers → full refresh (never append on customer_id)',
    table: pgTable('order_totals', [{ name: 'customer_id', type: 'integer', nullable: true }, { name: 'order_count', type: 'integer' }], { xmin_available: false, incremental_fields: [field('customer_id', 'integer'), field('order_count', 'integer')], detected_primary_keys: null }),
    rule: 'full-refresh', sync: 'full_refresh',
  },

  // Append-only by evidence, on the indexed integer key over an unindexed timestamp.
  {
    name: 'events with an indexed integer key → append on id, not on the unindexed timestamp',
    table: pgTable('events', [id, { name: 'user_id', type: 'integer', nullable: true }, { name: 'name', type: 'text' }, { name: 'occurred_at', type: 'timestamp' }]),
    options: { rows: { value: 90_000_000, estimate: true } },
    rule: 'append-only', sync: 'append', field: 'id', reason: /^append-only by its name \(events\) and no column tracking changes, so new rows are all there is to import; id is its indexed integer key$/,
  },
  {
    name: 'events without a key → append on its non-null created-at field',
    table: pgTable('page_events', [{ name: 'occurred_at', type: 'timestamp', indexed: true }, { name: 'name', type: 'text' }], { detected_primary_keys: null }),
    rule: 'append-only', sync: 'append', field: 'occurred_at',
  },
  {
    name: 'audit_log whose only timestamp is nullable → not append: xmin, saying why',
    table: pgTable('audit_log', [{ name: 'actor', type: 'text' }, { name: 'at', type: 'timestamp', nullable: true }], { detected_primary_keys: null }),
    rule: 'xmin', sync: 'xmin', reason: /^looks append-only by its name \(audit, log\) and no column tracking changes, but no ordering field is always set; xmin/,
  },
  {
    name: 'an "events" table with a status column is not append-only',
    table: pgTable('events', [id, { name: 'status', type: 'text' }, { name: 'starts_at', type: 'timestamp' }]),
    rule: 'xmin', sync: 'xmin',
  },
  {
    name: 'schema-qualified names are read by their table part',
    table: pgTable('public.request_log', [id, { name: 'at', type: 'timestamp' }]),
    rule: 'append-only', sync: 'append', field: 'id',
  },

  // Size: small tables get a full refresh, when rows are known or estimated.
  {
    name: 'a small lookup table (estimate) → full refresh, labelled an estimate',
    table: pgTable('countries', [{ name: 'code', type: 'text' }, { name: 'name', type: 'text' }], { incremental_fields: [XMIN], incremental_available: false, append_available: false, cdc_available: true, detected_primary_keys: ['code'] }),
    options: { rows: { value: 8, estimate: true } },
    rule: 'small-table', sync: 'full_refresh', reason: /^about 8 rows \(estimate\): a full refresh/,
  },
  {
    name: 'a small mutable table without updated-at (counted) → full refresh',
    table: { ...pgTable('users', [id, { name: 'created_at', type: 'timestamp' }]), rows: 1200 },
    rule: 'small-table', sync: 'full_refresh', reason: /^1,200 rows: a full refresh/,
  },
  {
    name: 'the same table when rows are unknown → xmin',
    table: pgTable('users', [id, { name: 'created_at', type: 'timestamp' }]),
    rule: 'xmin', sync: 'xmin',
  },
  {
    name: 'a large mutable table → xmin (size does not make full refresh the answer)',
    table: pgTable('users', [id, { name: 'created_at', type: 'timestamp' }]),
    options: { rows: { value: 2_000_000, estimate: true } },
    rule: 'xmin', sync: 'xmin',
  },
  {
    name: 'a small table with a non-null updated_at still gets incremental (the guide: full refresh only without an ordering column)',
    table: pgTable('plans', [id, { name: 'updated_at', type: 'timestamp' }]),
    options: { rows: { value: 10, estimate: false } },
    rule: 'updated-at', sync: 'incremental', field: 'updated_at',
  },
  {
    name: 'a table with nothing and unknown rows → full refresh',
    table: pgTable('blobs', [{ name: 'data', type: 'bytea' }], { incremental_fields: [], incremental_available: false, append_available: false, xmin_available: false, detected_primary_keys: null }),
    rule: 'full-refresh', sync: 'full_refresh', reason: /keep the frequency low/,
  },
];

describe('recommend(): one row per rule', () => {
  it.each(cases)('$name', ({ table, options, rule, sync, field: expectedField, reason }) => {
    const got = recommend(table, options);
    expect(got.rule).toBe(rule);
    expect(got.sync).toBe(sync);
    if (expectedField !== undefined) expect(got.incremental_field).toBe(expectedField);
    if (reason) expect(got.reason).toMatch(reason);
    expect(got.imports).toBe(whatItImports(got.sync, got.incremental_field));
  });

  it('exercises every rule', () => {
    expect(new Set(cases.map((c) => c.rule))).toEqual(new Set(RECOMMENDATION_RULES.map((r) => r.id)));
  });

  it('never recommends append for a table without append-only evidence, whatever else it offers', () => {
    for (const c of cases) {
      const got = recommend(c.table, c.options);
      if (got.sync === 'append') expect(appendOnlyEvidence(c.table, c.options?.traits), c.name).not.toBeNull();
    }
  });
});

describe('what each method imports', () => {
  it('says append never imports changed rows, and only CDC and full refresh see deletions', () => {
    expect(whatItImports('append', 'id')).toBe('only new rows (id above the last value seen); a changed row is never imported again');
    expect(whatItImports('incremental', 'updated_at')).toMatch(/deletions are not seen/);
    expect(whatItImports('xmin', null)).toMatch(/deletions are not seen/);
    expect(whatItImports('cdc', null)).toMatch(/delete/);
    expect(whatItImports('full_refresh', null)).toMatch(/deletions included/);
  });

  it('the costly-sync alternative names the method and what it imports', () => {
    const best = recommend(pgTable('events', [id, { name: 'occurred_at', type: 'timestamp' }]));
    expect(cheaperAlternative(best)).toBe('append on id would import only new rows (id above the last value seen); a changed row is never imported again');
  });
});

describe('incrementalFieldRisks()', () => {
  const orders = pgTable('orders', [id, { name: 'created_at', type: 'timestamp' }, { name: 'updated_at', type: 'timestamp', nullable: true, indexed: true }]);

  it('flags a nullable field', () => {
    expect(incrementalFieldRisks(orders, 'incremental', 'updated_at')).toEqual([
      { code: 'incremental-field-nullable', message: '"orders" syncs by incremental on updated_at, which can be NULL: rows where it is NULL are never imported.' },
    ]);
  });

  it('flags an unindexed field', () => {
    expect(incrementalFieldRisks(orders, 'append', 'created_at')).toEqual([
      { code: 'incremental-field-unindexed', message: '"orders" syncs by append on created_at, which has no index: every sync scans the whole table in the database. Add an index on created_at.' },
    ]);
  });

  it('is quiet for a non-null indexed field, for other sync types, for unknown fields and where discovery does not say (Stripe)', () => {
    expect(incrementalFieldRisks(orders, 'incremental', 'id')).toEqual([]);
    expect(incrementalFieldRisks(orders, 'full_refresh', 'updated_at')).toEqual([]);
    expect(incrementalFieldRisks(orders, 'incremental', 'nope')).toEqual([]);
    expect(incrementalFieldRisks(stripeTable('Event', { webhooks: false, append: true }), 'append', 'created')).toEqual([]);
  });
});

describe('docs/recommendations.md', () => {
  const whole = readFileSync(join(REPO_ROOT, 'docs', 'recommendations.md'), 'utf8');
  const start = whole.indexOf('\n## The rules\n');
  const doc = whole.slice(start, whole.indexOf('\n## ', start + 1));

  it.each(RECOMMENDATION_RULES.map((r) => [r.id, r] as const))('lists rule %s with its reason', (ruleId, rule) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${ruleId}\` |`));
    expect(row, `no table row for ${ruleId}`).toBeDefined();
    expect(row).toContain(rule.reason);
  });

  it('lists the rules in the order the engine tries them', () => {
    const listed = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(RECOMMENDATION_RULES.map((r) => r.id));
  });
});
