/**
 * Rows per month from PostHog's own numbers, end to end over the emulator and PGlite (issue 12): the synced
 * table's row_count (API.md §2.4) and the job history (GET {id}/jobs/, API.md §2.12), one jobs request per
 * existing source; the --max-rows-per-month budget gate on both sides of N; blocked sources listed.
 */
import { describe, expect, it } from 'vitest';
import { runChecked, shopFile, useWorld } from '../helpers/world.js';

const world = useWorld({ syncDurationMs: 50 }, { resetEach: false });

const YAML = shopFile(`      countries: { sync: full_refresh, sync_frequency: 7day }
      orders: { sync: xmin, sync_frequency: 1hour }
`);
const DAY = 86_400_000;

interface CostJson {
  cost: {
    tables: { warehouse_table: string; rows: number | null; rows_origin: string | null; rows_per_month: number | null; rows_per_month_basis: string | null; current_rows_per_month: number | null; unestimated_reason: string | null }[];
    known_rows_per_month: number;
    current_known_rows_per_month: number;
    max_rows_per_month: number | null;
    over_budget: boolean;
  };
  diagnostics: { code: string }[];
}

function lines(plan: CostJson) {
  return plan.cost.tables.map((t) => [t.warehouse_table, t.rows, t.rows_origin, t.current_rows_per_month, t.rows_per_month, t.rows_per_month_basis ?? t.unestimated_reason]);
}

describe('rows per month', () => {
  it('before the first sync: rows unknown (PostHog does not count Postgres rows); --count-rows counts them', async () => {
    await world.write(YAML);
    const plain = JSON.parse((await runChecked(world, ['plan', '--format', 'json'])).stdout) as CostJson;
    expect(lines(plain)).toEqual([
      ['shop_postgres_countries', null, null, 0, null, 'rows-unknown'],
      ['shop_postgres_orders', null, null, 0, null, 'no-history'],
    ]);
    const counted = await runChecked(world, ['plan', '--count-rows']);
    expect(counted.exitCode).toBe(0);
    expect(counted.out).toContain('shop_postgres_countries  about 32 rows a month (8 rows (estimate) × 4 full refreshes)');
    expect(counted.out).toContain('shop_postgres_orders     not estimated: billed by the rows xmin imports; no sync history yet (the first sync imports the whole table once)');
  });

  it('after the first sync: the synced row count × syncs; one jobs request per existing source', async () => {
    await world.write(YAML);
    expect((await runChecked(world, ['apply', '--yes', '--wait', '--timeout', '30s'])).exitCode).toBe(0);
    world.emulator.requests.length = 0;
    const result = await runChecked(world, ['plan']);
    expect(result.out).toContain(
      [
        'Rows per month (PostHog bills the rows it syncs):',
        '  shop_postgres_countries  about 32 rows a month (8 rows × 4 full refreshes)',
        '  shop_postgres_orders     not estimated: billed by the rows xmin imports; needs a day of sync history',
        'Total: about 32 rows a month after apply (now about 32); 1 table not estimated.',
      ].join('\n'),
    );
    expect(world.emulator.requests.filter((r) => r.path.includes('/jobs/')).map((r) => r.method)).toEqual(['GET']);
  });

  it('with 30 days of job history: the observed rate for xmin; a frequency change shows now and after', async () => {
    // History that would take days to make: the first job of orders moved two days back, one more a day ago.
    const orders = [...world.emulator.state.schemas.values()].find((s) => s.name === 'orders' && !s.deleted)!;
    const first = world.emulator.state.jobs.find((j) => j.schemaId === orders.id)!;
    first.createdAt = new Date(Date.now() - 2 * DAY).toISOString();
    world.emulator.state.jobs.push({ ...first, id: 'job-later', createdAt: new Date(Date.now() - DAY).toISOString(), rowsSynced: 10 });
    await world.write(YAML.replace('countries: { sync: full_refresh, sync_frequency: 7day }', 'countries: { sync: full_refresh, sync_frequency: 24hour }'));
    const plan = JSON.parse((await runChecked(world, ['plan', '--format', 'json'])).stdout) as CostJson;
    expect(lines(plan)).toEqual([
      ['shop_postgres_countries', 8, 'synced', 32, 240, 'rows-times-syncs'],
      ['shop_postgres_orders', 40, 'synced', 150, 150, 'observed'],
    ]);
    expect(plan.cost).toMatchObject({ known_rows_per_month: 390, current_known_rows_per_month: 182 });
  });

  it('--max-rows-per-month: a total equal to N passes (exit 0); N − 1 fails (exit 1, rows-budget-exceeded) in text, markdown and JSON', async () => {
    const within = await runChecked(world, ['plan', '--max-rows-per-month', '390']);
    expect(within.exitCode).toBe(0);
    expect(within.out).toContain('Total: about 390 rows a month after apply (now about 182); budget 390 (--max-rows-per-month): within.');
    const over = await runChecked(world, ['plan', '--max-rows-per-month', '389']);
    expect(over.exitCode).toBe(1);
    expect(over.out).toContain(
      'error rows-budget-exceeded The plan syncs about 390 rows a month, over the budget of 389 (--max-rows-per-month). Largest: shop_postgres_countries 240, shop_postgres_orders 150.',
    );
    const markdown = await runChecked(world, ['plan', '--format', 'markdown', '--max-rows-per-month', '389']);
    expect(markdown.exitCode).toBe(1);
    expect(markdown.out).toContain('<details><summary>Rows per month. Total: about 390 rows a month after apply (now about 182); budget 389 (--max-rows-per-month): exceeded.</summary>');
    expect(markdown.out).toContain('| `shop_postgres_countries` | `full_refresh 24hour` | 32 | about 240 rows a month (8 rows × 30 full refreshes) |');
    const json = JSON.parse((await runChecked(world, ['plan', '--format', 'json', '--max-rows-per-month', '389'])).stdout) as CostJson;
    expect(json.cost).toMatchObject({ max_rows_per_month: 389, over_budget: true });
    expect(json.diagnostics.map((d) => d.code)).toContain('rows-budget-exceeded');
  });

  it.each(['ten', '5e6', '1.5', ''])('--max-rows-per-month %j is a usage error (exit 3)', async (value) => {
    const result = await runChecked(world, ['plan', '--max-rows-per-month', value]);
    expect(result.exitCode).toBe(3);
    expect(result.err).toContain('--max-rows-per-month takes a whole number of rows');
  });
});

describe('blocked sources', () => {
  it('a source with a missing secret is listed with its reason in text, markdown and JSON', async () => {
    await world.write(YAML.replace('${SHOP_DB_PASSWORD}', '${NOT_SET_PASSWORD}'));
    const text = await runChecked(world, ['plan']);
    expect(text.exitCode).toBe(1);
    expect(text.out).toContain('source shop_db (Postgres)\n  ✖ blocked (missing-secret): ${NOT_SET_PASSWORD}');
    expect(text.out).toContain('      not planned: countries, orders');
    const markdown = await runChecked(world, ['plan', '--format', 'markdown']);
    expect(markdown.out).toContain('**1 source blocked, not planned:**');
    expect(markdown.out).toMatch(/- `shop_db` \(Postgres, 2 tables\): `missing-secret` /);
    const json = JSON.parse((await runChecked(world, ['plan', '--format', 'json'])).stdout) as { blocked: unknown[] };
    expect(json.blocked).toEqual([{ source: 'shop_db', source_type: 'Postgres', codes: ['missing-secret'], reason: expect.stringContaining('${NOT_SET_PASSWORD}'), tables: ['countries', 'orders'] }]);
  });
});
