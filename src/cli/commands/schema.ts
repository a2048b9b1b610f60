import { Command, Option } from 'clipanion';
import { cdcSourceTypes } from '../../sources/index.js';
import { generateSchema } from '../../schema/generate.js';
import type { WizardResponse } from '../../wizard/types.js';
import { RemoteCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { readTextFile, writeTextFileAtomic } from '../files.js';
import { UsageProblem } from '../../errors.js';
import { fetchLiveWizard } from '../connect.js';

export class SchemaCommand extends RemoteCommand {
  static override paths = [['schema']];
  static override usage = Command.Usage({
    description: 'generate the warehouse.yaml JSON Schema from the PostHog wizard',
    details: `
      Without --wizard, fetches the wizard from PostHog (read-only; needs the connection settings) and
      generates the schema from it, so editors and lint know every source type your PostHog offers.
      With --wizard FILE, generates from a saved wizard response. Prints to stdout unless --out is given.
    `,
    examples: [
      ['Regenerate the bundled schema from the snapshot', '$0 schema --wizard schemas/wizard.snapshot.json --out schemas/warehouse.schema.json'],
      ['Generate from your live PostHog', '$0 schema --out warehouse.schema.json'],
    ],
  });

  wizard = Option.String('--wizard', { description: 'A saved wizard response (JSON) to generate from, instead of the live one' });
  out = Option.String('--out', { description: 'Write the schema to this file instead of stdout' });
  file = Option.String('-f,--file', { description: 'warehouse.yaml, read for its posthog: settings when fetching live (default ./warehouse.yaml)' });

  protected override wantsJson(): boolean {
    return this.out === undefined;
  }

  protected async run(): Promise<ExitCode> {
    const wizard = this.wizard ? parseWizard(this.wizard, await readTextFile(this.context.cwd, this.wizard)) : await fetchLiveWizard(this);
    const text = JSON.stringify(generateSchema(wizard, cdcSourceTypes()), null, 2) + '\n';
    if (this.out) {
      await writeTextFileAtomic(this.context.cwd, this.out, text);
      this.context.stderr.write(`Wrote ${this.out} (${Object.keys(wizard).length} source types).\n`);
    } else {
      this.context.stdout.write(text);
    }
    return ExitCode.Ok;
  }
}

function parseWizard(file: string, text: string): WizardResponse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageProblem(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageProblem(`${file}: expected the wizard response, an object keyed by source type`);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'object' || entry === null || !Array.isArray((entry as { fields?: unknown }).fields)) {
      throw new UsageProblem(`${file}: "${key}" is not a wizard source config (no fields list)`);
    }
  }
  return value as WizardResponse;
}
