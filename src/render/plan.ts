import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Change, Plan, SourceChange, TableChange } from '../plan/types.js';
import { annotation } from './github.js';
import { htmlText, jsonSafe, markdownCell, markdownCodeBlock, markdownText, neutraliseWorkflowCommands, terminalSafe, terminalText } from '../sanitize.js';
import type { Renderer } from './options.js';
import { plural, style, type Style } from './style.js';
import { blockedMarkdown, blockedTextLines, costMarkdown, costTextLines } from './cost.js';
import { webhookLines } from './status.js';

export const PLAN_FORMATS = ['text', 'json', 'markdown', 'github'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** GitHub rejects comments longer than 65,536 characters; stay below with room for a footer. */
export const MARKDOWN_LIMIT = 60_000;

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', 'no-op': '=' };

export function summaryLine(plan: Plan): string {
  return `Plan: ${plan.summary.create} to create, ${plan.summary.update} to update, ${plan.summary.delete} to delete.`;
}

/** Changes grouped by source, in plan order. */
function bySource(plan: Plan): Map<string, Change[]> {
  const groups = new Map<string, Change[]>();
  for (const change of plan.changes) groups.set(change.source, [...(groups.get(change.source) ?? []), change]);
  return groups;
}

function show(value: unknown): string {
  if (Array.isArray(value) && value.length > 8) {
    return `${value.length} items: ${value.slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}, …`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** `config: {host: "a"}` → [['config.host', "a"]]: nested objects as dotted keys, so diffs line up. */
function flatten(value: Record<string, unknown> | null, prefix = ''): [string, unknown][] {
  if (!value) return [];
  const out: [string, unknown][] = [];
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) out.push(...flatten(v as Record<string, unknown>, name));
    else out.push([name, v]);
  }
  return out;
}

function changeTitle(change: Change): string {
  const subject =
    change.kind === 'source'
      ? change.action === 'delete'
        ? deletedSourceLabel(change)
        : 'source'
      : change.kind === 'webhook'
        ? 'webhook'
        : `table ${change.target.table}${change.warehouse_table ? ` → ${change.warehouse_table}` : ''}`;
  return `${change.action === 'no-op' ? 'unchanged' : change.action} ${subject}`;
}

/** `source Postgres "old_" (id …)`: a deleted source is not declared (any more), so it is named by type and prefix. */
function deletedSourceLabel(change: Change): string {
  const type = change.before?.source_type ?? (change.kind === 'source' ? change.source_type : undefined);
  const prefix = change.before?.prefix;
  return `source ${String(type)} ${typeof prefix === 'string' && prefix !== '' ? JSON.stringify(prefix) : '(no prefix)'}${change.remote_id ? ` (id ${change.remote_id})` : ''}`;
}

/** The field lines of one change: `+ key = value` for create, `~ key = before → after` for update. */
function fieldLines(change: Change): { symbol: string; text: string }[] {
  // A new object's unset fields say nothing: show what is set.
  if (change.action === 'create') return flatten(change.after).filter(([, v]) => v !== null).map(([k, v]) => ({ symbol: '+', text: `${k} = ${show(v)}` }));
  // A delete lists every table whose data it drops: never shortened.
  if (change.action === 'delete') return flatten(change.before).filter(([, v]) => v !== null).map(([k, v]) => ({ symbol: '-', text: `${k} = ${Array.isArray(v) ? JSON.stringify(v) : show(v)}` }));
  if (change.action === 'update') {
    const before = new Map(flatten(change.before));
    // A field sent unchanged with the update (PostHog wants sync_type with key or should_sync edits) is not shown as a
    // change; an unset field that stays unset says nothing, so it is not shown at all.
    const unchanged = (k: string, v: unknown) => JSON.stringify(before.get(k) ?? null) === JSON.stringify(v ?? null);
    return flatten(change.after)
      .filter(([k, v]) => !(unchanged(k, v) && (v === null || v === undefined)))
      .map(([k, v]) => ({
        symbol: '~',
        text: unchanged(k, v) ? `${k} = ${show(v)} (unchanged, sent with the update)` : `${k} = ${show(before.get(k))} → ${show(v)}`,
      }));
  }
  return [];
}

function diagnosticLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`;
}

const renderText: Renderer<Plan> = (untrusted, options) => {
  // Names, values and messages come from the file and from PostHog: every string shown escaped, one line each.
  const plan = terminalSafe(untrusted);
  const s = style(options.color);
  const out: string[] = [];
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  for (const [source, changes] of bySource(plan)) {
    const head = changes.find((c): c is SourceChange => c.kind === 'source');
    const label = head?.source_type ?? head?.after?.source_type ?? head?.before?.source_type;
    out.push(s.bold(`source ${source}${typeof label === 'string' ? ` (${label})` : ''}`));
    const unchanged = changes.filter((c): c is TableChange => c.action === 'no-op' && c.kind === 'table');
    for (const change of changes) {
      if (change.action === 'no-op' && change.kind === 'table') continue;
      out.push(`  ${colourAction(s, change.action, `${SYMBOL[change.action]} ${changeTitle(change)}`)}${change.action !== 'no-op' ? s.dim(`  # ${change.reason}`) : ''}`);
      for (const line of fieldLines(change)) out.push(`      ${colourAction(s, change.action, line.symbol)} ${line.text}`);
    }
    if (unchanged.length > 0) {
      const names = unchanged.map((c) => c.target.table);
      out.push(s.dim(`  = ${plural(unchanged.length, 'table')} unchanged: ${names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, …`}`));
    }
    // Webhook health as PostHog reports it now (the same lines as `status`).
    const webhook = plan.webhooks?.find((w) => w.source === source);
    if (webhook) out.push(...webhookLines(s, webhook));
    out.push('');
  }
  // A blocked source has no changes: list it with its reason rather than leave it out.
  for (const blocked of plan.blocked ?? []) {
    out.push(s.bold(`source ${blocked.source} (${blocked.source_type})`), ...blockedTextLines(blocked).map((line) => s.red(line)), '');
  }
  const notes = plan.diagnostics.filter((d) => d.severity !== 'error');
  if (notes.length > 0) {
    out.push(s.bold('Warnings and notes:'));
    for (const d of notes) out.push(`  ${s.severity(d.severity, diagnosticLine(d))}`);
    out.push('');
  }
  const cost = costTextLines(plan.cost);
  if (cost.length > 0) out.push(...cost, '');
  if (errors.length > 0) {
    out.push(s.red(s.bold(`Plan blocked by ${plural(errors.length, 'error')}:`)));
    for (const d of errors) out.push(`  ${s.red(diagnosticLine(d))}`);
    out.push('');
  }
  const total = plan.summary.create + plan.summary.update + plan.summary.delete;
  out.push(errors.length > 0 ? s.red(summaryLine(plan)) : total === 0 ? s.green('No changes. PostHog matches the file.') : s.bold(summaryLine(plan)));
  if (plan.read_only) out.push(s.yellow('Read-only plan: credentials, table discovery and CDC prerequisites were not checked; it cannot be applied.'));
  return neutraliseWorkflowCommands(out.join('\n') + '\n');
};

