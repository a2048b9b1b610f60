import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { PLAN_FORMATS, planRenderers, serialisePlan } from '../../render/plan.js';
import { RemoteCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { writeTextFileAtomic } from '../files.js';
import { loadFile, makePlan } from '../workflow.js';
import type { Plan } from '../../plan/types.js';
import { UsageProblem } from '../../errors.js';

export class PlanCommand extends RemoteCommand {
  static override paths = [['plan']];
  static override usage = Command.Usage({
    description: 'show what apply would change, without changing anything',
    details: `
      Lints the file, then reads PostHog (never writes): validates each source's credentials, discovers its
      tables, and diffs the declared tables against the discovered ones and against what exists. Reports
      errors PostHog would refuse at apply time, cost warnings and recommendations, and rows per month per
      table now and after apply (from PostHog's row counts and the last 30 days of sync jobs).

      --max-rows-per-month N fails the plan (exit 1, rows-budget-exceeded) when the rows per month it can
      estimate add up to more than N: a budget gate for CI. --count-rows estimates the rows of tables that
      never synced from the source database itself (Postgres statistics; read-only; failures are warnings).

      With --read-only, or when the API key lacks external_data_source:write (PostHog's credential check and
      discovery need it), the plan diffs the file against PostHog's existing sources and tables only, says
      what it did not check, and cannot be applied.

      Exit codes: 0 success (with --detailed-exitcode: no changes), 1 errors block the plan,
      2 changes pending (--detailed-exitcode only), 3 could not run.
    `,
    examples: [
      ['Plan and save it for apply', '$0 plan --out plan.json'],
      ['Pull-request check', '$0 plan --format markdown --detailed-exitcode'],
      ['Only one source', '$0 plan --source shop_db'],
      ['After rotating a password', '$0 plan --update-credentials shop_db'],
      ['Pull-request plan with a read-only key', '$0 plan --read-only --format markdown --detailed-exitcode'],
      ['Fail when the plan would sync more than 50 million rows a month', '$0 plan --max-rows-per-month 50000000'],
      ['Estimate rows of tables that never synced (Postgres)', '$0 plan --count-rows'],
    ],
  });

  file = Option.String('-f,--file', 'warehouse.yaml', { description: 'The warehouse file (default ./warehouse.yaml)' });
  format = Option.String('--format', 'text', { validator: t.isEnum(PLAN_FORMATS), description: 'Output format: text, json, markdown, github' });
  out = Option.String('--out', { description: 'Also write the plan (JSON) to this file, for `dwctl apply PLANFILE`' });
  detailedExitcode = Option.Boolean('--detailed-exitcode', false, { description: 'Exit 2 when there are changes, 0 when there are none' });
  sources = Option.Array('--source', { description: 'Plan only this source (repeatable)' });
  prune = Option.Boolean('--prune', false, { description: 'Plan deleting PostHog sources the file does not declare' });
  updateCredentials = Option.Array('--update-credentials', { description: "Send this source's whole config again, secrets included, e.g. after rotating a password (repeatable)" });
  readOnly = Option.Boolean('--read-only', false, {
    description: 'Only read-scoped PostHog calls: diff against existing sources, no credential check, discovery or CDC pre-flight (never applyable)',
  });
  maxRowsPerMonth = Option.String('--max-rows-per-month', { description: 'Exit 1 when the estimated rows per month after apply exceed N (a budget gate)' });
  countRows = Option.Boolean('--count-rows', false, { description: 'Estimate rows of never-synced tables from the source database (Postgres statistics; read-only)' });

  protected override wantsJson(): boolean {
    return this.format === 'json';
  }

  protected async run(): Promise<ExitCode> {
    if (this.prune && this.sources) throw new UsageProblem('--prune deletes sources the file does not declare, so it cannot be limited with --source');
    const maxRowsPerMonth = this.maxRowsPerMonth === undefined ? null : parseRowBudget(this.maxRowsPerMonth);
    const loaded = await loadFile(this, this.file);
    if (this.readOnly && this.updateCredentials?.length) throw new UsageProblem('--update-credentials sends secrets, which a read-only plan never does: drop one of the two');
    const { plan } = await makePlan(this, loaded, {
      prune: this.prune,
      sources: this.sources ?? null,
      updateCredentials: this.updateCredentials ?? [],
      mode: this.readOnly ? 'read-only' : 'detect',
      maxRowsPerMonth,
      countRows: this.countRows,
    });
    if (this.out) await writeTextFileAtomic(this.context.cwd, this.out, this.masker.mask(serialisePlan(plan)));
    this.context.stdout.write(this.masker.mask(planRenderers[this.format](plan, { color: this.useColor() })));
    return planExitCode(plan, this.detailedExitcode);
  }
}

export function planExitCode(plan: Plan, detailed: boolean): ExitCode {
  if (hasErrors(plan.diagnostics)) return ExitCode.Findings;
  const pending = plan.summary.create + plan.summary.update + plan.summary.delete > 0;
  return detailed && pending ? ExitCode.Changes : ExitCode.Ok;
}

/** `--max-rows-per-month`: a whole number of rows, `_` or `,` allowed as separators (50_000_000). */
export function parseRowBudget(text: string): number {
  const digits = text.trim().replace(/[_,]/g, '');
  const value = /^[0-9]+$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(value)) throw new UsageProblem(`--max-rows-per-month takes a whole number of rows, not "${text}"`);
  return value;
}
