import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { createInterface } from 'node:readline';
import { applyPlan, type ApplyResult, type ChangeResult, type PostHogWriter, type SourceInputs } from '../../apply/apply.js';
import { parseDuration, waitForSyncs, type WatchedTable } from '../../apply/wait.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { ReadOnlyPlanError, StalePlanError, UsageProblem } from '../../errors.js';
import { checkSavedPlan, compareWithRecomputed, type StaleCause } from '../../plan/binding.js';
import { referenceReader, resolveSource } from '../../plan/observe.js';
import type { Plan, TableChange } from '../../plan/types.js';
import { APPLY_FORMATS, applyRenderers, progressLine } from '../../render/apply.js';
import { planRenderers } from '../../render/plan.js';
import { jsonSafe, neutraliseWorkflowCommands, terminalText } from '../../sanitize.js';
import { bundledCatalog } from '../../sources/catalog.js';
import { RemoteCommand } from '../base-command.js';
import type { InterruptSignal } from '../context.js';
import { connect } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { readPlanFile } from '../plan-file.js';
import { fileConnection, loadFile, makePlan, type LoadedFile } from '../workflow.js';

export class ApplyCommand extends RemoteCommand {
  static override paths = [['apply']];
  static override usage = Command.Usage({
    description: 'make PostHog match the file',
    details: `
      Executes a saved plan (refused when the file or PostHog's state changed since: "stale plan", exit 1),
      or plans afresh and executes that. Shows the plan and asks for confirmation on a terminal; --yes skips
      the question, and without a terminal apply refuses to run without --yes (exit 3).

      Safe to re-run: it never creates a source or webhook twice, and after a failure the next run continues
      from PostHog's real state. Exit 0 when every change applied, 1 when one failed (the others are
      finished or skipped as planned, and listed), 3 when it could not run.
    `,
    examples: [
      ['Apply a reviewed plan', '$0 apply plan.json --yes'],
      ['Plan, apply and follow the first syncs', '$0 apply --yes --wait'],
      ['Push a rotated password to PostHog', '$0 apply --yes --update-credentials shop_db'],
    ],
  });

  planFile = Option.String({ name: 'PLANFILE', required: false });
  file = Option.String('-f,--file', { description: 'The warehouse file (default: the plan\'s, else ./warehouse.yaml)' });
  yes = Option.Boolean('--yes', false, { description: 'Apply without asking' });
  wait = Option.Boolean('--wait', false, { description: 'Follow the first syncs until each table is Completed or Failed' });
  timeout = Option.String('--timeout', '30m', { description: 'How long --wait waits (e.g. 90s, 10m, 2h; default 30m)' });
  sources = Option.Array('--source', { description: 'Apply only this source (repeatable; fresh plans only)' });
  format = Option.String('--format', 'text', { validator: t.isEnum(APPLY_FORMATS), description: 'Output format: text, json' });
  updateCredentials = Option.Array('--update-credentials', { description: "Send this source's whole config again, secrets included, e.g. after rotating a password (repeatable; a saved plan must have been made with the same names)" });

  protected override wantsJson(): boolean {
    return this.format === 'json';
  }