function colourAction(s: Style, action: Change['action'], text: string): string {
  return action === 'create' ? s.green(text) : action === 'update' ? s.yellow(text) : action === 'delete' ? s.red(text) : s.dim(text);
}

const renderJson: Renderer<Plan> = (plan) => serialisePlan(plan);

/** The one serialisation of a plan: `plan --format json` and `plan --out` are byte-for-byte equal. */
export function serialisePlan(plan: Plan): string {
  return jsonSafe(JSON.stringify(plan, null, 2) + '\n');
}

const renderGithub: Renderer<Plan> = (untrusted, options) => {
  const plan = terminalSafe(untrusted);
  const lines: string[] = [];
  for (const d of plan.diagnostics) lines.push(annotation({ ...d, title: `dwctl ${d.code}` }));
  for (const change of plan.changes) {
    if (change.action === 'no-op' || !change.position) continue;
    lines.push(
      annotation({
        severity: change.action === 'delete' ? 'warning' : 'info',
        file: plan.file.path,
        ...change.position,
        title: `dwctl plan: ${change.action} ${change.kind}`,
        message: `${change.address}: ${change.action}${change.kind === 'table' && change.warehouse_table ? ` (${change.warehouse_table})` : ''}. ${change.reason}`,
      }),
    );
  }
  return [...lines, ''].join('\n') + renderText(untrusted, { ...options, color: false });
};

