import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { lintFile } from '../../lint/lint.js';
import { LINT_FORMATS, lintRenderers, type LintRun } from '../../render/lint.js';
import { bundledValidator } from '../../schema/bundled-validator.js';
import { bundledCatalog } from '../../sources/catalog.js';
import { VERSION } from '../../version.js';
import { DwctlCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { readTextFile } from '../files.js';

export class LintCommand extends DwctlCommand {
  static override paths = [['lint']];
  static override usage = Command.Usage({
    description: 'validate warehouse.yaml offline',
    details: `
      Checks each file against the JSON Schema generated from PostHog's wizard and against dwctl's semantic
      rules (plaintext secrets, prefix rules, duplicate sources, sync types). Needs no network and no secrets,
      so it is fast enough for a pre-commit hook. Exit 0 when there are no errors (warnings do not fail),
      1 when there are, 3 when a file cannot be read.
    `,
    examples: [
      ['Lint ./warehouse.yaml', '$0 lint'],
      ['Lint several files, as GitHub annotations', '$0 lint --format github envs/*/warehouse.yaml'],
      ['Machine-readable result', '$0 lint --format json > lint.json'],
    ],
  });

  // lint makes no requests: --verbose only adds the stack trace of an unexpected error.
  override verbose = Option.Boolean('--verbose', false, { description: 'Print the stack trace of an unexpected error' });
  file = Option.String('-f,--file', { description: 'The file to lint when none is given as an argument (default ./warehouse.yaml)' });
  format = Option.String('--format', 'text', { validator: t.isEnum(LINT_FORMATS), description: 'Output format: text, json, github, sarif' });
  files = Option.Rest({ name: 'FILE' });

  protected override wantsJson(): boolean {
    return this.format === 'json' || this.format === 'sarif';
  }

  protected async run(): Promise<ExitCode> {
    const names = this.files.length > 0 ? this.files : [this.file ?? 'warehouse.yaml'];
    const options = { validate: bundledValidator(), catalog: bundledCatalog() };
    const run: LintRun = { files: [], version: VERSION };
    for (const file of names) {
      const text = await readTextFile(this.context.cwd, file);
      const { diagnostics } = await lintFile(file, text, options);
      run.files.push({ file, text, diagnostics });
    }
    this.context.stdout.write(lintRenderers[this.format](run, { color: this.useColor() }));
    const errors = run.files.some((f) => f.diagnostics.some((d) => d.severity === 'error'));
    return errors ? ExitCode.Findings : ExitCode.Ok;
  }
}
