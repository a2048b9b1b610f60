import { describe, expect, it } from 'vitest';
import { costLine, summariseCost, type CostInput } from '../../src/plan/cost.js';
import { costInput } from '../helpers/plan-fixtures.js';
import { blockedMarkdown, costMarkdown, costTextLines, COST_LINES_SHOWN } from '../../src/render/cost.js';

/** A Stripe table's cost line. */
function line(overrides: Partial<CostInput>) {
  return costLine(costInput({ address: 'source.billing.table.Product', warehouse_table: 'billing_stripe_product', source_type: 'Stripe', ...overrides }));
}

describe('cost rendering', () => {
  it('per-type wording: a Stripe-only plan never says PostHog does not count Postgres rows', () => {
    const text = costTextLines(summariseCost([line({}), line({ address: 'source.billing.table.Charge', warehouse_table: 'billing_stripe_charge', planned: { should_sync: true, sync_type: 'webhook', sync_frequency: '24hour' } })], null)).join('\n');
    expect(text).toContain('rows unknown: PostHog does not count Stripe rows before the table syncs');
    expect(text).toContain('rows arrive by webhook as Stripe sends them');
    expect(text).not.toContain('Postgres');
    expect(text).not.toContain('--count-rows');
  });

  it('a budget that nothing could be counted against does not read as a pass', () => {
    const unknown = costTextLines(summariseCost([line({ source_type: 'Postgres', warehouse_table: 'shop_postgres_users' })], 10)).join('\n');
    expect(unknown).toContain('budget 10 (--max-rows-per-month): within for the tables estimated; the 1 table not estimated is not counted.');
    expect(unknown).not.toMatch(/: within\./);
    const known = costTextLines(summariseCost([line({ syncedRows: 2 })], 100)).join('\n');
    expect(known).toMatch(/budget 100 \(--max-rows-per-month\): within\./);
  });

  it('Postgres rows unknown point at plan --count-rows', () => {
    const text = costTextLines(summariseCost([line({ source_type: 'Postgres', warehouse_table: 'shop_postgres_users' })], null)).join('\n');
    expect(text).toContain('PostHog does not count Postgres rows before the table syncs (plan --count-rows estimates them)');
  });

  it('lists at most COST_LINES_SHOWN tables in text, then says how many more', () => {
    const many = Array.from({ length: COST_LINES_SHOWN + 3 }, (_, i) => line({ address: `source.b.table.t${String(i).padStart(2, '0')}`, warehouse_table: `t${i}`, syncedRows: 1 }));
    const text = costTextLines(summariseCost(many, null));
    expect(text.filter((l) => l.startsWith('  t'))).toHaveLength(COST_LINES_SHOWN);
    expect(text).toContain('  … 3 more tables (plan --format json lists each)');
    expect(text.at(-1)).toBe(`Total: about ${(30 * many.length).toLocaleString('en-US')} rows a month after apply (now about 0).`);
  });

  it('markdown escapes hostile table names and stays within its budget', () => {
    const hostile = line({ warehouse_table: 'x|<img src=y>`@everyone', syncedRows: 5 });
    const md = costMarkdown(summariseCost([hostile], 10), 5_000);
    // Inside a code span (longer fence than any backtick run, pipes escaped) nothing is markup or a mention.
    expect(md).toContain('| ``x\\|<img src=y>`@everyone`` |');
    expect(md).toContain('budget 10 (--max-rows-per-month): exceeded');
    const small = costMarkdown(summariseCost(Array.from({ length: 50 }, (_, i) => line({ address: `source.b.table.t${i}`, warehouse_table: `t${i}` })), null), 400);
    expect(small.length).toBeLessThan(1_200);
    expect(small).toMatch(/more tables: see `plan --format json`/);
  });

  it('blocked sources in markdown: name as code, reason escaped', () => {
    const md = blockedMarkdown([{ source: 'shop_db', source_type: 'Postgres', codes: ['credentials-rejected'], reason: 'see https://evil.example [x](y)', tables: ['a'] }]).join('\n');
    expect(md).toContain('- `shop_db` (Postgres, 1 table): `credentials-rejected` ');
    expect(md).not.toContain('[x](y)');
  });
});
