import { Command, Option } from 'clipanion';
import { prefixProblem } from '../../sources/naming.js';
import { UsageProblem } from '../../errors.js';
import { bundledCatalog } from '../../wizard/bundled.js';
import { DwctlCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { fileExists, readTextFile, writeTextFileAtomic } from '../files.js';

export class InitCommand extends DwctlCommand {
  static override paths = [['init']];
  static override usage = Command.Usage({
    description: 'write a starter warehouse.yaml, or add a source skeleton to it',
    details: `
      Without --type, writes a starter file with the schema modeline (refuses to overwrite one).
      With --type, --name and --prefix, adds a source with the wizard's required fields for that type
      (secrets as \${...} references) to the file, keeping its comments and layout; the file is created
      first if needed. --list-types lists the source types by category.
    `,
    examples: [
      ['Start a file', '$0 init'],
      ['Add a Postgres source', '$0 init --type Postgres --name shop_db --prefix shop_'],
      ['See every source type', '$0 init --list-types'],
    ],
  });

  file = Option.String('-f,--file', 'warehouse.yaml', { description: 'The file to write (default ./warehouse.yaml)' });
  type = Option.String('--type', { description: 'Source type to add, e.g. Postgres, Stripe' });
  name = Option.String('--name', { description: 'Local name of the new source ([a-z][a-z0-9_]*); default from the type' });
  prefix = Option.String('--prefix', { description: 'Table prefix; default the name followed by "_"' });
  listTypes = Option.Boolean('--list-types', false, { description: 'List the source types and exit' });
  force = Option.Boolean('--force', false, { description: 'Overwrite an existing file when writing the starter' });

  protected async run(): Promise<ExitCode> {
    // Loaded here, not at start-up: it brings the yaml package, which `dwctl lint` does without.
    const { addSource, configSkeleton, formatTypeList, matchSourceType, starterFile } = await import('../../config/skeleton.js');
    const catalog = bundledCatalog();
    if (this.listTypes) {
      this.context.stdout.write(formatTypeList([...catalog.values()]));
      return ExitCode.Ok;
    }
    const exists = await fileExists(this.context.cwd, this.file);
    if (!this.type) {
      if (exists && !this.force) throw new UsageProblem(`${this.file} already exists (use --force to overwrite, or --type to add a source)`);
      await writeTextFileAtomic(this.context.cwd, this.file, starterFile());
      this.context.stderr.write(`Wrote ${this.file}. Add a source with: dwctl init --type Postgres --name shop_db --prefix shop_\n`);
      return ExitCode.Ok;
    }
    const match = matchSourceType(catalog, this.type);
    if (!match.exact) {
      const shown = match.candidates.length > 0 ? match.candidates : [...catalog.values()];
      this.context.stderr.write(
        `${match.candidates.length > 1 ? `"${this.type}" matches several source types` : `"${this.type}" is not a source type`}; choose one of:\n${formatTypeList(shown)}`,
      );
      return ExitCode.CouldNotRun;
    }
    const info = match.exact;
    const name = this.name ?? info.name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageProblem(`--name "${name}" must match [a-z][a-z0-9_]*`);
    const prefix = this.prefix ?? `${name}_`;
    const problem = prefixProblem(prefix);
    if (problem) throw new UsageProblem(`--prefix "${prefix}": ${problem}`);
    const source: Record<string, unknown> = { type: info.name, prefix, config: configSkeleton(info, name), tables: {} };
    const text = exists ? await readTextFile(this.context.cwd, this.file) : starterFile();
    let updated: string;
    try {
      updated = addSource(text, name, source, ` ${info.label}: list tables with \`dwctl discover ${name}\`, then add them under tables:`);
    } catch (error) {
      throw new UsageProblem(`${this.file}: cannot add the source: ${(error as Error).message}`);
    }
    await writeTextFileAtomic(this.context.cwd, this.file, updated);
    const notes = info.oauthOnly ? ` ${info.label} uses OAuth: authorise it in PostHog first and set the integration id.` : '';
    this.context.stderr.write(`Added source "${name}" (${info.name}, prefix "${prefix}") to ${this.file}.${notes}\n`);
    return ExitCode.Ok;
  }
}