  protected async run(): Promise<ExitCode> {
    const timeoutMs = parseDuration(this.timeout);
    if (timeoutMs === undefined) throw new UsageProblem(`--timeout "${this.timeout}": expected a duration such as 90s, 10m or 2h`);
    const { plan, loaded, client } = this.planFile ? await this.savedPlan() : await this.freshPlan();
    const planText = this.masker.mask(planRenderers.text(plan, { color: this.useColor(this.format === 'json' ? 'stderr' : 'stdout') }));
    const planOut = this.format === 'json' ? this.context.stderr : this.context.stdout;
    planOut.write(planText);
    if (hasErrors(plan.diagnostics)) {
      this.context.stderr.write('error: the plan has errors: nothing was applied.\n');
      // The reason belongs in the document a machine reads, not only on stderr.
      if (this.format === 'json') this.writeJson({ format_version: 1, ok: false, results: [], diagnostics: plan.diagnostics.filter((d) => d.severity === 'error') });
      return ExitCode.Findings;
    }
    if (!plan.applyable) {
      if (this.format === 'json') this.writeJson({ format_version: 1, ok: true, results: [] });
      return ExitCode.Ok;
    }
    const confirmation = await this.confirmed();
    // Declining is an answer ("no": 1); being unable to ask is "could not run" (3).
    if (confirmation !== 'yes') return confirmation === 'declined' ? ExitCode.Findings : ExitCode.CouldNotRun;

    const inputs = this.sourceInputs(loaded, plan);
    const color = this.useColor('stderr');
    const started = new Set<string>();
    const finished: ChangeResult[] = [];
    // SIGINT/SIGTERM while changes are being made: say what is done, in flight and not started, then exit.
    let stopInterrupts: (() => void) | undefined;
    const interrupted = new Promise<InterruptSignal>((resolve) => (stopInterrupts = this.context.onInterrupt?.(resolve)));
    const applying = applyPlan(plan, client, inputs, this.masker, {
      onStart: (change) => {
        started.add(change.address);
        if (this.context.isTTY) this.context.stderr.write(style(color, `… ${change.action} ${terminalText(change.address)}\n`));
      },
      onDone: (r) => {
        finished.push(r);
        this.context.stderr.write(`${progressLine(r, color)}\n`);
      },
    });
    const outcome = await Promise.race([applying.then((result) => ({ result })), interrupted.then((signal) => ({ signal }))]);
    stopInterrupts?.();
    if ('signal' in outcome) return this.reportInterrupted(outcome.signal, plan, started, finished);
    const { result } = outcome;
    let ok = result.ok;
    let waitLines: string[] = [];
    // After a partial failure too: the tables that did apply are syncing, and --wait follows them.
    if (this.wait) {
      const waited = await this.followSyncs(plan, result, client, timeoutMs);
      ok = result.ok && waited.ok;
      waitLines = waited.lines;
    }
    const report = { plan, result: { ...result, ok }, waited: this.wait };
    if (this.format === 'json') this.writeJson(report.result);
    else this.context.stdout.write(this.masker.mask(applyRenderers.text(report, { color: this.useColor() }) + waitLines.map((l) => `${neutraliseWorkflowCommands(terminalText(l))}\n`).join('')));
    return ok ? ExitCode.Ok : ExitCode.Findings;
  }

  /**
   * The report of an interrupted apply. What was done stays done; a change in flight may or may not have
   * reached PostHog; the rest was not attempted. A re-run converges (it never duplicates a source).
   */
  private reportInterrupted(signal: InterruptSignal, plan: Plan, started: ReadonlySet<string>, finished: readonly ChangeResult[]): ExitCode {
    const done = new Set(finished.map((r) => r.address));
    const pending = plan.changes.filter((c) => c.action !== 'no-op' && !done.has(c.address));
    const inFlight = pending.filter((c) => started.has(c.address)).map((c) => ({ address: c.address, action: c.action }));
    const notStarted = pending.filter((c) => !started.has(c.address)).map((c) => ({ address: c.address, action: c.action }));
    const lines = [`Interrupted by ${signal}: apply stopped before finishing.`];
    lines.push(finished.length > 0 ? 'Finished before the interrupt:' : 'Nothing had finished before the interrupt.');
    for (const r of finished) lines.push(`  ${progressLine(r, false)}`);
    if (inFlight.length > 0) lines.push('In flight (sent; PostHog may or may not have carried it out):', ...inFlight.map((c) => `  … ${c.action} ${terminalText(c.address)}`));
    if (notStarted.length > 0) lines.push('Not started:', ...notStarted.map((c) => `  - ${c.action} ${terminalText(c.address)}`));
    lines.push('Run `dwctl plan` to see where PostHog stands, then `dwctl apply` to finish: it continues from PostHog\'s real state and never duplicates a source.');
    this.context.stderr.write(this.masker.mask(lines.join('\n') + '\n'));
    if (this.format === 'json') {
      const document = { format_version: 1, ok: false, interrupted: signal, results: finished, in_flight: inFlight, not_started: notStarted };
      this.context.stdout.write(this.masker.mask(jsonSafe(JSON.stringify(document, null, 2) + '\n')));
    }
    return signal === 'SIGINT' ? ExitCode.InterruptedSigint : ExitCode.InterruptedSigterm;
  }

