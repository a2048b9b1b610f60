import { Command, Option } from 'clipanion';
import { importSources } from '../../config/import.js';
import { bundledCatalog } from '../../wizard/bundled.js';
import { RemoteCommand } from '../base-command.js';
import { connect } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { fileExists, writeTextFileAtomic } from '../files.js';
import { UsageProblem } from '../../errors.js';

export class ImportCommand extends RemoteCommand {
  static override paths = [['import']];
  static override usage = Command.Usage({
    description: 'write warehouse.yaml for the sources that exist in PostHog',
    details: `
      Reads every source of the project (read-only) and writes YAML with its tables' settings and its
      non-secret config. Secrets, which PostHog never returns, become \${...} references named after the
      source, listed at the end so you know what to set. Prints to stdout unless --out is given.
    `,
    examples: [
      ['Adopt an existing project', '$0 import --out warehouse.yaml'],
    ],
  });

  out = Option.String('--out', { description: 'Write to this file (refuses to overwrite without --force)' });
  force = Option.Boolean('--force', false, { description: 'Overwrite --out if it exists' });

  protected async run(): Promise<ExitCode> {
    if (this.out && !this.force && (await fileExists(this.context.cwd, this.out))) {
      throw new UsageProblem(`${this.out} already exists (use --force to overwrite)`);
    }
    const client = await connect(this);
    const listed = await client.listSources();
    const full = await Promise.all(listed.map((s) => client.getSource(s.id)));
    const result = importSources(full, bundledCatalog());
    const text = this.masker.mask(result.text);
    if (this.out) {
      await writeTextFileAtomic(this.context.cwd, this.out, text);
      this.context.stderr.write(`Wrote ${this.out} with ${listed.length} source(s).\n`);
    } else {
      this.context.stdout.write(text);
    }
    if (result.references.length > 0) {
      this.context.stderr.write(`Set these references before \`dwctl plan\`:\n${result.references.map((r) => `  ${r.reference}: ${r.holds}`).join('\n')}\n`);
    }
    return ExitCode.Ok;
  }
}

