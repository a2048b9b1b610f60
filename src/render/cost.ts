import type { BlockedSource, CostEstimate, CostLine } from '../plan/types.js';
import { hasRowEstimator } from '../estimate/estimators.js';
import { htmlText, markdownCell, markdownText } from '../sanitize.js';
import { sourceModule } from '../sources/index.js';
import { plural } from './style.js';

/**
 * Rows per month and blocked sources, as the plan renderers show them. Pure; strings are sanitised by the
 * caller (text) or here (markdown).
 */

/** Tables listed one per line before the listing is cut short (JSON always has every table). */
export const COST_LINES_SHOWN = 15;

function rows(value: number): string {
  return value.toLocaleString('en-US');
}

const ORIGIN: Record<NonNullable<CostLine['rows_origin']>, string> = {
  synced: '',
  discovered: '',
  estimate: ' (estimate)',
  counted: ' (counted)',
};

/** Why a table has no figure, in words that name what PostHog counts for its type. */
export function unestimatedText(line: CostLine): string {
  switch (line.unestimated_reason) {
    case 'rows-unknown':
      return `rows unknown: ${sourceModule(line.source_type).countsRows === false ? `PostHog does not count ${line.source_type} rows before the table syncs` : 'PostHog reported no row count for it'}${hasRowEstimator(line.source_type) ? ' (plan --count-rows estimates them)' : ''}`;
    case 'webhook':
      return `rows arrive by webhook as ${line.source_type} sends them`;
    case 'new-method':
      return `billed by the rows ${line.sync_type} imports; no sync history with it yet`;
    default:
      // A table that does not sync yet has no jobs at all; one that does needs two of them a day apart.
      return line.current_rows_per_month === 0
        ? `billed by the rows ${line.sync_type} imports; no sync history yet (the first sync imports the whole table once)`
        : `billed by the rows ${line.sync_type} imports; needs a day of sync history`;
  }
}

/** One table's figure: `about 32 rows a month (8 rows × 4 full refreshes)`. */
export function figure(line: CostLine): string {
  if (line.rows_per_month === null) return `not estimated: ${unestimatedText(line)}`;
  const now = line.current_rows_per_month !== null && line.current_rows_per_month > 0 && line.current_rows_per_month !== line.rows_per_month ? `; now ${rows(line.current_rows_per_month)}` : '';
  switch (line.rows_per_month_basis) {
    case 'observed':
      return `about ${rows(line.rows_per_month)} rows a month (rows synced over the last 30 days)${now}`;
    case 'not-syncing':
      return `0 rows a month (not synced)${now}`;
    default:
      // rows × syncs (also a plan saved by an older dwctl, whose lines carry no basis)
      return `about ${rows(line.rows_per_month)} rows a month (${rows(line.rows ?? 0)} rows${line.rows_origin ? ORIGIN[line.rows_origin] : ''} × ${plural(line.syncs_per_month, 'full refresh', 'full refreshes')})${now}`;
  }
}

/** The total: after apply, now, what is missing, and the budget. */
export function totalSentence(cost: CostEstimate): string {
  const known = cost.tables.length - cost.unestimated_tables;
  const parts = [
    known > 0
      ? `Total: about ${rows(cost.known_rows_per_month)} rows a month after apply (now about ${rows(cost.current_known_rows_per_month ?? 0)})${cost.includes_estimates ? ', partly from --count-rows estimates' : ''}`
      : 'Total: no estimate yet',
  ];
  if (cost.unestimated_tables > 0) parts.push(`${plural(cost.unestimated_tables, 'table')} not estimated`);
  if (cost.max_rows_per_month != null) {
    // A gate that passes only because nothing could be counted must not read as a pass.
    const verdict = cost.over_budget
      ? 'exceeded'
      : cost.unestimated_tables > 0
        ? `within for the tables estimated; the ${plural(cost.unestimated_tables, 'table')} not estimated ${cost.unestimated_tables === 1 ? 'is' : 'are'} not counted`
        : 'within';
    parts.push(`budget ${rows(cost.max_rows_per_month)} (--max-rows-per-month): ${verdict}`);
  }
  return `${parts.join('; ')}.`;
}

/** The text block: a line per table (at most COST_LINES_SHOWN), then the total. */
export function costTextLines(cost: CostEstimate): string[] {
  if (cost.tables.length === 0) return [];
  const width = Math.min(40, Math.max(...cost.tables.map((t) => t.warehouse_table.length)));
  const out = ['Rows per month (PostHog bills the rows it syncs):'];
  for (const line of cost.tables.slice(0, COST_LINES_SHOWN)) out.push(`  ${line.warehouse_table.padEnd(width)}  ${figure(line)}`);
  if (cost.tables.length > COST_LINES_SHOWN) out.push(`  … ${plural(cost.tables.length - COST_LINES_SHOWN, 'more table')} (plan --format json lists each)`);
  out.push(totalSentence(cost));
  return out;
}

/** The markdown block: the total, and a folded table per table. */
export function costMarkdown(cost: CostEstimate, budget: number): string {
  if (cost.tables.length === 0) return `${markdownText(totalSentence(cost))}\n`;
  const head = `<details><summary>${htmlText(`Rows per month. ${totalSentence(cost)}`)}</summary>\n\n| Table | Sync | Now | After apply |\n| --- | --- | ---: | --- |\n`;
  const lines: string[] = [];
  let size = head.length;
  for (const [index, t] of cost.tables.entries()) {
    const row = `| ${markdownCell(t.warehouse_table)} | ${markdownCell(`${t.sync_type} ${t.sync_frequency}`)} | ${t.current_rows_per_month === null ? '?' : rows(t.current_rows_per_month)} | ${markdownText(figure({ ...t, current_rows_per_month: null }))} |`;
    if (size + row.length > budget) {
      lines.push(`| _${plural(cost.tables.length - index, 'more table')}: see \`plan --format json\`_ | | | |`);
      break;
    }
    lines.push(row);
    size += row.length + 1;
  }
  return `${head}${lines.join('\n')}\n</details>\n`;
}

/** Text lines for a blocked source, under its heading. */
export function blockedTextLines(blocked: BlockedSource): string[] {
  return [
    `  ✖ blocked (${blocked.codes.join(', ')}): ${blocked.reason}`,
    ...(blocked.tables.length > 0 ? [`      not planned: ${blocked.tables.length <= 8 ? blocked.tables.join(', ') : `${blocked.tables.slice(0, 8).join(', ')}, …`}`] : []),
  ];
}

/** The markdown list of blocked sources. */
export function blockedMarkdown(blocked: readonly BlockedSource[]): string[] {
  if (blocked.length === 0) return [];
  return [
    `**${plural(blocked.length, 'source')} blocked, not planned:**`,
    '',
    ...blocked.map((b) => `- ${markdownCell(b.source)} (${markdownText(b.source_type)}, ${plural(b.tables.length, 'table')}): ${b.codes.map((c) => `\`${c}\``).join(', ')} ${markdownText(b.reason)}`),
    '',
  ];
}
