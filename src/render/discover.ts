import { hasRowEstimator } from '../estimate/estimators.js';
import type { TableSummary } from '../plan/discover.js';
import type { Renderer } from './options.js';
import { jsonSafe, neutraliseWorkflowCommands, terminalSafe } from '../sanitize.js';
import { plural, style } from './style.js';

export interface DiscoverResult {
  source: string;
  source_type: string;
  prefix: string;
  tables: TableSummary[];
  /** Present with `--count-rows`: what could not be estimated, one line each. */
  row_estimate_warnings?: string[];
}

export const DISCOVER_FORMATS = ['text', 'json'] as const;
export type DiscoverFormat = (typeof DISCOVER_FORMATS)[number];

const renderText: Renderer<DiscoverResult> = (untrusted, options) => {
  // Table and field names and problems come from the source's database, through PostHog: shown escaped.
  const result = terminalSafe(untrusted);
  const s = style(options.color);
  const out: string[] = [s.bold(`${result.source} (${result.source_type}): ${plural(result.tables.length, 'table')} discovered`), ''];
  const rows = result.tables.map((t) => ({
    table: t.table,
    warehouse: t.warehouse_table,
    rows: t.rows === null ? 'unknown' : `${t.rows_estimated ? '~' : ''}${t.rows.toLocaleString('en-US')}`,
    sync: t.sync_types.join(', '),
    fields: t.incremental_fields.map((f) => `${f.field} (${f.type})`).join(', ') || '-',
    keys: t.primary_key?.join(', ') || '-',
    recommended: `${t.recommended.sync}${t.recommended.incremental_field ? ` on ${t.recommended.incremental_field}` : ''}`,
    declared: t.declared ?? '-',
  }));
  const headers = { table: 'TABLE', warehouse: 'WAREHOUSE TABLE', rows: 'ROWS', sync: 'SYNC TYPES', fields: 'INCREMENTAL FIELDS', keys: 'PRIMARY KEY', recommended: 'RECOMMENDED', declared: 'DECLARED' };
  const columns = Object.keys(headers) as (keyof typeof headers)[];
  // Sync types and warehouse names are never cut (one is short, the other is what HogQL queries use); long candidate lists are.
  const cap = (c: keyof typeof headers) => (c === 'sync' || c === 'warehouse' ? Infinity : 40);
  const width = Object.fromEntries(columns.map((c) => [c, Math.min(cap(c), Math.max(headers[c].length, ...rows.map((r) => r[c].length)))])) as Record<keyof typeof headers, number>;
  const cut = (text: string, w: number) => (text.length > w ? `${text.slice(0, w - 1)}…` : text.padEnd(w));
  out.push(s.dim(columns.map((c) => cut(headers[c], width[c])).join('  ').trimEnd()));
  for (const r of rows) out.push(columns.map((c) => cut(r[c], width[c])).join('  ').trimEnd());
  const problems = result.tables.filter((t) => t.problems.length > 0);
  if (problems.length > 0) {
    out.push('', s.yellow('Problems:'));
    for (const t of problems) for (const p of t.problems) out.push(`  ${t.table}: ${p}`);
  }
  // One line per distinct reason (42 Stripe tables share a handful), tables in the table's order.
  const byReason = new Map<string, string[]>();
  for (const t of result.tables) byReason.set(t.recommended.reason, [...(byReason.get(t.recommended.reason) ?? []), t.table]);
  out.push('', 'Why these recommendations (docs/recommendations.md):');
  for (const [reason, tables] of byReason) out.push(s.dim(`  ${tables.join(', ')}: ${reason}`));
  if (result.tables.some((t) => t.rows_estimated)) out.push('', '~ rows are estimates from the database\'s own statistics (--count-rows), not PostHog\'s count.');
  if (result.row_estimate_warnings?.length) {
    out.push('', s.yellow('Row estimates:'));
    for (const w of result.row_estimate_warnings) out.push(`  ${w}`);
  }
  const unknown = result.tables.filter((t) => t.rows === null).length;
  if (unknown > 0) {
    const hint = hasRowEstimator(result.source_type) && result.row_estimate_warnings === undefined ? ` Estimate them from the database with: dwctl discover ${result.source} --count-rows` : '';
    out.push('', `Rows unknown for ${plural(unknown, 'table')}: PostHog does not count rows for ${result.source_type} sources.${hint}`);
  }
  // Suggest tables the file does not declare yet (adding a declared one does nothing).
  const undeclared = result.tables.filter((t) => t.declared === null);
  out.push('', `Rows synced are billed: add only what you need, e.g. dwctl discover ${result.source} --add ${undeclared.slice(0, 2).map((t) => t.table).join(' ') || 'TABLE'}`);
  return neutraliseWorkflowCommands(out.join('\n') + '\n');
};

export const discoverRenderers = {
  text: renderText,
  json: (result) => jsonSafe(JSON.stringify({ format_version: 1, ...result }, null, 2) + '\n'),
} satisfies Record<DiscoverFormat, Renderer<DiscoverResult>>;
