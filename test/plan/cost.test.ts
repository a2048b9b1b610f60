import { describe, expect, it } from 'vitest';
import { budgetExceeded, costLine, historySince, MIN_HISTORY_MS, observedRowsPerMonth, summariseCost, type CostInput } from '../../src/plan/cost.js';
import type { JobHistory } from '../../src/plan/observed.js';
import { planScenario, remote, schema, SHOP_CONFIG, SHOP_TABLES, SHOP_YAML, table } from '../helpers/plan-fixtures.js';
import { costInput } from '../helpers/plan-fixtures.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();

function history(runs: [table: string, msAgo: number, rows: number][]): JobHistory {
  return { since: historySince(NOW), read_at: new Date(NOW).toISOString(), runs: runs.map(([t, ago, rows]) => ({ table: t, created_at: at(ago), rows_synced: rows })) };
}

const input = costInput;

describe('observed rows per month (job history, API.md §2.12)', () => {
  it('counts the runs after the first over the time since the first: 10 days of 100 rows a day is 3,000 a month', () => {
    const runs: [string, number, number][] = Array.from({ length: 11 }, (_, i) => ['orders', (10 - i) * DAY, i === 0 ? 1_000_000 : 100]);
    // The first run (the initial load of a million rows) is not a monthly cost.
    expect(observedRowsPerMonth(history(runs), 'orders')).toBe(3_000);
  });

  it('keeps tables apart', () => {
    const h = history([['orders', 2 * DAY, 5], ['users', 2 * DAY, 7], ['orders', DAY, 50], ['users', DAY, 70]]);
    expect(observedRowsPerMonth(h, 'orders')).toBe(750);
    expect(observedRowsPerMonth(h, 'users')).toBe(1_050);
  });

  it.each([
    ['no history at all', undefined],
    ['a single run', history([['orders', 5 * DAY, 100]])],
    ['less than a day of history', history([['orders', MIN_HISTORY_MS - 1, 100], ['orders', HOUR, 100]])],
    ['runs of other tables only', history([['users', 3 * DAY, 1], ['users', DAY, 1]])],
  ])('is unknown with %s', (_, h) => {
    expect(observedRowsPerMonth(h, 'orders')).toBeNull();
  });
});