  private writeJson(result: ApplyResult & { diagnostics?: Plan['diagnostics'] }): void {
    this.context.stdout.write(this.masker.mask(jsonSafe(JSON.stringify(result, null, 2) + '\n')));
  }

  private async freshPlan(): Promise<{ plan: Plan; loaded: LoadedFile; client: PostHogWriter }> {
    const loaded = await loadFile(this, this.file ?? 'warehouse.yaml');
    const { plan, client } = await makePlan(this, loaded, { prune: false, sources: this.sources ?? null, updateCredentials: this.updateCredentials ?? [], mode: 'full' });
    return { plan, loaded, client: client ?? (await connect(this, fileConnection(loaded))) };
  }

  /**
   * A saved plan applies only as it was reviewed: the plan file unedited, the same file, and the same
   * changes when recomputed now from that file and PostHog (references resolved again, discovery and
   * PostHog's state read again). Anything else is a stale plan (exit 1), refused before any write.
   */
  private async savedPlan(): Promise<{ plan: Plan; loaded: LoadedFile; client: PostHogWriter }> {
    if (this.sources) throw new UsageProblem('--source applies to fresh plans only: a saved plan already says which sources it covers');
    const saved = await readPlanFile(this.context.cwd, this.planFile!);
    if (saved.options.read_only || saved.read_only) throw readOnlyPlan(this.planFile!);
    const loaded = await loadFile(this, this.file ?? saved.file.path);
    const early = checkSavedPlan(saved, this.planFile!, loaded.sha256, loaded.file);
    if (early) throw stalePlan(early);
    if (hasErrors(saved.diagnostics)) return { plan: saved, loaded, client: await connect(this, fileConnection(loaded)) };
    // The names are part of what was reviewed: the saved plan's, and the flag (when given) must repeat them.
    const savedNames = [...(saved.options.update_credentials ?? [])].sort();
    const given = [...new Set(this.updateCredentials ?? savedNames)].sort();
    if (given.join('\n') !== savedNames.join('\n')) {
      throw new UsageProblem(`${this.planFile} was made with ${savedNames.length ? savedNames.map((n) => `--update-credentials ${n}`).join(' ') : 'no --update-credentials'}, and apply was given ${given.length ? given.map((n) => `--update-credentials ${n}`).join(' ') : 'none'}: plan again with the names to update, or give apply the plan's`);
    }
    const { plan: fresh, client } = await makePlan(this, loaded, { prune: saved.options.prune, sources: saved.options.sources, updateCredentials: savedNames, mode: 'full' });
    const moved = compareWithRecomputed(saved, fresh, loaded.desired, this.planFile!);
    if (moved) throw stalePlan(moved);
    // Equal changes: execute the recomputed plan, whose summary and flags are derived, never read from the file.
    return { plan: fresh, loaded, client: client ?? (await connect(this, fileConnection(loaded))) };
  }

  private async confirmed(): Promise<'yes' | 'declined' | 'cannot-ask'> {
    if (this.yes) return 'yes';
    if (!this.context.isTTY) {
      this.context.stderr.write('error: refusing to apply without --yes: there is no terminal to confirm on (this is CI?).\n');
      if (this.format === 'json') this.context.stdout.write(JSON.stringify({ error: { code: 'confirmation-required', message: 'apply needs --yes when not on a terminal' } }, null, 2) + '\n');
      return 'cannot-ask';
    }
    const rl = createInterface({ input: this.context.stdin, output: this.context.stderr });
    const answer = await new Promise<string>((resolve) => rl.question('Apply these changes? Only "yes" is accepted: ', resolve));
    rl.close();
    if (answer.trim() === 'yes') return 'yes';
    this.context.stderr.write('Apply cancelled: nothing was changed.\n');
    return 'declined';
  }

