import { Command, Option } from 'clipanion';
import * as t from 'typanion';
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
    const plan = await readPlanFile(this.context.cwd, this.planFile);
    this.context.stdout.write(planRenderers[this.format](plan, { color: this.useColor() }));
    return ExitCode.Ok;
  }
}
