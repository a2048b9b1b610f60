import type { SyncFrequency } from '../wizard/catalog.js';
import { compareNames } from '../config/desired.js';
import type { RowCount } from './recommend.js';
import { SYNCS_PER_MONTH } from './recommend.js';
import type { JobHistory } from './observed.js';
import type { CostEstimate, CostLine, RowsBasis, RowsOrigin } from './types.js';

/**
 * Rows per month from PostHog's own numbers (issue 12). Pure: observe reads the numbers, this turns them
 * into a figure per table, now and after the plan, and the planner adds them up.
 *
 * - A full refresh imports the whole table on every sync: rows × syncs per month. The rows are the synced
 *   table's `row_count` (API.md §2.4), else what discovery reports, else an estimate (`--count-rows`).
 * - Incremental, append, xmin and CDC import what changed: the rate observed in the source's job history
 *   (`rows_synced` of `GET {id}/jobs/`, API.md §2.12) over the last 30 days, when the table already syncs
 *   by the same method. A change of method has no history to go by, so it stays unestimated.
 * - Webhook tables receive rows as the provider sends them: PostHog runs no jobs to count, unestimated.
 */

/** How far back plan reads the job history. */
export const HISTORY_DAYS = 30;
const DAY_MS = 86_400_000;
const MONTH_MS = 30 * DAY_MS;
/** Less history than this is too little to extrapolate a month from (one hourly run would pass for 720). */
export const MIN_HISTORY_MS = DAY_MS;
/** PostHog's jobs action returns at most this many runs (API.md §2.12). */
export const JOBS_PAGE_LIMIT = 50;

/** The start of the history window for a plan read at `now`. */
export function historySince(now: number): string {
  return new Date(now - HISTORY_DAYS * DAY_MS).toISOString();
}

/**
 * Rows a month at the rate observed for one table: the rows synced by its runs after the first one in the
 * window, over the time since that first run (the first run's rows happened before the span began; when
 * the source is new it is the initial load, which is not a monthly cost). Null with fewer than two runs
 * or less than a day of history.
 */
export function observedRowsPerMonth(history: JobHistory | undefined, table: string): number | null {
  if (!history) return null;
  const runs = history.runs
    .filter((r) => r.table === table)
    .map((r) => ({ at: Date.parse(r.created_at), rows: r.rows_synced }))
    .filter((r) => Number.isFinite(r.at))
    .sort((a, b) => a.at - b.at);
  if (runs.length < 2) return null;
  const span = Date.parse(history.read_at) - runs[0]!.at;
  if (!(span >= MIN_HISTORY_MS)) return null;
  const rows = runs.slice(1).reduce((sum, r) => sum + r.rows, 0);
  return Math.round((rows * MONTH_MS) / Math.min(span, MONTH_MS));
}

/** How a table syncs, before or after the plan. */
export interface SyncSetting {
  should_sync: boolean;
  sync_type: string | null;
  sync_frequency: SyncFrequency | null;
}

export interface CostInput {
  address: string;
  warehouse_table: string;
  source_type: string;
  /** What PostHog holds now; null for a table PostHog has no schema row for. */
  current: SyncSetting | null;
  planned: SyncSetting;
  /** The synced table's row count (`table.row_count`), null before the first sync. */
  syncedRows: number | null;
  /** Rows reported by discovery (null where PostHog does not count them). */
  discoveredRows: number | null;
  /** `--count-rows` estimate. */
  estimatedRows: RowCount | null;
  /** Rows a month observed in the job history (see observedRowsPerMonth). */
  observed: number | null;
}

/** The best row count known for a table, and where it came from. */
export function bestRows(input: Pick<CostInput, 'syncedRows' | 'discoveredRows' | 'estimatedRows'>): { rows: number | null; origin: RowsOrigin | null } {
  if (input.syncedRows !== null) return { rows: input.syncedRows, origin: 'synced' };
  if (input.discoveredRows !== null) return { rows: input.discoveredRows, origin: 'discovered' };
  if (input.estimatedRows) return { rows: input.estimatedRows.value, origin: input.estimatedRows.estimate ? 'estimate' : 'counted' };
  return { rows: null, origin: null };
}

/** The row count as a RowCount for the recommendation engine (its small-table rule). */
export function rowCountFor(input: Pick<CostInput, 'syncedRows' | 'discoveredRows' | 'estimatedRows'>): RowCount | null {
  const { rows, origin } = bestRows(input);
  return rows === null ? null : { value: rows, estimate: origin === 'estimate' };
}