describe('cost lines', () => {
  it.each<[string, Partial<CostInput>, { rows_per_month: number | null; basis: string | null; current: number | null; reason: string | null; origin?: string | null }]>([
    ['full refresh of a synced table: row_count × syncs', { current: { should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour' }, syncedRows: 8 }, { rows_per_month: 240, basis: 'rows-times-syncs', current: 240, reason: null, origin: 'synced' }],
    ['a frequency change: now and after differ', { current: { should_sync: true, sync_type: 'full_refresh', sync_frequency: '7day' }, syncedRows: 10 }, { rows_per_month: 300, basis: 'rows-times-syncs', current: 40, reason: null }],
    ['a new table with discovery rows', { discoveredRows: 100 }, { rows_per_month: 3_000, basis: 'rows-times-syncs', current: 0, reason: null, origin: 'discovered' }],
    ['a new table with a --count-rows estimate', { estimatedRows: { value: 1_000, estimate: true } }, { rows_per_month: 30_000, basis: 'rows-times-syncs', current: 0, reason: null, origin: 'estimate' }],
    ['a new table with rows unknown', {}, { rows_per_month: null, basis: null, current: 0, reason: 'rows-unknown' }],
    ['incremental, same method, with history', { planned: { should_sync: true, sync_type: 'incremental', sync_frequency: '1hour' }, current: { should_sync: true, sync_type: 'incremental', sync_frequency: '6hour' }, observed: 900 }, { rows_per_month: 900, basis: 'observed', current: 900, reason: null }],
    ['incremental, same method, without history', { planned: { should_sync: true, sync_type: 'incremental', sync_frequency: '1hour' }, current: { should_sync: true, sync_type: 'incremental', sync_frequency: '1hour' } }, { rows_per_month: null, basis: null, current: null, reason: 'no-history' }],
    ['full refresh to append: the old rate says nothing of the new method', { planned: { should_sync: true, sync_type: 'append', sync_frequency: '24hour' }, current: { should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour' }, syncedRows: 10, observed: 300 }, { rows_per_month: null, basis: null, current: 300, reason: 'new-method' }],
    ['webhook', { planned: { should_sync: true, sync_type: 'webhook', sync_frequency: '24hour' } }, { rows_per_month: null, basis: null, current: 0, reason: 'webhook' }],
    ['a table disabled by the plan', { planned: { should_sync: false, sync_type: 'full_refresh', sync_frequency: '24hour' }, current: { should_sync: true, sync_type: 'full_refresh', sync_frequency: '24hour' }, syncedRows: 10 }, { rows_per_month: 0, basis: 'not-syncing', current: 300, reason: null }],
    ['sync_frequency never', { planned: { should_sync: true, sync_type: 'full_refresh', sync_frequency: 'never' }, syncedRows: 10 }, { rows_per_month: 0, basis: 'not-syncing', current: 0, reason: null }],
  ])('%s', (_, overrides, expected) => {
    const line = costLine(input(overrides));
    expect({ rows_per_month: line.rows_per_month, basis: line.rows_per_month_basis, current: line.current_rows_per_month, reason: line.unestimated_reason }).toEqual({
      rows_per_month: expected.rows_per_month,
      basis: expected.basis,
      current: expected.current,
      reason: expected.reason,
    });
    if (expected.origin !== undefined) expect(line.rows_origin).toBe(expected.origin);
  });

  it('the synced row count wins over discovery and estimates', () => {
    expect(costLine(input({ syncedRows: 5, discoveredRows: 50, estimatedRows: { value: 500, estimate: true } })).rows).toBe(5);
  });
});

describe('totals and the budget', () => {
  const lines = [
    costLine(input({ address: 'source.a.table.x', warehouse_table: 'x', syncedRows: 100 })),
    costLine(input({ address: 'source.a.table.y', warehouse_table: 'y', discoveredRows: 10 })),
    costLine(input({ address: 'source.a.table.z', warehouse_table: 'z' })),
  ];

  it('adds the known figures and counts the rest', () => {
    const cost = summariseCost(lines, null);
    expect(cost).toMatchObject({ known_rows_per_month: 3_300, unestimated_tables: 1, current_known_rows_per_month: 0, max_rows_per_month: null, over_budget: false });
    expect(budgetExceeded(cost)).toBeNull();
  });

  it('a total equal to the budget is within it; one row more is over', () => {
    expect(summariseCost(lines, 3_300).over_budget).toBe(false);
    const over = summariseCost(lines, 3_299);
    expect(over.over_budget).toBe(true);
    const exceeded = budgetExceeded(over)!;
    expect(exceeded.largest.warehouse_table).toBe('x');
    expect(exceeded.message).toBe(
      'The plan syncs about 3,300 rows a month, over the budget of 3,299 (--max-rows-per-month). Largest: x 3,000, y 300. 1 more table could not be estimated and is not counted.',
    );
  });
});

describe('the planner', () => {
  const existing = remote('src-1', 'Postgres', 'shop_', [
    schema('orders', { sync_type: 'incremental', incremental_field: 'updated_at', incremental_field_type: 'timestamp', sync_frequency: '1hour', table: { row_count: 1_000 } }),
    schema('users', { sync_type: 'full_refresh', sync_frequency: '24hour', table: { row_count: 2_000 } }),
    schema('audit_log', { sync_type: 'full_refresh', sync_frequency: '24hour', table: { row_count: 50 } }),
  ]);
  const jobs = history([['orders', 3 * DAY, 1_000], ['orders', 2 * DAY, 40], ['orders', DAY, 20]]);
  const scenario = (maxRowsPerMonth: number | null = null) =>
    planScenario({
      yaml: SHOP_YAML,
      remoteSources: [existing],
      sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG, remote: existing, jobs } },
      maxRowsPerMonth,
    });

  it('shows each table now and after: observed rate, row_count × syncs, and a disabled table dropping to 0', () => {
    const cost = scenario().cost;
    const by = Object.fromEntries(cost.tables.map((t) => [t.warehouse_table, [t.current_rows_per_month, t.rows_per_month, t.unestimated_reason]]));
    expect(by).toEqual({
      shop_postgres_audit_log: [1_500, 0, null],
      shop_postgres_events: [0, null, 'no-history'],
      shop_postgres_orders: [600, 600, null],
      shop_postgres_users: [60_000, 60_000, null],
    });
    expect(cost).toMatchObject({ known_rows_per_month: 60_600, current_known_rows_per_month: 62_100, unestimated_tables: 1 });
  });

  it('--max-rows-per-month: within budget no diagnostic; over it an error at the largest table', () => {
    expect(scenario(60_600).diagnostics.map((d) => d.code)).not.toContain('rows-budget-exceeded');
    const plan = scenario(60_599);
    const budget = plan.diagnostics.filter((d) => d.code === 'rows-budget-exceeded');
    expect(budget).toHaveLength(1);
    expect(budget[0]).toMatchObject({ severity: 'error', path: '/sources/shop_db/tables/users' });
    expect(plan.applyable).toBe(false);
  });

  it('the small-table rule uses the synced row count', () => {
    const small = remote('src-1', 'Postgres', 'shop_', [schema('users', { sync_type: 'incremental', incremental_field: 'updated_at', table: { row_count: 12 } })]);
    const plan = planScenario({
      yaml: SHOP_YAML.replace(/      orders:[\s\S]*?      users:\n        sync: full_refresh\n/, '      users:\n        sync: full_refresh\n').replace(/      events:\n        sync: cdc\n/, ''),
      remoteSources: [small],
      sources: { shop_db: { discovery: { ok: true, tables: [table('users', { fields: [['id', 'integer']] })] }, resolvedConfig: SHOP_CONFIG, remote: small } },
    });
    expect(plan.diagnostics.filter((d) => d.code === 'recommended-sync')).toEqual([]);
    expect(plan.cost.tables[0]).toMatchObject({ rows: 12, rows_origin: 'synced', rows_per_month: 360 });
  });
});

describe('blocked sources', () => {
  it('a source whose credentials PostHog refused is listed with the reason and its tables', () => {
    const plan = planScenario({ yaml: SHOP_YAML, sources: { shop_db: { discovery: { ok: false, message: 'password authentication failed' }, resolvedConfig: SHOP_CONFIG } } });
    expect(plan.blocked).toEqual([
      { source: 'shop_db', source_type: 'Postgres', codes: ['credentials-rejected'], reason: expect.stringContaining('password authentication failed'), tables: ['events', 'orders', 'users'] },
    ]);
    expect(plan.changes).toEqual([]);
  });

  it('a planned source is not blocked by a table error', () => {
    const plan = planScenario({ yaml: SHOP_YAML.replace('incremental_field: updated_at', 'incremental_field: nope'), sources: { shop_db: { discovery: { ok: true, tables: SHOP_TABLES }, resolvedConfig: SHOP_CONFIG } } });
    expect(plan.diagnostics.map((d) => d.code)).toContain('incremental-field-invalid');
    expect(plan.blocked).toEqual([]);
  });
});
