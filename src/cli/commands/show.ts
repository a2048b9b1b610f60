import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { planDigest, summarise } from '../../plan/binding.js';
import { PLAN_FORMATS, planRenderers } from '../../render/plan.js';
import { DwctlCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { readPlanFile } from '../plan-file.js';

export class ShowCommand extends DwctlCommand {
  static override paths = [['show']];
  static override usage = Command.Usage({
    description: 'render a saved plan',
    details: 'Prints a plan written by `dwctl plan --out` in any plan format, without contacting PostHog.',
    examples: [['As a PR comment', '$0 show plan.json --format markdown']],
  });

  planFile = Option.String({ name: 'PLANFILE' });
  format = Option.String('--format', 'text', { validator: t.isEnum(PLAN_FORMATS), description: 'Output format: text, json, markdown, github' });

  protected override wantsJson(): boolean {
    return this.format === 'json';
  }

  protected async run(): Promise<ExitCode> {
    const saved = await readPlanFile(this.context.cwd, this.planFile);
    // The counts are derived from the changes shown, never taken from the file's own summary.
    const plan = { ...saved, summary: summarise(saved.changes) };
    if (saved.digest !== undefined && saved.digest !== planDigest(saved)) {
      this.context.stderr.write(`warning: ${this.planFile} was edited after \`dwctl plan --out\` wrote it: \`dwctl apply\` will refuse it.\n`);
    }
    this.context.stdout.write(planRenderers[this.format](plan, { color: this.useColor() }));
    return ExitCode.Ok;
  }
}