/** For a pull-request comment: a summary table first, details collapsed, never over GitHub's limit. */
const renderMarkdown: Renderer<Plan> = (plan) => {
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  const warnings = plan.diagnostics.filter((d) => d.severity === 'warning');
  const head: string[] = [];
  head.push(`### dwctl plan${plan.read_only ? ' (read-only)' : ''}: ${plan.summary.create} to create, ${plan.summary.update} to update, ${plan.summary.delete} to delete`);
  head.push('');
  if (plan.read_only) {
    head.push('> [!NOTE]', '> Read-only plan: compared with PostHog\'s existing sources and tables only. Not checked:', ...plan.read_only.not_checked.map((n) => `> - ${escapeMarkdown(n)}`), '');
  }
  if (errors.length > 0) head.push(`> [!CAUTION]\n> Plan blocked by ${plural(errors.length, 'error')}: apply would not run.`, '');
  head.push(...blockedMarkdown(plan.blocked ?? []));
  // The summary and the diagnostics share a budget too: a huge project must not push the comment over the limit.
  const headBudget = MARKDOWN_LIMIT - 2_000;
  const size = () => head.reduce((n, line) => n + line.length + 1, 0);
  head.push('| Source | Create | Update | Delete | Unchanged | Rows/month (known) |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  const groups = [...bySource(plan)];
  for (const [index, [source, changes]] of groups.entries()) {
    if (size() > headBudget / 2) {
      head.push(`| _${plural(groups.length - index, 'more source')}_ | | | | | |`);
      break;
    }
    const count = (a: Change['action']) => changes.filter((c) => c.action === a).length;
    const rows = plan.cost.tables.filter((t) => t.address.startsWith(`source.${source}.`)).reduce((sum, t) => sum + (t.rows_per_month ?? 0), 0);
    head.push(`| ${markdownCell(source)} | ${count('create')} | ${count('update')} | ${count('delete')} | ${count('no-op')} | ${rows.toLocaleString('en-US')} |`);
  }
  head.push('', costMarkdown(plan.cost, Math.max(0, headBudget / 2 - size())));
  if ((plan.webhooks ?? []).length > 0) head.push(...webhooksMarkdown(plan.webhooks!), '');
  if (errors.length + warnings.length > 0) {
    head.push(`**${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}**`, '');
    const listed = [...errors, ...warnings];
    for (const [index, d] of listed.entries()) {
      const line = `- ${d.severity === 'error' ? '❌' : '⚠️'} \`${d.code}\` ${escapeMarkdown(d.message)} (${escapeMarkdown(`${d.file}:${d.line}:${d.column}`)})`;
      if (size() + line.length > headBudget) {
        head.push(`- _…and ${listed.length - index} more: see the full plan in the job log (\`dwctl show\`)._`);
        break;
      }
      head.push(line);
    }
    head.push('');
  }
  // Notes (unmanaged sources, recommendations) are worth a reviewer's glance, but folded away.
  const notes = plan.diagnostics.filter((d) => d.severity === 'info');
  if (notes.length > 0 && size() < headBudget) {
    const items = notes.map((d) => `- \`${d.code}\` ${escapeMarkdown(d.message)}`).join('\n');
    const block = `<details><summary>${plural(notes.length, 'note')}</summary>\n\n${items}\n</details>\n`;
    if (size() + block.length <= headBudget) head.push(block);
  }
  const sections: string[] = [];
  for (const [source, changes] of bySource(plan)) {
    const changed = changes.filter((c) => c.action !== 'no-op');
    if (changed.length === 0) continue;
    const body = changed.flatMap((c) => [`${SYMBOL[c.action]} ${changeTitle(c)}`, ...fieldLines(c).map((l) => `${l.symbol}     ${l.text}`)]);
    // The fence is longer than any backtick run in the body: a value cannot close it and take over the comment.
    sections.push(`<details><summary><code>${htmlText(source)}</code>: ${plural(changed.length, 'change')}</summary>\n\n${markdownCodeBlock(body.map((line) => terminalText(line)).join('\n'), 'diff')}\n</details>\n`);
  }
  // A plan blocked by lint errors never reached PostHog: no project or fingerprint to show.
  const reached = plan.remote.project_id !== '';
  const footer = `\n<sub>dwctl ${htmlText(plan.dwctl_version)}${reached ? ` · project ${htmlText(plan.remote.project_id)} · fingerprint ${htmlText(plan.remote.fingerprint.slice(0, 12))}` : ' · PostHog was not contacted'}</sub>\n`;
  let text = head.join('\n');
  let omitted = 0;
  for (const section of sections) {
    if (text.length + section.length + footer.length + 200 > MARKDOWN_LIMIT) {
      omitted++;
      continue;
    }
    text += `\n${section}`;
  }
  if (omitted > 0) text += `\n_${plural(omitted, 'source')} omitted to stay within GitHub's comment limit: see the full plan in the job log (\`dwctl show\`)._\n`;
  return text + footer;
};

/** Webhook health, one line per source (events beyond a few are counted; the JSON plan lists them all). */
function webhooksMarkdown(webhooks: NonNullable<Plan['webhooks']>): string[] {
  return [
    '**Webhooks**',
    '',
    ...webhooks.map((w) => {
      if (w.problems.length === 0) {
        return w.external_error
          ? `- ${markdownCell(w.source)}: healthy (enabled, no input pending); events not checked: PostHog cannot read the endpoint at the provider`
          : `- ${markdownCell(w.source)}: healthy (enabled, every event subscribed, no input pending)`;
      }
      const events = w.missing_events.length > 0 ? `; missing events: ${w.missing_events.slice(0, 5).join(', ')}${w.missing_events.length > 5 ? `, and ${w.missing_events.length - 5} more` : ''}` : '';
      return `- ${markdownCell(w.source)}: ${escapeMarkdown(w.problems.join('; ') + events)}`;
    }),
  ];
}

/** Untrusted prose in the comment: no headings, links, images, mentions or HTML (src/render/sanitize.ts). */
function escapeMarkdown(text: string): string {
  return markdownText(text);
}

export const planRenderers = {
  text: renderText,
  json: renderJson,
  markdown: renderMarkdown,
  github: renderGithub,
} satisfies Record<PlanFormat, Renderer<Plan>>;