  private sourceInputs(loaded: LoadedFile, plan: Plan): Map<string, SourceInputs> {
    const catalog = bundledCatalog();
    const reader = referenceReader(this.context.env, loaded.file, this.context.cwd);
    const wanted = new Set(plan.changes.filter((c) => c.action !== 'no-op').map((c) => c.source));
    const inputs = new Map<string, SourceInputs>();
    for (const source of loaded.desired.sources) {
      if (!wanted.has(source.name)) continue;
      const info = catalog.get(source.type);
      const resolved = resolveSource(source, info, reader, this.masker);
      if (resolved.unresolved.length > 0) {
        throw new UsageProblem(`${resolved.unresolved.map((u) => `${u.reference.raw}: ${u.problem}`).join('; ')} (needed by source ${source.name})`);
      }
      inputs.set(source.name, { source, info, config: resolved.config, webhook: resolved.webhook });
    }
    return inputs;
  }

  private async followSyncs(plan: Plan, result: ApplyResult, client: PostHogWriter, timeoutMs: number): Promise<{ ok: boolean; lines: string[] }> {
    const sourceIds = new Map(result.results.filter((r) => r.address.split('.').length === 2 && r.remote_id).map((r) => [r.address.split('.')[1]!, r.remote_id!]));
    for (const change of plan.changes) if (change.kind === 'source' && change.action !== 'delete' && change.remote_id) sourceIds.set(change.source, change.remote_id);
    const applied = new Set(result.results.filter((r) => r.status === 'applied').map((r) => r.address));
    const tables: WatchedTable[] = plan.changes
      .filter((c): c is TableChange => c.kind === 'table' && applied.has(c.address) && c.after?.should_sync === true && sourceIds.has(c.source))
      .map((c) => ({ sourceId: sourceIds.get(c.source)!, source: c.source, table: c.target.table, warehouseTable: c.warehouse_table }));
    if (tables.length === 0) return { ok: true, lines: [] };
    this.context.stderr.write(`Waiting for the first syncs of ${tables.length} table(s)…\n`);
    const { outcomes, timedOut } = await waitForSyncs(client, tables, {
      timeoutMs,
      intervalMs: 1000,
      onChange: (o) => this.context.stderr.write(neutraliseWorkflowCommands(terminalText(`  ${o.source}.${o.table}: ${o.status ?? 'waiting'}${o.error ? ` (${this.masker.mask(o.error)})` : ''}`)) + '\n'),
    });
    const lines = [''];
    for (const o of outcomes) lines.push(`  ${o.status === 'Completed' ? '✔' : o.status === 'Failed' ? '✖' : '…'} ${o.warehouseTable}: ${o.status ?? 'not started'}${o.error ? `: ${this.masker.mask(o.error)}` : ''}`);
    if (timedOut) lines.push(`Stopped waiting after ${this.timeout}: syncs go on in PostHog; follow them with \`dwctl status\`.`);
    const anyFailed = outcomes.some((o) => o.status === 'Failed');
    if (anyFailed) lines.push('A first sync failed: see the error above and in PostHog.');
    return { ok: !anyFailed, lines };
  }
}

function style(color: boolean, text: string): string {
  return color ? `\u001b[2m${text}\u001b[22m` : text;
}

/** A read-only plan never checked credentials or discovery: it is for review, never for apply (exit 1, nothing written). */
function readOnlyPlan(planFile: string): ReadOnlyPlanError {
  return Object.assign(new ReadOnlyPlanError(`${planFile} is a read-only plan: it was made without checking credentials, table discovery or CDC prerequisites, so it cannot be applied`), {
    hint: 'Run `dwctl plan --out PLANFILE` with a key that has external_data_source:write (where apply runs), review it, and apply that; or run `dwctl apply` without a plan file.',
  });
}

function stalePlan(stale: StaleCause): StalePlanError {
  return Object.assign(new StalePlanError(`stale plan: ${stale.message}`), { hint: 'Run `dwctl plan --out PLANFILE` again and review it.' });
}
