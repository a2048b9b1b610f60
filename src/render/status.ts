import type { Renderer } from './options.js';
import { jsonSafe, neutraliseWorkflowCommands, terminalSafe } from '../sanitize.js';
import { style } from './style.js';
import type { WebhookHealth } from '../sources/webhooks.js';

export interface StatusTable {
  table: string;
  warehouse_table: string;
  should_sync: boolean;
  sync_type: string | null;
  sync_frequency: string | null;
  status: string | null;
  last_synced_at: string | null;
  rows: number | null;
  latest_error: string | null;
}

export type { WebhookHealth } from '../sources/webhooks.js';

export interface StatusSource {
  name: string;
  declared: boolean;
  source_type: string;
  prefix: string | null;
  remote_id: string | null;
  status: string | null;
  tables: StatusTable[];
  /** Present for sources with tables synced by webhook. */
  webhook?: WebhookHealth;
}

export interface StatusReport {
  format_version: 1;
  sources: StatusSource[];
}

export const STATUS_FORMATS = ['text', 'json'] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

const renderText: Renderer<StatusReport> = (untrusted, options) => {
  // Source and table names, prefixes, statuses and latest_error come from PostHog: shown escaped, one line each.
  const report = terminalSafe(untrusted);
  const s = style(options.color);
  const out: string[] = [];
  for (const source of report.sources) {
    const head = `${source.name} (${source.source_type}${source.prefix ? `, prefix ${source.prefix}` : ''})`;
    if (!source.remote_id) {
      out.push(`${s.bold(head)}: not created yet (run dwctl plan)`, '');
      continue;
    }
    out.push(`${s.bold(head)}: ${colourStatus(s, source.status)}${source.declared ? '' : s.dim(' (not declared in the file)')}`);
    // Tables that do not sync are noise in a status view; JSON keeps them all.
    const synced = source.tables.filter((t) => t.should_sync || t.status !== null);
    const idle = source.tables.length - synced.length;
    const rows = synced.map((t) => [
      t.warehouse_table,
      t.should_sync ? 'on' : 'off',
      t.sync_type ?? '-',
      t.sync_frequency ?? 'never',
      t.status ?? '-',
      t.last_synced_at ? t.last_synced_at.replace('T', ' ').replace(/\.\d+/, '').replace(/Z$|\+00:00$/, ' UTC') : 'never',
      t.rows === null ? '-' : t.rows.toLocaleString('en-US'),
    ]);
    const headers = ['TABLE', 'SYNC', 'TYPE', 'FREQUENCY', 'STATUS', 'LAST SYNCED', 'ROWS'];
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    out.push(`  ${s.dim(headers.map((h, i) => h.padEnd(widths[i]!)).join('  ').trimEnd())}`);
    for (const [i, r] of rows.entries()) {
      const line = r.map((c, j) => (j === 4 ? colourStatus(s, c) + ' '.repeat(Math.max(0, widths[j]! - c.length)) : c.padEnd(widths[j]!))).join('  ').trimEnd();
      out.push(`  ${line}`);
      const error = synced[i]!.latest_error;
      if (error) out.push(`    ${s.red(`error: ${error}`)}`);
    }
    if (idle > 0) out.push(s.dim(`  ${idle === 1 ? '1 more table is' : `${idle} more tables are`} not synced.`));
    if (source.webhook) out.push(...webhookLines(s, source.webhook));
    out.push('');
  }
  if (report.sources.length === 0) out.push('No sources.');
  return neutraliseWorkflowCommands(out.join('\n') + '\n');
};

/** At most this many missing events are named in the text view (JSON lists them all). */
const EVENTS_SHOWN = 5;

/** The webhook's health as text, indented under its source; `plan` shows the same lines (render/plan.ts). */
export function webhookLines(s: ReturnType<typeof style>, webhook: WebhookHealth): string[] {
  if (webhook.problems.length === 0) {
    // PostHog could not read the endpoint at the provider: its events are unknown, not "every event subscribed".
    if (webhook.external_error) return [`  webhook: ${s.green('healthy')}: enabled, no input pending; ${s.dim(`events not checked (PostHog cannot read the endpoint at the provider: ${webhook.external_error})`)}`];
    return [`  webhook: ${s.green('healthy')}: enabled, every event subscribed, no input pending`];
  }
  const lines = [`  webhook: ${s.red(webhook.problems.join('; '))}`];
  if (webhook.missing_events.length > 0) {
    const shown = webhook.missing_events.slice(0, EVENTS_SHOWN).join(', ');
    const more = webhook.missing_events.length > EVENTS_SHOWN ? `, and ${webhook.missing_events.length - EVENTS_SHOWN} more (--format json lists them)` : '';
    lines.push(`    missing events: ${shown}${more}`);
  }
  if (webhook.url) lines.push(s.dim(`    url: ${webhook.url}`));
  return lines;
}

function colourStatus(s: ReturnType<typeof style>, status: string | null): string {
  if (!status) return '-';
  if (status === 'Completed') return s.green(status);
  if (status === 'Failed' || status.startsWith('Billing')) return s.red(status);
  if (status === 'Running') return s.yellow(status);
  return status;
}

export const statusRenderers = {
  text: renderText,
  json: (report: StatusReport) => jsonSafe(JSON.stringify(report, null, 2) + '\n'),
} satisfies Record<StatusFormat, Renderer<StatusReport>>;