function monthly(setting: SyncSetting | null, rows: number | null, observed: number | null, sameMethod: boolean): { value: number | null; basis: RowsBasis | null } {
  if (!setting || !setting.should_sync || !setting.sync_type) return { value: 0, basis: 'not-syncing' };
  const syncs = SYNCS_PER_MONTH[setting.sync_frequency ?? 'never'] ?? 0;
  if (syncs === 0 && setting.sync_type !== 'webhook' && setting.sync_type !== 'cdc') return { value: 0, basis: 'not-syncing' };
  if (setting.sync_type === 'full_refresh') return rows === null ? { value: null, basis: null } : { value: rows * syncs, basis: 'rows-times-syncs' };
  if (setting.sync_type === 'webhook') return { value: null, basis: null };
  return sameMethod && observed !== null ? { value: observed, basis: 'observed' } : { value: null, basis: null };
}

/** One table's rows per month now and after the plan. */
export function costLine(input: CostInput): CostLine {
  const { rows, origin } = bestRows(input);
  const syncsPerMonth = SYNCS_PER_MONTH[input.planned.sync_frequency ?? 'never'] ?? 0;
  const current = monthly(input.current, rows, input.observed, true);
  const sameMethod = input.current?.sync_type === input.planned.sync_type && input.current?.should_sync === true;
  const planned = monthly(input.planned, rows, input.observed, sameMethod);
  return {
    address: input.address,
    warehouse_table: input.warehouse_table,
    source_type: input.source_type,
    sync_type: input.planned.sync_type ?? '',
    sync_frequency: input.planned.sync_frequency ?? 'never',
    rows,
    rows_origin: origin,
    syncs_per_month: input.planned.should_sync ? syncsPerMonth : 0,
    rows_per_month: planned.value,
    rows_per_month_basis: planned.basis,
    current_rows_per_month: current.value,
    observed_rows_per_month: input.observed,
    unestimated_reason: planned.value !== null ? null : unestimatedReason(input, rows, sameMethod),
  };
}

function unestimatedReason(input: CostInput, rows: number | null, sameMethod: boolean): CostLine['unestimated_reason'] {
  const type = input.planned.sync_type;
  if (type === 'full_refresh' && rows === null) return 'rows-unknown';
  if (type === 'webhook') return 'webhook';
  // A table that does not sync yet has no history of any method; one that switches method has none of the new one.
  return sameMethod || !input.current?.should_sync ? 'no-history' : 'new-method';
}

/** Totals over the tables, in address order. */
export function summariseCost(lines: readonly CostLine[], maxRowsPerMonth: number | null): CostEstimate {
  const tables = [...lines].sort((a, b) => compareNames(a.address, b.address));
  const known = tables.reduce((sum, t) => sum + (t.rows_per_month ?? 0), 0);
  return {
    tables,
    known_rows_per_month: known,
    unestimated_tables: tables.filter((t) => t.rows_per_month === null).length,
    current_known_rows_per_month: tables.reduce((sum, t) => sum + (t.current_rows_per_month ?? 0), 0),
    includes_estimates: tables.some((t) => t.rows_per_month !== null && t.rows_per_month > 0 && t.rows_per_month_basis === 'rows-times-syncs' && t.rows_origin === 'estimate'),
    max_rows_per_month: maxRowsPerMonth,
    over_budget: maxRowsPerMonth !== null && known > maxRowsPerMonth,
  };
}

/** The budget gate's message (plan --max-rows-per-month), naming the tables that cost most; null within budget. */
export function budgetExceeded(cost: CostEstimate): { message: string; largest: CostLine } | null {
  if (!cost.over_budget || cost.max_rows_per_month === null) return null;
  const costly = cost.tables.filter((t) => (t.rows_per_month ?? 0) > 0).sort((a, b) => b.rows_per_month! - a.rows_per_month! || compareNames(a.address, b.address));
  const top = costly.slice(0, 3).map((t) => `${t.warehouse_table} ${formatRows(t.rows_per_month!)}`);
  const n = cost.unestimated_tables;
  const unknown = n > 0 ? ` ${n} more table${n === 1 ? ' could not be estimated and is' : 's could not be estimated and are'} not counted.` : '';
  return {
    message: `The plan syncs about ${formatRows(cost.known_rows_per_month)} rows a month, over the budget of ${formatRows(cost.max_rows_per_month)} (--max-rows-per-month). Largest: ${top.join(', ')}.${unknown}`,
    largest: costly[0]!,
  };
}

export function formatRows(value: number): string {
  return value.toLocaleString('en-US');
}
