import type { ApplyResult, ChangeResult } from '../apply/apply.js';
import type { Plan, TableChange } from '../plan/types.js';
import type { Renderer } from './options.js';
import { jsonSafe, neutraliseWorkflowCommands, terminalSafe } from '../sanitize.js';
import { style } from './style.js';

export const APPLY_FORMATS = ['text', 'json'] as const;
export type ApplyFormat = (typeof APPLY_FORMATS)[number];

export interface ApplyReport {
  plan: Plan;
  result: ApplyResult;
  /** apply --wait followed the first syncs (their outcome is printed after this report). */
  waited?: boolean;
}

/** One progress line per change (stderr). */
export function progressLine(untrusted: ChangeResult, color: boolean): string {
  // PostHog's error texts and notes are shown escaped, on this one line.
  const result = terminalSafe(untrusted);
  const s = style(color);
  const mark = result.status === 'applied' ? s.green('✔') : result.status === 'failed' ? s.red('✖') : s.dim('-');
  const tail = result.status === 'failed' ? `: ${result.error}` : result.status === 'skipped' ? s.dim(` (skipped${result.note ? `: ${result.note}` : ''})`) : '';
  return neutraliseWorkflowCommands(`${mark} ${result.action} ${result.address}${result.remote_id && result.status === 'applied' ? s.dim(` [${result.remote_id}]`) : ''}${tail}`);
}

const renderText: Renderer<ApplyReport> = (untrusted, options) => {
  const { plan, result, waited = false } = terminalSafe(untrusted);
  const s = style(options.color);
  const count = (status: ChangeResult['status']) => result.results.filter((r) => r.status === status).length;
  const out: string[] = [];
  const failed = result.results.filter((r) => r.status !== 'applied');
  if (failed.length > 0) {
    out.push(s.bold('Not applied:'));
    for (const r of failed) out.push(`  ${progressLine(r, options.color)}`);
    out.push('');
  }
  const notes = result.results.filter((r) => r.note && r.status === 'applied');
  if (notes.length > 0) {
    out.push(s.yellow(s.bold('Action needed:')));
    for (const r of notes) out.push(`  ${r.address}: ${r.note}`);
    out.push('');
  }
  const applied = new Set(result.results.filter((r) => r.status === 'applied').map((r) => r.address));
  const newTables = plan.changes.filter((c): c is TableChange => c.kind === 'table' && applied.has(c.address) && c.after?.should_sync === true && Boolean(c.warehouse_table));
  if (newTables.length > 0) {
    out.push(
      s.bold('What happens next:'),
      ...(waited
        ? ['  The first syncs were followed to the end (below). Query the tables in PostHog:']
        : [
            '  Each enabled table enters Running, then Completed when its first sync finishes: from seconds to hours,',
            '  depending on its size. Follow it with `dwctl status` (or run apply with --wait). Query the tables in PostHog:',
          ]),
    );
    for (const c of newTables) out.push(`    SELECT * FROM ${c.warehouse_table} LIMIT 10`);
    out.push('');
  }
  const line = `Apply ${result.ok ? 'complete' : 'incomplete'}: ${count('applied')} applied, ${count('failed')} failed, ${count('skipped')} skipped.`;
  out.push(result.ok ? s.green(line) : s.red(line));
  if (!result.ok) out.push('Nothing is lost: run `dwctl plan` to see what remains, then apply again; it continues from PostHog\'s real state.');
  return neutraliseWorkflowCommands(out.join('\n') + '\n');
};

export const applyRenderers = {
  text: renderText,
  json: ({ result }: ApplyReport) => jsonSafe(JSON.stringify(result, null, 2) + '\n'),
} satisfies Record<ApplyFormat, Renderer<ApplyReport>>;
